"""Reloading knowledge keeps memory bounded on durable-rules, which never frees a ruleset by itself.

The backend deletes a knowledge base's rulesets in the C engine as soon as its engine
is dropped (``engine_durable._freeing``). Each test runs in a child process, so that
its memory is its own and a use of a deleted ruleset crashes the child, not pytest.
``benchmarks/bench_reload.py`` runs the same loop for 1,000 reloads.
"""

from __future__ import annotations

from pathlib import Path

from .child import run_child
from .conftest import requires_durable

RELOADS = 30  # without the deletion each reload keeps about 1 MB: +50 % over one load


@requires_durable
def test_reloading_changing_knowledge_keeps_memory_within_a_fifth_of_one_load() -> None:
    """Every reload compiles knowledge the engine has not seen; RSS stays within 20 % of one load."""
    run = run_child(f"""
        import sys
        sys.path.insert(0, sys.argv[1])  # the checkout: benchmarks.bench_reload
        import gc, shutil, tempfile
        from pathlib import Path
        from benchmarks.bench_reload import CUSTOMER, change, rss_mb
        from recommender import Recommender
        from recommender.recommender import default_knowledge_dir
        root = Path(tempfile.mkdtemp()) / "knowledge"
        shutil.copytree(default_knowledge_dir(), root)
        rec = Recommender.from_path(root, engine="durable")
        first_result = rec.recommend(CUSTOMER).model_dump_json()
        gc.collect()
        first = rss_mb()
        fingerprints = set()
        for i in range(1, {RELOADS} + 1):
            change(root / "catalogs/group/rules.yaml", i)
            fingerprints.add(rec.reload().fingerprint)
            rec.recommend(CUSTOMER)
        gc.collect()
        print(len(fingerprints), first, rss_mb())
        shutil.rmtree(root.parent)
    """, str(Path(__file__).resolve().parent.parent), timeout=600)
    assert run.returncode == 0, run
    changed, first, last = run.stdout.split()
    assert int(changed) == RELOADS  # each reload brought knowledge of its own
    assert float(last) <= 1.2 * float(first), run.stdout


@requires_durable
def test_a_dropped_engine_deletes_its_rulesets_at_once_without_the_garbage_collector() -> None:
    """No action refers to the engine, so the last reference going frees it even with the collector off
    (gc.freeze() after load would otherwise keep a cycle, and its rulesets, forever)."""
    run = run_child("""
        import gc, weakref
        from recommender import Recommender
        from recommender.engine_durable import DurableEngine
        kb = Recommender.default(engine="compiled").knowledge
        gc.collect()
        gc.disable()
        engine = DurableEngine(kb)
        assert engine.evaluate({"industry": "finance", "employees": 50}, {}).firings
        host, alive = engine._host, weakref.ref(engine)
        assert len(host._ruleset_list) == 2  # the customer stage and the bundle stage
        del engine
        assert alive() is None and host._ruleset_list == []
        again = DurableEngine(kb)  # a new engine of the same knowledge: new rulesets, same answers
        assert again.evaluate({"industry": "finance", "employees": 50}, {}).firings
        print("ok")
    """)
    assert run.returncode == 0 and "ok" in run.stdout, run
