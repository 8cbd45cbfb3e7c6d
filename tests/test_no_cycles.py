"""A recommendation leaves nothing for the garbage collector.

Everything one ``recommend`` call builds is freed by reference counting when the caller drops
the result. A reference cycle (a nested function that calls itself, say) would instead keep the
whole search space alive until a full collection, which then traces tens of thousands of
search nodes: measured, that was more than a quarter of the time of a call on a customer base
(``benchmarks/bench_batch.py``). durable-rules' own Python code makes cycles of its own
(closures around each action); only ours are counted here.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from benchmarks.customers import generate
from recommender import Recommender
from recommender.engine import EngineName

from .conftest import requires_durable


def _ours(obj: object) -> bool:
    module = getattr(obj, "__module__", None) if callable(obj) else type(obj).__module__
    return isinstance(module, str) and module.split(".")[0] == "recommender"


@contextmanager
def saved_garbage() -> Iterator[list[object]]:
    """What the collector finds unreachable meanwhile (gc.DEBUG_SAVEALL keeps it to look at)."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize("engine", ["compiled", pytest.param("durable", marks=requires_durable)])
def test_a_recommendation_builds_no_reference_cycle(engine: EngineName) -> None:
    rec = Recommender.default(engine=engine)
    customers = generate(rec.knowledge, 40, seed=3)
    rec.recommend(customers[0])  # the knowledge's view of today, built once and kept
    with saved_garbage() as garbage:
        results = [rec.recommend(c) for c in customers]
        assert sum(len(r.bundles) for r in results) > 40  # the search ran, alternatives included
        del results
        gc.collect()
        cycles = Counter(getattr(o, "__qualname__", type(o).__qualname__) for o in garbage if _ours(o))
        assert not cycles, f"objects only a garbage collection frees: {cycles.most_common(10)}"
        if engine == "compiled":
            assert garbage == []


_THRESHOLDS_AFTER_BUILD = """
import gc, sys
gc.set_threshold(*map(int, sys.argv[1:4]))
from recommender import Recommender
Recommender.default(engine="compiled")
print(*gc.get_threshold())
"""


@pytest.mark.parametrize(("before", "switch", "after"), [
    ("700 10 10", None, "20000 20 20"),  # Python's defaults: raised
    ("50000 5 30", None, "50000 20 30"),  # a process's own higher figures stay
    ("0 10 10", None, "0 10 10"),  # automatic collection off stays off
    ("700 10 10", "0", "700 10 10"),  # RECOMMENDER_GC_FREEZE=0: the collector is left alone
])
def test_a_recommender_raises_the_collection_thresholds(before: str, switch: str | None, after: str) -> None:
    """Since a call builds no cycle, young collections only trace live search nodes: the recommender raises
    the thresholds so that they run about ten times less often, and never lowers what a process chose."""
    env = {k: v for k, v in os.environ.items() if k != "RECOMMENDER_GC_FREEZE"}
    if switch is not None:
        env["RECOMMENDER_GC_FREEZE"] = switch
    done = subprocess.run([sys.executable, "-c", _THRESHOLDS_AFTER_BUILD, *before.split()], env=env,
                          capture_output=True, text=True, check=True, timeout=300)
    assert done.stdout.split() == after.split()
