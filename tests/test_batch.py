"""A customer base at once: recommend_many streams every row back, in order, over real worker processes."""

from __future__ import annotations

import pickle

import pytest

from recommender import ProfileError, Recommender, Source
from recommender.batch import Row
from recommender.flat import flat_rows
from recommender.result import Recommendation

from .conftest import EXAMPLES


def _base(n: int) -> list[dict[str, object]]:
    industries = ["finance", "logistics", "retail", "government", "manufacturing"]
    return [{"name": f"客户{i}", "industry": industries[i % 5], "employees": 20 + 37 * i,
             "needs": ["transmission.voice", "office.meeting"][: 1 + i % 2], "budget_monthly": 2000 + 500 * i}
            for i in range(n)]


def test_a_recommender_pickles_by_its_knowledge(rec: Recommender) -> None:
    again = pickle.loads(pickle.dumps(rec))
    bank = rec.load_profile(EXAMPLES / "bank.yaml")
    assert again.knowledge.fingerprint == rec.knowledge.fingerprint
    assert again.recommend(bank).model_dump_json() == rec.recommend(bank).model_dump_json()


def test_a_result_survives_the_trip_between_processes_as_json(rec: Recommender) -> None:
    """Workers send results back as JSON (recommender/batch.py): it must give back an equal result."""
    sme = Recommender.default("sme")
    for path in sorted(EXAMPLES.glob("*.yaml")):
        which = sme if path.stem == "small_shop" else rec
        for top_k in (1, 3):
            result = which.recommend(which.load_profile(path), top_k=top_k)
            assert Recommendation.model_validate_json(result.model_dump_json()) == result, path.name


def test_profile_errors_survive_the_trip_between_processes() -> None:
    with pytest.raises(ProfileError) as caught:
        Recommender.default().parse_profile({"name": "x", "industry": "financ", "employees": 1})
    again = pickle.loads(pickle.dumps(caught.value))
    assert again.issues == caught.value.issues and str(again) == str(caught.value)


@pytest.mark.parametrize("processes", [1, 2])
def test_every_row_comes_back_once_in_order_and_bad_rows_do_not_stop_the_batch(rec: Recommender,
                                                                               processes: int) -> None:
    rows: list[object] = list(_base(70))
    rows[3] = {"name": "坏行", "industry": "financ", "employees": 1}
    rows[40] = Row({"name": "定位", "industry": "retail", "employees": "many"}, Source(file="crm.csv", line=42))
    items = list(rec.recommend_many(rows, processes=processes, top_k=2))  # type: ignore[arg-type]
    assert [i.row for i in items] == list(range(1, 71))
    assert [i.row for i in items if i.error] == [4, 41]
    assert {i.code for i in items[3].error.issues} == {"unknown-reference", "out-of-range"}  # type: ignore[union-attr]
    located = items[40].error.issues[0]  # type: ignore[union-attr]
    assert (located.file, located.line, located.path) == ("crm.csv", 42, "employees")
    for item, data in zip(items, rows, strict=True):
        if item.error is None:
            expected = rec.recommend(data, top_k=2)  # type: ignore[arg-type]
            # a writer takes the JSON without the result ever being parsed in this process
            assert item.result_json() == expected.model_dump_json()
            assert item.flat_rows() == flat_rows(item.row, expected)
            assert item.bundled == bool(expected.bundles)
            assert item.result is not None and len(item.result.bundles) <= 2
            assert item.result == expected
        else:
            assert (item.result, item.result_json(), item.bundled, item.flat_rows()) == (None, None, False, [])


def test_batch_arguments_are_checked(rec: Recommender) -> None:
    with pytest.raises(ValueError, match="processes"):
        rec.recommend_many([], processes=0)
    with pytest.raises(ValueError, match="top_k"):
        rec.recommend_many([], top_k=0)
