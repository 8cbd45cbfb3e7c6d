"""Every value a profile accepts is safe for the engine; every other value is a located ProfileError with a hint."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from recommender import ProfileError, Recommender, RecommenderError, parse_profile
from recommender.profile import MAX_EMPLOYEES, MAX_TEXT

from .child import run_child

BASE = {"name": "x", "industry": "finance", "employees": 50}


def problems(**fields: object) -> list[tuple[str, str]]:
    with pytest.raises(ProfileError) as caught:
        parse_profile({**BASE, **fields})
    for issue in caught.value.issues:
        assert issue.hint, str(issue)
    return [(i.code, i.path) for i in caught.value.issues]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e15, 1e16, 1e308, -0.01, 10**400])
@pytest.mark.parametrize("field", ["budget_monthly", "annual_spend", "company_revenue", "it_investment"])
def test_money_must_be_finite_and_below_a_thousand_trillion(field: str, value: float) -> None:
    assert problems(**{field: value}) == [("out-of-range", field)]


@pytest.mark.parametrize("field", ["employee_growth", "revenue_growth", "it_investment_growth", "it_staff_growth"])
def test_growth_is_a_finite_fraction_no_lower_than_minus_one(field: str) -> None:
    for value in (math.nan, math.inf, -1.5, 1e6):
        assert problems(**{field: value}) == [("out-of-range", field)]
    assert getattr(parse_profile({**BASE, field: -1.0}), field) == -1.0


def test_counts_have_a_ceiling() -> None:
    assert problems(employees=MAX_EMPLOYEES + 1) == [("out-of-range", "employees")]
    assert problems(employees=10**400) == [("out-of-range", "employees")]
    assert problems(partners=10**11) == [("out-of-range", "partners")]


@pytest.mark.parametrize("text", ["a\x1b[31m", "line\r\nforged", "\ud800", "tab\there", "\u202egnp.exe", "a\u2028b"])
@pytest.mark.parametrize("field", ["id", "name", "city", "region", "industry"])
def test_texts_refuse_invisible_characters(field: str, text: str) -> None:
    assert problems(**{field: text}) == [("bad-character", field)]


def test_texts_and_lists_have_a_length_limit() -> None:
    assert problems(name="x" * (MAX_TEXT + 1)) == [("text-too-long", "name")]
    assert problems(needs=["office"] * 501) == [("too-long", "needs")]
    assert problems(key_persons=[{"rank": "bureau", "title": "\x07"}]) == [("bad-character", "key_persons[0].title")]


def test_a_huge_value_is_shown_short_in_the_message() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile({**BASE, "company_revenue": 10**5000})
    assert len(str(caught.value)) < 400


def test_a_yaml_profile_with_out_of_range_numbers_is_located(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: x\nindustry: finance\nemployees: 50\nbudget_monthly: 1e16\nannual_spend: .inf\n",
                    encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        Recommender.default().load_profile(path)
    assert [(i.code, i.line, i.column) for i in caught.value.issues] == [("out-of-range", 4, 17),
                                                                         ("out-of-range", 5, 15)]


def test_the_error_tree_is_pinned() -> None:
    """Every error the library raises on purpose is a RecommenderError; usage errors are ValueError/TypeError."""
    def tree(cls: type) -> dict[str, object]:
        return {sub.__name__: tree(sub) for sub in cls.__subclasses__() if not sub.__name__.startswith("_")} | {
            name: kids for sub in cls.__subclasses__() if sub.__name__.startswith("_")
            for name, kids in tree(sub).items()}

    assert tree(RecommenderError) == {"KnowledgeError": {}, "ProfileError": {}, "EngineError": {}}
    assert not issubclass(RecommenderError, (ValueError, TypeError))
    with pytest.raises(ValueError, match="top_k"):
        Recommender.default().recommend(BASE, top_k=0)


def test_every_float_a_profile_may_hold_reaches_the_engine_and_serialises() -> None:
    """Hypothesis over the whole float range, through recommend(), in a child so a crash fails the test."""
    run = run_child("""
        import json
        from hypothesis import given, settings, strategies as st
        from recommender import ProfileError, Recommender
        rec = Recommender.default()
        seen = {"ok": 0, "refused": 0}

        @settings(max_examples=400, deadline=None, database=None, derandomize=True)
        @given(st.floats(allow_nan=True, allow_infinity=True), st.floats(min_value=0, max_value=1e15,
               exclude_max=True), st.sampled_from(["budget_monthly", "annual_spend", "company_revenue"]))
        def check(any_float, in_range, field):
            for value in (any_float, in_range):
                try:
                    result = rec.recommend({"name": "x", "industry": "finance", "employees": 50, field: value})
                except ProfileError:
                    seen["refused"] += 1
                    continue
                json.loads(result.model_dump_json())
                result.rationale_text("zh")
                seen["ok"] += 1

        check()
        print(json.dumps(seen))
    """, timeout=300)
    assert run.returncode == 0, str(run)
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["ok"] > 300 and seen["refused"] > 0


def test_a_value_holding_an_integer_too_long_to_print_is_still_located() -> None:
    """pydantic cannot copy such an input into its error; the issue must still name the field."""
    assert problems(lifecycle_stage=[10**5000]) == [("invalid-value", "lifecycle_stage")]
    assert problems(key_persons=[{"rank": "bureau", "name": [10**5000]}]) == [("wrong-type", "key_persons[0].name")]
