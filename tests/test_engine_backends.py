"""Choosing the rule engine: durable-rules, the compiled matcher, or auto; and life without durable-rules."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from recommender import Recommender
from recommender.cli import main
from recommender.engine import DURABLE_AVAILABLE, backend

from .child import run_child
from .conftest import EXAMPLES, requires_durable


def test_auto_is_durable_rules_where_it_is_installed_else_compiled() -> None:
    assert backend("auto") == ("durable" if DURABLE_AVAILABLE else "compiled")
    assert Recommender.default().engine == backend("auto")
    assert Recommender.default(engine="compiled").engine == "compiled"


def test_an_unknown_engine_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown engine 'drools': choose one of auto, durable, compiled"):
        Recommender.default(engine="drools")  # type: ignore[arg-type]


def test_reload_keeps_the_engine_chosen_at_construction(kb_copy: Path) -> None:
    rec = Recommender.from_path(kb_copy, engine="compiled")
    rec.reload()
    assert rec.engine == "compiled"


def test_without_durable_rules_the_package_imports_validates_and_serves_on_the_compiled_engine(
        tmp_path: Path) -> None:
    """As on Python 3.13: a ``durable`` package that fails to import stands in for the missing one."""
    hidden = tmp_path / "hidden" / "durable"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text('raise ImportError("no durable-rules here")\n', encoding="utf-8")
    run = run_child("""
        import sys
        sys.path.insert(0, sys.argv[1])
        from recommender import EngineError, Recommender, load_knowledge
        from recommender.engine import DURABLE_AVAILABLE
        assert not DURABLE_AVAILABLE
        rec = Recommender.default()
        assert rec.engine == "compiled", rec.engine
        print(rec.recommend({"name": "x", "industry": "finance", "employees": 1500}).bundles[0].products[0].id)
        try:
            Recommender.default(engine="durable")
        except EngineError as exc:
            print("refused:", exc)
    """, str(tmp_path / "hidden"))
    assert run.returncode == 0, str(run)
    assert "refused: durable-rules is not installed" in run.stdout, str(run)


@requires_durable
def test_the_command_line_chooses_the_engine_and_both_print_the_same() -> None:
    runner = CliRunner()
    outputs = [runner.invoke(main, ["recommend", str(EXAMPLES / "bank.yaml"), "--format", "json", "--engine", e])
               for e in ("durable", "compiled")]
    assert all(o.exit_code == 0 for o in outputs), [o.output for o in outputs]
    assert outputs[0].output == outputs[1].output and json.loads(outputs[0].output)["bundles"]
    scenarios = runner.invoke(main, ["test", "--engine", "compiled"])
    assert scenarios.exit_code == 0 and " 0 failed" in scenarios.output, scenarios.output


def test_a_pickled_recommender_keeps_its_engine_in_the_worker_that_unpickles_it() -> None:
    """recommend_many's workers get the recommender by pickle: the engine choice travels with the knowledge."""
    copy = pickle.loads(pickle.dumps(Recommender.default(engine="compiled")))
    assert copy.engine == "compiled" and copy.recommend({"name": "x", "industry": "retail", "employees": 9}).bundles
