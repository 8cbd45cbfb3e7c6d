"""`recommender batch`: CRM files in (CSV in Chinese encodings, JSON Lines, Parquet), results and errors out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recommender import Recommender
from recommender.flat import COLUMNS
from recommender.rows import detect_encoding, read_rows

HEADER = "编号,客户名称,industry,employees,annual_spend,needs,key_persons\n"
ROWS = [
    "c1,某城市商业银行,finance,1800,500000,transmission.dedicated_line;customer.notification,"
    '"[{""rank"": ""bureau""}]"\n',
    "c2,坏行,financ,1,,,\n",  # two problems in one row
    "c3,某物流公司,logistics,350,,production;office.meeting,\n",  # an empty cell is absent, not NaN or 0
    "c4,某物流公司二,logistics,120,60000,production,not json\n",
]
MAP = "编号: id\n客户名称: name\n"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "recommender", "batch", *args], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    (tmp_path / "map.yaml").write_text(MAP, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "utf-8"])
def test_chinese_csv_encodings_are_detected(crm: Path, encoding: str) -> None:
    path = crm / "in.csv"
    path.write_bytes((HEADER + "".join(ROWS)).encode(encoding))
    assert detect_encoding(path) == ("gbk" if encoding == "gbk" else "utf-8-sig")
    rows = list(read_rows(path, column_map={"编号": "id", "客户名称": "name"}))
    assert rows[0].data["name"] == "某城市商业银行" and rows[0].data["key_persons"] == [{"rank": "bureau"}]
    assert "annual_spend" not in rows[2].data and rows[2].data["needs"] == ["production", "office.meeting"]
    assert rows[1].source.line == 3 and rows[1].source.columns == {"id": "编号", "name": "客户名称"}


def test_csv_to_parquet_with_errors_file_and_summary(crm: Path) -> None:
    source = crm / "in.csv"
    source.write_text(HEADER + "".join(ROWS), encoding="gbk")
    out = crm / "out.parquet"
    done = _run(str(source), "-o", str(out), "--map", str(crm / "map.yaml"), "--jobs", "2", "--top-k", "2")
    assert done.returncode == 1  # some rows were rejected
    assert "rows 4, recommended 2, no bundle 0, rejected 2," in done.stderr and "rows/s" in done.stderr
    assert "%|" not in done.stderr  # no progress bar when not on a terminal
    table = pq.read_table(out)
    assert table.schema.names == [name for name, _, _ in COLUMNS]
    rows = table.to_pylist()
    assert {r["row"] for r in rows} == {1, 3} and all(1 <= r["rank"] <= 2 for r in rows)
    assert {r["customer_id"] for r in rows} == {"c1", "c3"}
    errors = [json.loads(line) for line in (crm / "out.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["row"] for e in errors] == [2, 4]
    bad = {(i["path"], i["code"], i["line"]) for i in errors[0]["issues"]}
    assert bad == {("employees", "out-of-range", 3), ("industry", "unknown-reference", 3)}
    assert errors[1]["issues"][0]["path"] == "key_persons" and errors[1]["issues"][0]["line"] == 5


def test_jsonl_and_parquet_in_jsonl_out_match_recommend(crm: Path, rec: Recommender) -> None:
    profiles = [{"id": "p1", "name": "某银行", "industry": "finance", "employees": 900, "needs": ["transmission"]},
                {"id": "p2", "name": "某学校", "industry": "education", "employees": 80}]
    jsonl = crm / "in.jsonl"
    jsonl.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in profiles) + "\n{oops\n", encoding="utf-8")
    parquet = crm / "in.parquet"
    pq.write_table(pa.Table.from_pylist(profiles), parquet)
    for source in (jsonl, parquet):
        done = _run(str(source), "--jobs", "1")
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        assert [x["row"] for x in lines] == [1, 2]
        for line, profile in zip(lines, profiles, strict=True):
            assert line["recommendation"] == json.loads(rec.recommend(profile).model_dump_json())
        assert done.returncode == (1 if source == jsonl else 0)
    assert '"row": 3' in _run(str(jsonl), "--jobs", "1").stderr  # the broken line, on standard error
