"""The page to try a customer, served by the app and used in headless Chromium like a person would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from recommender import Recommender
from recommender.messages import message, money

from .served import running_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("page")) as url:
        yield url


@pytest.fixture
def page(browser: Any, site: str) -> Iterator[Any]:
    tab = browser.new_page()
    fetched: list[str] = []
    tab.on("request", lambda r: fetched.append(r.url))
    tab.goto(site)
    yield tab
    assert all(u.startswith(site) for u in fetched), fetched  # offline: nothing from elsewhere
    tab.close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_form_gives_the_brief_bundles_and_why(page: Any, rec: Recommender) -> None:
    page.fill("input[name=name]", "某物流公司")
    page.select_option("select[name=industry]", "logistics")
    page.fill("input[name=employees]", "350")
    page.select_option("select[name=needs]", ["production", "office.meeting"])
    page.fill("input[name=budget_monthly]", "8000")
    page.select_option("select[name=lang]", "zh")
    page.click("button[type=submit]")
    _shot(page, "try-page-logistics")
    expected = rec.recommend({"name": "某物流公司", "industry": "logistics", "employees": 350,
                              "needs": ["production", "office.meeting"], "budget_monthly": 8000})
    assert page.inner_text("#brief").strip() == expected.rationale_text("zh").strip()
    first = expected.bundles[0]
    heading = message("try.bundle", "zh", rank=1, price="")
    assert page.locator("h2", has_text=heading.rstrip("：")).first.is_visible()
    table = page.locator("table.bundle").first
    for p in first.products:
        assert table.locator("td", has_text=p.name["zh"]).first.is_visible(), p.id
    assert money(first.price.recurring_monthly, "zh", "money.month") in page.inner_text("body")
    assert page.locator("details summary").first.inner_text() == message("try.why_not", "zh")


def test_pasted_yaml_in_english_and_the_diagnosis(page: Any) -> None:
    page.select_option("select[name=lang]", "en")
    page.fill("textarea[name=yaml]", "name: Tiny plant\nindustry: manufacturing\nemployees: 40\n"
                                     "needs: [production.monitoring]\nbudget_monthly: 100\n")
    page.click("button[type=submit]")
    _shot(page, "try-page-diagnosis")
    assert page.locator("#diagnosis li").first.is_visible()
    assert "raise the monthly budget" in page.inner_text("#diagnosis")
    assert page.locator("h1").inner_text() == message("try.title", "en")


def test_a_bad_profile_lists_every_problem_with_its_place(page: Any) -> None:
    page.fill("textarea[name=yaml]", "name: x\nindustry: financ\nemployees: 1\n")
    page.click("button[type=submit]")
    problems = page.inner_text(".problems")  # the page speaks Chinese by default, and so do its problems
    assert "profile.yaml:2:11" in problems and "找不到行业“financ”" in problems and "“finance”" in problems
    assert "profile.yaml:3:12" in problems
    page.select_option("select[name=lang]", "en")
    page.click("button[type=submit]")
    assert "unknown industry 'financ'" in page.inner_text(".problems")
    assert page.locator("script").count() == 0
