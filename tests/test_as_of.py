"""Recommendations as of a day (issue 14 item 3): validFor on products, prices and offers.

A product team stages next month's catalog: a product with a start date is left out until that
day and sold from it; a price changes mid-year; a package (seed 002 6.1.1: A8 自主版 in its new
composition) applies for a window; a product the portfolio retires (seed 001 四.1: 淘汰瘦狗类产品)
stops on its last day. Everything runs through the real engine on a dated copy of the shipped
knowledge; the day is always given (or injected through RECOMMENDER_TODAY), so results never
depend on when the tests run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from recommender import KnowledgeError, Recommender, load_knowledge
from recommender.authoring import diff, run_scenarios, validate
from recommender.proposal import render_proposal
from recommender.recommender import default_knowledge_dir
from recommender.tmf import product_offerings, query_product_recommendation
from recommender.validity import TODAY_ENV

from .conftest import EXAMPLES, ROOT, edit
from .served import running_server
from .test_tmf import _errors

LOGISTICS = yaml.safe_load((EXAMPLES / "logistics.yaml").read_text(encoding="utf-8"))
SHOP = yaml.safe_load((EXAMPLES / "small_shop.yaml").read_text(encoding="utf-8"))
FLEET = {**LOGISTICS, "fleet_size": 40}
CHE_WU_TONG = "  - id: che_wu_tong\n"
CHE_WU_TONG_RENT = "      - {priceType: recurring, amount: 30, unit: yuan/month, per: vehicle, illustrative: true}\n"


def products_file(root: Path) -> Path:
    return root / "catalogs" / "group" / "products.yaml"


def stage(root: Path, period: str) -> None:
    """Give 车务通 (fleet management, the logistics customer's first product) a validFor."""
    edit(products_file(root), CHE_WU_TONG, f"{CHE_WU_TONG}    validFor: {period}\n")


def ids(bundle: Any) -> set[str]:
    return {p.id for p in bundle.products}


def left_out(result: Any, pid: str) -> Any:
    found = [x for b in result.bundles for x in b.left_out if x.product == pid]
    assert found, f"{pid} is not listed as left out"
    return found[0]


@pytest.fixture
def staged(kb_copy: Path) -> Path:
    """车务通 on sale from 1 December 2026."""
    stage(kb_copy, "{start: 2026-12-01}")
    return kb_copy


def test_a_product_starting_next_month_is_left_out_today_and_sold_from_its_first_day(staged: Path) -> None:
    rec = Recommender.from_path(staged)
    before = rec.recommend(LOGISTICS, as_of=date(2026, 11, 30))
    assert before.as_of == date(2026, 11, 30)
    assert before.bundles and all("che_wu_tong" not in ids(b) for b in before.bundles)
    why = left_out(before, "che_wu_tong")
    assert why.reason == "out_of_period"
    assert why.text["zh"] == "尚未上市（2026年12月1日起供应）"
    assert why.text["en"] == "not on sale yet (available from 2026-12-01)"
    assert "尚未上市（2026年12月1日起供应）" in before.rationale_text("zh", detail=True)
    first_day = rec.recommend(LOGISTICS, as_of=date(2026, 12, 1))
    assert first_day.as_of == date(2026, 12, 1)
    assert "che_wu_tong" in ids(first_day.bundles[0])
    assert all(x.product != "che_wu_tong" for b in first_day.bundles for x in b.left_out)


def test_a_product_past_its_last_day_is_no_longer_sold(kb_copy: Path) -> None:
    stage(kb_copy, "{end: 2026-11-30}")
    rec = Recommender.from_path(kb_copy)
    assert "che_wu_tong" in ids(rec.recommend(LOGISTICS, as_of=date(2026, 11, 30)).bundles[0])  # end inclusive
    after = rec.recommend(LOGISTICS, as_of=date(2026, 12, 1))
    assert all("che_wu_tong" not in ids(b) for b in after.bundles)
    why = left_out(after, "che_wu_tong")
    assert (why.reason, why.text["zh"]) == ("out_of_period", "已于2026年11月30日停止供应")
    assert why.text["en"] == "no longer on sale (last day of sale 2026-11-30)"


def test_an_undated_product_is_not_listed_as_out_of_period_where_it_does_not_matter(staged: Path) -> None:
    # the bank needs no fleet management: the staged product is not considered, so not listed
    bank = Recommender.from_path(staged).recommend(
        yaml.safe_load((EXAMPLES / "bank.yaml").read_text(encoding="utf-8")), as_of=date(2026, 11, 30))
    assert all(x.product != "che_wu_tong" for b in bank.bundles for x in b.left_out)


def test_the_default_day_is_today_in_the_operators_time_zone_and_can_be_injected(
        staged: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recommender.from_path(staged)
    monkeypatch.setenv(TODAY_ENV, "2026-11-30")
    today = rec.recommend(LOGISTICS)
    assert today.as_of == date(2026, 11, 30) and left_out(today, "che_wu_tong").reason == "out_of_period"
    # the same knowledge, profile and day: byte-identical JSON, whether the day is given or today
    assert today.model_dump_json() == rec.recommend(LOGISTICS, as_of=date(2026, 11, 30)).model_dump_json()
    monkeypatch.setenv(TODAY_ENV, "2026-12-01")
    assert "che_wu_tong" in ids(rec.recommend(LOGISTICS).bundles[0])


def test_a_time_of_day_is_not_a_day(staged: Path) -> None:
    rec = Recommender.from_path(staged)
    with pytest.raises(TypeError, match="as_of must be a datetime.date"):
        rec.recommend(LOGISTICS, as_of=datetime(2026, 12, 1, 9, 30))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        rec.recommend(LOGISTICS, as_of="2026-12-01")  # type: ignore[arg-type]


@pytest.fixture
def repriced(kb_copy: Path) -> Path:
    """车务通's monthly fee per vehicle drops from 30 to 25 yuan on 1 July 2027."""
    edit(products_file(kb_copy), CHE_WU_TONG_RENT,
         CHE_WU_TONG_RENT.replace("illustrative: true}", "illustrative: true, validFor: {end: 2027-06-30}}")
         + CHE_WU_TONG_RENT.replace("amount: 30", "amount: 25").replace(
             "illustrative: true}", "illustrative: true, validFor: {start: 2027-07-01}}"))
    return kb_copy


def rent(result: Any) -> list[float]:
    return [x.amount for x in result.bundles[0].price.lines
            if x.product == "che_wu_tong" and x.priceType == "recurring"]


def test_a_price_change_mid_year_prices_each_day_with_the_price_in_force(repriced: Path) -> None:
    rec = Recommender.from_path(repriced)
    june, july = (rec.recommend(FLEET, as_of=date(2027, 6, 30)), rec.recommend(FLEET, as_of=date(2027, 7, 1)))
    assert rent(june) == [30 * 40] and rent(july) == [25 * 40]  # one price a day, sized per vehicle
    product = next(p for p in july.bundles[0].products if p.id == "che_wu_tong")
    assert product.recurring == 25 * 40
    assert july.bundles[0].price.recurring_monthly == june.bundles[0].price.recurring_monthly - 5 * 40
    # every medium shows the day's price: the brief, the proposal and the TMF680 export
    assert june.rationale_text("zh") != july.rationale_text("zh")
    assert render_proposal(june, "zh", "md") != render_proposal(july, "zh", "md")
    exported = query_product_recommendation(july)
    assert _errors("TMF680-Recommendation-v4.0.0.swagger.json", "QueryProductRecommendation", exported) == []
    item = next(i for i in exported["recommendationItem"] if i["id"] == "1-che_wu_tong")
    prices = {p["priceType"]: p["price"]["taxIncludedAmount"]["value"] for p in item["product"]["productPrice"]}
    assert prices["recurring"] == 25 * 40
    assert exported["validFor"] == {"startDateTime": "2027-07-01T00:00:00+08:00",
                                    "endDateTime": "2027-07-01T23:59:59+08:00"}


def test_an_offer_applies_only_inside_its_window(kb_copy: Path) -> None:
    offers = kb_copy / "catalogs" / "sme" / "offers.yaml"
    edit(offers, "  - id: a8_self_select\n", "  - id: a8_self_select\n    validFor: {end: 2026-12-31}\n")
    rec = Recommender.from_path(kb_copy, "sme")
    last = rec.recommend(SHOP, as_of=date(2026, 12, 31))
    assert [(o.offer, o.tier) for o in last.bundles[0].offers] == [("a8_self_select", "a8_39_89")]
    after = rec.recommend(SHOP, as_of=date(2027, 1, 1))
    assert [o for b in after.bundles for o in b.offers] == [] and after.advice.offers == []
    assert [ids(b) for b in after.bundles] == [ids(b) for b in last.bundles]  # the products stay


def test_a_batch_runs_as_of_one_day_in_process_and_in_workers(staged: Path) -> None:
    rec = Recommender.from_path(staged)
    rows = [LOGISTICS, {**LOGISTICS, "id": "logistics-02", "budget_monthly": 12000}]
    alone = [rec.recommend(r, as_of=date(2026, 11, 30)).model_dump_json() for r in rows]
    for processes in (1, 2):
        items = list(rec.recommend_many(rows, processes=processes, as_of=date(2026, 11, 30)))
        assert [i.result.model_dump_json() for i in items if i.result] == alone


def test_a_scenario_runs_as_of_its_own_day(staged: Path) -> None:
    scenario = {
        "id": "staged_fleet_management", "source": "001 二.4 车务通; a product staged for next month",
        "description": {"zh": "车务通12月1日起供应，11月30日不推荐", "en": "Fleet management sold from 1 December"},
        "as_of": "2026-11-30", "profile": LOGISTICS,
        "expect": {"any_bundle": {"left_out": {"che_wu_tong": "out_of_period"}}}}
    path = staged / "scenarios" / "staged_fleet_management.yaml"
    path.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    outcome = next(o for o in run_scenarios(staged, blame_failures=False) if o.scenario.id == scenario["id"])
    assert outcome.passed, outcome.report()
    assert outcome.as_of == date(2026, 11, 30)
    path.write_text(yaml.safe_dump({**scenario, "as_of": "2026-12-01"}, allow_unicode=True), encoding="utf-8")
    outcome = next(o for o in run_scenarios(staged, blame_failures=False) if o.scenario.id == scenario["id"])
    assert not outcome.passed


def test_diff_shows_what_a_staged_catalog_moves_from_its_first_day(staged: Path) -> None:
    # the staged copy differs from the shipped knowledge only by 车务通's start date
    def moved(day: date) -> list[str]:
        [group] = diff(default_knowledge_dir(), staged, EXAMPLES / "logistics.yaml", "group", as_of=day)
        return [c.name for c in group.customers]

    assert moved(date(2026, 11, 30)) == ["logistics-01"]  # not yet on sale in the staged catalog
    assert moved(date(2026, 12, 1)) == []  # from its first day both sell it


def test_validate_warns_about_products_expiring_within_30_days_located(kb_copy: Path) -> None:
    stage(kb_copy, "{end: 2026-12-10}")
    found = validate(kb_copy, as_of=date(2026, 11, 26))
    assert found.ok  # warnings only
    soon = [i for i in found.issues if i.code == "expiring-soon"]
    assert len(soon) == 1 and soon[0].severity == "warning"
    text = products_file(kb_copy).read_text(encoding="utf-8").splitlines()
    assert soon[0].file == str(products_file(kb_copy)) and soon[0].line is not None and soon[0].column is not None
    assert text[soon[0].line - 1][soon[0].column - 1:].startswith("2026-12-10")
    assert "'che_wu_tong' leaves the catalog after 2026-12-10, 14 days after 2026-11-26" in soon[0].message
    assert not [i for i in validate(kb_copy, as_of=date(2026, 11, 9)).issues if i.code == "expiring-soon"]  # 31 days
    assert [i.code for i in validate(kb_copy, as_of=date(2026, 11, 10)).issues].count("expiring-soon") == 1
    assert not [i for i in validate(kb_copy, as_of=date(2026, 12, 11)).issues if i.code == "expiring-soon"]  # gone


def test_validate_warns_about_days_a_charge_has_no_price(repriced: Path) -> None:
    edit(products_file(repriced), "validFor: {start: 2027-07-01}}", "validFor: {start: 2027-08-01}}")
    found = validate(repriced)
    gaps = [i for i in found.issues if i.code == "price-gap"]
    assert found.ok and len(gaps) == 1 and gaps[0].severity == "warning"
    assert ("'che_wu_tong' is on sale with no recurring price per vehicle from 2027-07-01 to 2027-07-31"
            in gaps[0].message)
    assert gaps[0].line is not None and gaps[0].hint


def test_a_price_list_over_time_is_one_price_item_of_a_public_tariff(kb_copy: Path) -> None:
    # seed 002 3.3.2 caps the items of a public tariff (framework: 3); five periods of one fee are one item
    products = kb_copy / "catalogs" / "sme" / "products.yaml"
    text = products.read_text(encoding="utf-8")
    zh = "起步档39元；另有89元、129元档，合计消费满129元宽带0元赠送；详见A8自主版套餐"
    en = text.split("          zh: " + zh + "\n          en: ", 1)[1].split("\n", 1)[0]
    ends = ["2027-03-31", "2027-06-30", "2027-09-30", None]
    quarters = "".join(
        f"      - {{priceType: recurring, amount: {39 + k}, description: {{zh: '{zh}', en: {en}}}, validFor: "
        f"{{start: 2027-{1 + 3 * k:02d}-01{', end: ' + end if end else ''}}}}}\n" for k, end in enumerate(ends))
    edit(products, f"          zh: {zh}\n          en: {en}\n",
         f"          zh: {zh}\n          en: {en}\n        validFor: {{end: 2026-12-31}}\n{quarters}")
    found = validate(kb_copy, catalog="sme", as_of=date(2026, 11, 26))
    assert not [i for i in found.issues if i.code in ("tariff-item", "price-gap", "overlapping-prices")], found.issues
    rec = Recommender.from_path(kb_copy, "sme")
    assert [p.recurring for p in rec.recommend(SHOP, as_of=date(2027, 8, 15)).bundles[0].products
            if p.id == "a8_package"] == [39 + 2]


def test_overlapping_prices_of_one_charge_are_an_error_located_with_a_hint(repriced: Path) -> None:
    edit(products_file(repriced), "validFor: {start: 2027-07-01}}", "validFor: {start: 2027-06-30}}")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(repriced)
    [issue] = [i for i in caught.value.issues if i.code == "overlapping-prices"]
    line = products_file(repriced).read_text(encoding="utf-8").splitlines()[issue.line - 1]
    assert "amount: 25" in line and line[issue.column - 1:].startswith("{start: 2027-06-30}")
    assert issue.hint and "the day before" in issue.hint


@pytest.mark.parametrize(("period", "code"), [("{start: 2026-12-1}", "bad-date"), ("{start: 2027-02-29}", "bad-date"),
                                              ("{start: 2027-01-02, end: 2027-01-01}", "bad-period"),
                                              ("{start: 2026-12-01T08:00:00}", "bad-date")])
def test_bad_dates_are_located_errors(kb_copy: Path, period: str, code: str) -> None:
    stage(kb_copy, period)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb_copy)
    [issue] = caught.value.issues
    assert issue.code == code and issue.file == str(products_file(kb_copy)) and issue.line and issue.column
    assert issue.path.startswith("products[") and "validFor" in issue.path and issue.hint


def test_the_tmf620_catalog_carries_validfor_on_offerings_and_prices(staged: Path) -> None:
    edit(products_file(staged), CHE_WU_TONG_RENT,
         CHE_WU_TONG_RENT.replace("illustrative: true}", "illustrative: true, validFor: {start: 2026-12-01}}"))
    offerings = product_offerings(load_knowledge(staged))
    for offering in offerings:
        assert _errors("TMF620-ProductCatalog-v4.1.0.swagger.json", "ProductOffering", offering) == []
    fleet = next(o for o in offerings if o["id"] == "che_wu_tong")
    assert fleet["validFor"] == {"startDateTime": "2026-12-01T00:00:00+08:00"}
    rent_price, install = fleet["productOfferingPrice"][:2]
    assert rent_price["validFor"] == {"startDateTime": "2026-12-01T00:00:00+08:00"} and "validFor" not in install
    assert datetime.fromisoformat(rent_price["validFor"]["startDateTime"]).utcoffset() is not None  # RFC 3339
    assert all("validFor" not in o for o in offerings if o["id"] != "che_wu_tong")


def test_the_catalog_as_of_a_day_lists_what_is_on_sale_that_day_at_that_days_prices(repriced: Path) -> None:
    stage(repriced, "{start: 2026-12-01}")
    kb = load_knowledge(repriced)

    def fleet(day: date) -> list[dict[str, Any]]:
        return [o for o in product_offerings(kb, day) if o["id"] == "che_wu_tong"]

    assert fleet(date(2026, 11, 30)) == []  # not yet on sale: a CRM must not quote it
    [december] = fleet(date(2026, 12, 1))
    [july] = fleet(date(2027, 7, 1))
    assert [p["price"]["value"] for p in december["productOfferingPrice"] if p["priceType"] == "recurring"] == [30]
    assert [p["price"]["value"] for p in july["productOfferingPrice"] if p["priceType"] == "recurring"] == [25]
    assert len(product_offerings(kb, date(2026, 11, 30))) == len(kb.products) - 1


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os
    return subprocess.run([sys.executable, "-m", "recommender", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300, check=False)


def test_the_command_line_takes_as_of(staged: Path) -> None:
    profile = str(EXAMPLES / "logistics.yaml")
    before = _cli("recommend", profile, "--knowledge", str(staged), "--format", "json", "--as-of", "2026-11-30")
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["as_of"] == "2026-11-30"
    assert "尚未上市（2026年12月1日起供应）" in _cli("recommend", profile, "--knowledge", str(staged), "--lang", "zh",
                                           "--detail", "--as-of", "2026-11-30").stdout
    injected = _cli("recommend", profile, "--knowledge", str(staged), "--format", "json",
                    env={TODAY_ENV: "2026-11-30"})
    assert injected.stdout == before.stdout  # byte-identical for the same day
    bad = _cli("recommend", profile, "--knowledge", str(staged), "--as-of", "2026-11-31")
    assert bad.returncode == 2 and "'2026-11-31' is not a day of the calendar" in bad.stderr
    misconfigured = _cli("recommend", profile, "--knowledge", str(staged), env={TODAY_ENV: "30.11.2026"})
    assert misconfigured.returncode == 1  # a problem with the operator's input, not a bug
    assert f"{TODAY_ENV}='30.11.2026' is not a day" in misconfigured.stderr
    stage_end = _cli("validate", str(staged), "--as-of", "2026-11-20")
    assert stage_end.returncode == 0 and "[expiring-soon]" not in stage_end.stdout
    explained = _cli("explain", profile, "--product", "che_wu_tong", "--knowledge", str(staged), "--lang", "zh",
                     "--as-of", "2026-11-30")
    assert explained.returncode == 0 and "当日不可销售：尚未上市（2026年12月1日起供应）" in explained.stdout
    assert "当日不可销售" not in _cli("explain", profile, "--product", "che_wu_tong", "--knowledge", str(staged),
                                  "--lang", "zh", "--as-of", "2026-12-01").stdout

    def exported(*day: str) -> set[str]:
        done = _cli("export", "--format", "tmf620", "--knowledge", str(staged), *day)
        assert done.returncode == 0, done.stderr
        return {o["id"] for o in json.loads(done.stdout)}

    assert "che_wu_tong" not in exported("--as-of", "2026-11-30")
    assert "che_wu_tong" in exported("--as-of", "2026-12-01") and "che_wu_tong" in exported()


def test_a_data_frame_is_recommended_as_of_one_day(staged: Path) -> None:
    pd = pytest.importorskip("pandas")
    frame = Recommender.from_path(staged).recommend_frame(pd.DataFrame([LOGISTICS]), as_of=date(2026, 11, 30))
    assert set(frame["as_of"]) == {"2026-11-30"}
    assert all("che_wu_tong" not in products.split(";") for products in frame["products"])


def test_a_batch_file_records_its_one_day_on_every_row(staged: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    source = tmp_path / "customers.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (LOGISTICS, FLEET)), encoding="utf-8")
    run = _cli("batch", str(source), "--knowledge", str(staged), "--jobs", "1", "--as-of", "2026-11-30")
    lines = [json.loads(line)["recommendation"] for line in run.stdout.splitlines()]
    assert run.returncode == 0 and [r["as_of"] for r in lines] == ["2026-11-30"] * 2
    assert all(p["id"] != "che_wu_tong" for r in lines for b in r["bundles"] for p in b["products"])
    table = tmp_path / "out.parquet"
    assert _cli("batch", str(source), "--knowledge", str(staged), "--jobs", "1", "--as-of", "2026-12-01",
                "-o", str(table)).returncode == 0
    rows = pq.read_table(table).to_pylist()
    assert {r["as_of"] for r in rows} == {"2026-12-01"} and "che_wu_tong" in rows[0]["products"].split(";")


def test_the_http_api_takes_asof(staged: Path, tmp_path: Path) -> None:
    with running_server(tmp_path, "--knowledge", str(staged), env={TODAY_ENV: "2026-11-30"}) as url:
        today = httpx.post(f"{url}/recommendations", json=LOGISTICS, timeout=60)
        assert today.status_code == 200 and today.json()["as_of"] == "2026-11-30"
        assert all(p["id"] != "che_wu_tong" for b in today.json()["bundles"] for p in b["products"])
        staged_day = httpx.post(f"{url}/recommendations", params={"asOf": "2026-12-01"}, json=LOGISTICS, timeout=60)
        assert staged_day.json()["as_of"] == "2026-12-01"
        assert "che_wu_tong" in {p["id"] for p in staged_day.json()["bundles"][0]["products"]}
        batch = httpx.post(f"{url}/recommendations:batch", params={"asOf": "2026-12-01"},
                           json={"profiles": [LOGISTICS, LOGISTICS]}, timeout=60)
        assert [r["result"]["as_of"] for r in batch.json()["results"]] == ["2026-12-01"] * 2
        bad = httpx.post(f"{url}/recommendations", params={"asOf": "2026-13-01"}, json=LOGISTICS, timeout=60)
        assert bad.status_code == 422
        [issue] = bad.json()["issues"]
        assert (issue["code"], issue["path"]) == ("bad-date", "query.asOf") and "YYYY-MM-DD" in issue["hint"]
        page = httpx.post(url + "/", data={"name": "某物流公司", "industry": "logistics", "employees": "350",
                                           "needs": "production", "budget_monthly": "8000", "lang": "zh",
                                           "as_of": "2026-11-30"}, timeout=60)
        assert page.status_code == 200 and "尚未上市（2026年12月1日起供应）" in page.text
        listed = {o["id"] for o in httpx.get(f"{url}/catalogs/group/productOfferings", params={"asOf": "2026-11-30"},
                                             timeout=60).json()}
        assert "che_wu_tong" not in listed and "che_wu_tong" in {o["id"] for o in httpx.get(
            f"{url}/catalogs/group/productOfferings", params={"asOf": "2026-12-01"}, timeout=60).json()}
        assert "che_wu_tong" in {o["id"] for o in httpx.get(f"{url}/catalogs/group/productOfferings",
                                                             timeout=60).json()}  # the catalog as written
        assert httpx.get(f"{url}/catalogs/group/productOfferings", params={"asOf": "soon"}).status_code == 422
        checked = httpx.post(f"{url}/validate", json={"knowledge": "default", "asOf": "2026-11-26"}, timeout=60)
        assert checked.status_code == 200 and checked.json()["ok"]
        assert httpx.post(f"{url}/validate", json={"knowledge": "default", "asOf": "26/11/2026"},
                          timeout=60).status_code == 422
