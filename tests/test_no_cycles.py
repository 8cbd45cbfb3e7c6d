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
