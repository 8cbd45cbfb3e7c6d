"""recommend_spark on a real Spark in local mode equals recommend_many on the same customers."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from recommender import Recommender
from recommender.flat import flat_rows

pytest.importorskip("pyspark", reason="the optional extra [spark]")
if shutil.which("java") is None:
    if os.environ.get("CI"):
        pytest.fail("CI installs Java (.ci/run: openjdk-17-jre-headless) for the Spark test", pytrace=False)
    pytest.skip("needs Java: apt-get install openjdk-17-jre-headless", allow_module_level=True)

from recommender.spark import local_session, recommend_spark  # noqa: E402


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = local_session(2)
    yield session
    session.stop()


def _customers() -> list[dict[str, Any]]:
    industries = ["finance", "logistics", "retail", "government", "education", "manufacturing"]
    rows = [{"id": f"c{i:03d}", "name": f"客户{i}", "industry": industries[i % 6], "employees": str(12 + 41 * i),
             "needs": ["transmission.voice;office.meeting", "customer.notification", None][i % 3],
             "budget_monthly": [None, "3000", "20000"][i % 3]} for i in range(40)]
    rows.append({"id": "bad", "name": "坏行", "industry": "financ", "employees": "1", "needs": None,
                 "budget_monthly": None})
    return rows


def test_spark_results_equal_recommend_many(spark: Any, rec: Recommender) -> None:
    customers = _customers()
    got = recommend_spark(spark.createDataFrame(customers).repartition(3), top_k=2).toPandas()
    assert set(got["customer_id"].dropna()) == {c["id"] for c in customers[:-1]}
    bad = got[got["customer_id"].isna()]
    assert len(bad) == 1 and "unknown industry 'financ'" in bad["error"].iloc[0]
    assert got["row"].isna().all()  # Spark keeps no input order

    from recommender.profile import Source
    from recommender.rows import table_row

    expected: list[dict[str, Any]] = []
    rows = [table_row(c, Source()) for c in customers[:-1]]
    for item in rec.recommend_many(rows, processes=1, top_k=2):
        assert item.result is not None
        expected += [{**r, "row": None} for r in flat_rows(item.row, item.result)]
    good = got[got["customer_id"].notna()].drop(columns="error")
    actual = good.astype(object).where(good.notna(), None).to_dict("records")
    key = lambda r: (r["customer_id"], r["rank"] or 0)  # noqa: E731
    assert sorted(actual, key=key) == sorted(expected, key=key)
