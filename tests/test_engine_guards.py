"""Each guard in the engine adapter has a test that fails without it.

durable-rules crashes the process on several inputs, so every test that could
reach such a crash runs in a child process (``tests/child.py``): a regression
fails the test instead of killing pytest.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from recommender import EngineError, Recommender
from recommender.evaluation import engine_fact
from recommender.knowledge.yamlpos import parse
from recommender.recommender import default_knowledge_dir

from .child import run_child
from .conftest import edit, requires_durable

ONE_RULE = """\
rules:
  - id: only_logistics
    description: {zh: 物流企业需要车务通, en: Logistics firms need fleet management}
    when:
      customer: {industry: logistics}
    then:
      - propose: {product: che_wu_tong}
"""


def test_a_customer_no_rule_matches_is_safe_in_a_one_rule_knowledge_base(tmp_path: Path) -> None:
    """The catch-all ``_session`` rule: without it the session's facts match nothing and delete_state aborts."""
    root = tmp_path / "k"
    shutil.copytree(default_knowledge_dir(), root)
    (root / "catalogs/group/rules.yaml").write_text(ONE_RULE, encoding="utf-8")
    run = run_child("""
        import sys
        from recommender import Recommender
        rec = Recommender.from_path(sys.argv[1])
        for i in range(50):
            rec._state[1].clear_cache()
            rec.recommend({"name": "bank", "industry": "finance", "employees": 40 + i})
        print("ok")
    """, str(root))
    assert run.returncode == 0 and "ok" in run.stdout, str(run)


def test_needs_and_key_persons_no_rule_tests_are_never_asserted() -> None:
    """Only referenced facts are asserted: an unmatched fact makes durable-rules refuse the whole batch."""
    run = run_child("""
        from recommender import Recommender
        rec = Recommender.default()
        engine = rec._state[1]
        kb = rec.knowledge
        unreferenced = sorted(set(kb.need_module) - engine.referenced.needs)
        ranks = sorted({r.id for r in kb.framework.key_person_ranks}  # [B] see also test_serving
                       - {r for t in engine.referenced.key_persons for r in t.ranks or ()})
        assert unreferenced, "the shipped rules test every need: pick another probe"
        result = rec.recommend({"name": "inn", "industry": "hospitality", "employees": 3,
                                "needs": unreferenced[:20], "key_persons": [{"rank": r} for r in ranks]})
        assert result.bundles is not None
        print("ok", len(unreferenced))
    """)
    assert run.returncode == 0 and "ok" in run.stdout, str(run)


def test_numbers_of_every_size_reach_the_engine_in_a_form_it_parses() -> None:
    """``engine_fact``: durable-rules segfaults on ``1e-05`` or ``1e+16``, which Python writes for such floats."""
    run = run_child("""
        from recommender import Recommender
        engine = Recommender.default()._state[1]
        values = [0.0, -0.0, 5e-324, 1e-5, 5e-05, 0.00015, 1.5, 12345.678901, 1e14, 999999999999999.9,
                  2.0**49 + 0.5, 10**15 - 1]
        for v in values:
            engine.clear_cache()
            engine.evaluate({"industry": "finance", "employees": 50, "budget_monthly": v,
                             "annual_spend": v, "company_revenue": v}, {})
        print("ok")
    """)
    assert run.returncode == 0 and "ok" in run.stdout, str(run)


def test_a_number_the_engine_cannot_parse_is_refused_before_it_gets_there() -> None:
    with pytest.raises(EngineError, match="budget_monthly"):
        engine_fact({"budget_monthly": float("inf")})
    with pytest.raises(EngineError, match="too large"):
        engine_fact({"annual_spend": 1e16})
    with pytest.raises(EngineError, match="UTF-8"):
        engine_fact({"city": "\ud800"})
    assert engine_fact({"a": 5e-05, "b": -0.0, "c": True, "d": 7}) == {"a": 0.0001, "b": 0.0, "c": True, "d": 7}


@requires_durable
def test_a_session_durable_rules_never_created_is_not_deleted_and_its_error_is_kept() -> None:
    """Deleting a state that was never created raises error 309, which would replace the first error."""
    run = run_child("""
        import recommender.evaluation as adapter
        from recommender import EngineError, Recommender
        adapter.engine_fact = dict  # let the bad text reach durable-rules, as before that guard existed
        engine = Recommender.default()._state[1]
        deleted = []
        real_delete = engine._host.delete_state
        engine._host.delete_state = lambda name, sid: (deleted.append(sid), real_delete(name, sid))
        try:
            # a field rules test: the facts reach durable-rules cut to those (durable_split.RulesetPlan.cut)
            engine.evaluate({"industry": "\\ud800", "employees": 50}, {})
        except EngineError as exc:
            assert "Invalid argument" in str(exc.__cause__), repr(exc.__cause__)
            print("refused:", exc)
        assert deleted == [], deleted
        assert engine.evaluate({"industry": "finance", "employees": 50}, {}).firings
        assert deleted == ["2"], deleted
        print("ok")
    """)
    assert run.returncode == 0 and "refused: durable-rules refused the facts" in run.stdout, str(run)


@requires_durable
def test_a_failing_delete_neither_hides_the_first_error_nor_leaks_into_the_next_customer() -> None:
    """The first error is the one raised; a state left behind is never seen again, as each evaluation has a new sid."""
    run = run_child("""
        from recommender import EngineError, Recommender
        from recommender.evaluation import Session
        engine = Recommender.default()._state[1]
        retail = {"industry": "retail", "employees": 5}
        expected = engine.evaluate(retail, {})
        engine.clear_cache()
        real_delete, real_apply = engine._host.delete_state, Session.apply

        def failing_delete(name, sid):
            raise RuntimeError("delete failed too")

        def broken(self, index, rule):
            raise ValueError("the first error")

        engine._host.delete_state, Session.apply = failing_delete, broken
        try:
            engine.evaluate({"industry": "finance", "employees": 1500, "annual_spend": 50000}, {})
        except EngineError as exc:
            print("raised:", exc)
        engine._host.delete_state, Session.apply = real_delete, real_apply
        after = engine.evaluate(retail, {})
        assert (after.firings, after.needs, after.proposals) == (
            expected.firings, expected.needs, expected.proposals), after.firings
        print("ok")
    """)
    assert run.returncode == 0 and "the first error" in run.stdout and "ok" in run.stdout, str(run)


def test_a_refused_session_is_deleted_and_leaves_nothing_behind() -> None:
    """After durable-rules stored the facts and then refused them, the state is deleted and the sid never reused.

    A leaked state counts against durable-rules' 1,024 live sessions; a reused sid
    would carry the refused facts into the next customer's evaluation.
    """
    run = run_child("""
        from recommender import EngineError, Recommender
        from recommender.evaluation import Referenced
        engine = Recommender.default()._state[1]
        needs = {"office.meeting": 1.0}
        before = engine.evaluate({"industry": "finance", "employees": 50}, needs)
        kept = engine.referenced
        unreferenced = sorted(set(engine.kb.need_module) - kept.needs)[0]
        for i in range(1100):  # past the 1,024 live sessions a ruleset holds
            engine.referenced = Referenced(frozenset(engine.kb.need_module), kept.products, kept.key_persons)
            try:
                engine.evaluate({"industry": "retail", "employees": 5 + i}, {unreferenced: 1.0})
            except EngineError:
                pass
            engine.referenced = kept
        engine.clear_cache()
        after = engine.evaluate({"industry": "finance", "employees": 50}, needs)
        assert (after.firings, after.needs) == (before.firings, before.needs)
        print("ok")
    """)
    assert run.returncode == 0 and "ok" in run.stdout, str(run)


def test_a_rule_matching_several_facts_applies_its_effects_once(kb_copy: Path) -> None:
    """A rule on two needs fires twice for a customer stating both; its note must appear once."""
    edit(kb_copy / "catalogs/group/rules.yaml", "rules:\n", """rules:
  - id: twice_matched
    description: {zh: 会议与行政, en: Meetings and administration}
    when:
      need: [office.meeting, office.admin]
    then:
      - note: {zh: 先谈会议管理, en: Start with meeting management}
""")
    result = Recommender.from_path(kb_copy).recommend(
        {"name": "x", "industry": "retail", "employees": 80, "needs": ["office.meeting", "office.admin"]})
    firings = [r for r in result.fired_rules if r.rule == "twice_matched"]
    assert len(firings) == 1 and len(firings[0].inputs) >= 2  # both matches are recorded ...
    notes = [n for n in result.advice.notes if n.rule == "twice_matched"]
    assert len(notes) == 1  # ... but the effect applied once


def test_a_key_that_is_a_list_or_mapping_is_a_located_issue() -> None:
    """YAML allows complex keys; Python cannot hash them, so the reader refuses them with a place."""
    doc = parse("name: x\n? [a, b]\n: 1\n? {c: d}\n: 2\n", "k.yaml")
    assert [(i.code, i.line) for i in doc.issues] == [("wrong-type", 2), ("wrong-type", 4)]
    assert doc.data == {"name": "x"}
