"""The page to try a customer, at ``/`` of the service: a form or pasted YAML in, the brief and bundles out.

Plain server-rendered HTML (a Jinja2 template with autoescaping, its styles inline): no
script, no font and no style is fetched from anywhere, so it works offline. It shows the
account manager's brief, each bundle with its sized prices and why each product is in
it, the products left out with their reasons, and the diagnosis when nothing fits. Its
words come from the message files (``try.*``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic_core import PydanticCustomError

from .brief import bundle_price, name_of, price_cells, quantity_cell, reasons
from .detail import unlisted
from .errors import DATE_SAID, Issue, ProfileError, said_of
from .knowledge.base import KnowledgeBase
from .knowledge.yamlpos import parse
from .messages import message, using
from .profile import Source
from .recommender import Recommender
from .result import Bundle, Lang, Recommendation
from .validity import parse_day

__all__ = ["add_try_page"]

_TEMPLATES = Environment(loader=PackageLoader("recommender", "templates"), autoescape=select_autoescape())
_EXAMPLE: dict[str, Any] = {"name": "某物流公司", "industry": "logistics", "employees": "350",
                            "needs": ["production", "office.meeting"], "budget_monthly": "8000", "yaml": "",
                            "catalog": "", "lang": "zh", "as_of": ""}


def add_try_page(app: FastAPI, recommender_for: Callable[[str | None], Recommender],
                 catalogs: Callable[[], list[str]], max_body: int) -> None:
    """Serve the page at ``GET /`` and its form at ``POST /``."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse(_render(recommender_for, catalogs(), dict(_EXAMPLE), None, []))

    @app.post("/", response_class=HTMLResponse, include_in_schema=False)
    async def submit(request: Request) -> HTMLResponse:
        raw = (await request.body())[:max_body].decode("utf-8", "replace")
        fields = parse_qs(raw, keep_blank_values=True)
        form = {**_EXAMPLE, **{k: v[0] for k, v in fields.items() if k in _EXAMPLE}, "needs": fields.get("needs", [])}
        result, problems = await run_in_threadpool(_recommend, recommender_for, form)
        return HTMLResponse(_render(recommender_for, catalogs(), form, result, problems),
                            status_code=422 if problems else 200)


def _recommend(recommender_for: Callable[[str | None], Recommender],
               form: dict[str, Any]) -> tuple[Recommendation | None, list[Issue]]:
    rec = recommender_for(form["catalog"] or None)
    if form["yaml"].strip():
        doc = parse(form["yaml"], "profile.yaml")
        errors = [i for i in doc.issues if i.severity == "error"]
        if errors:
            return None, errors
        data, source = doc.data, Source(file="profile.yaml", positions=doc.positions)
    else:
        data = {k: form[k].strip() for k in ("name", "industry", "employees", "budget_monthly") if form[k].strip()}
        data, source = ({**data, "needs": form["needs"]} if form["needs"] else data), Source(file="form")
    try:
        day = parse_day(form["as_of"].strip()) if form["as_of"].strip() else None
    except PydanticCustomError as exc:
        return None, [Issue(code="bad-date", message=said_of(exc), hint=DATE_SAID, path="as_of")]
    try:
        return rec.recommend(rec.parse_profile(data, source=source), as_of=day), []
    except ProfileError as exc:
        return None, list(exc.issues)


def _render(recommender_for: Callable[[str | None], Recommender], catalog_ids: list[str], form: dict[str, Any],
            result: Recommendation | None, problems: list[Issue]) -> str:
    kb = recommender_for(form["catalog"] or None).knowledge
    with using(kb.messages):  # the knowledge's languages and sentences, its own message files included
        return _page(recommender_for, catalog_ids, form, kb, result, problems)


def _page(recommender_for: Callable[[str | None], Recommender], catalog_ids: list[str], form: dict[str, Any],
          kb: KnowledgeBase, result: Recommendation | None, problems: list[Issue]) -> str:
    lang: Lang = form["lang"] if form["lang"] in kb.languages else kb.languages[0]
    t = {k.removeprefix("try."): v for k, v in kb.messages.table[lang].items() if k.startswith("try.")}
    catalogs = [(cid, name_of(recommender_for(cid).knowledge.catalog, lang)) for cid in catalog_ids]
    industries = [(i.id, name_of(i, lang)) for i in kb.framework.industries]
    # a module, then its items: an account manager picks needs by name, not by id
    needs = [(name_of(m, lang), [(m.id, name_of(m, lang)), *((i.id, name_of(i, lang)) for i in m.items)])
             for m in kb.framework.modules]
    context: dict[str, Any] = {"lang": lang, "t": t, "form": {**form, "catalog": kb.catalog.id},
                               "catalogs": catalogs, "industries": industries, "needs": needs,
                               "languages": [(code, message("try.language_name", code)) for code in kb.languages],
                               "problems": [i.render(lang) for i in problems], "result": result}
    if result is not None:
        context["brief"] = result.rationale_text(lang)
        context["bundles"] = [_bundle(result, b, lang) for b in result.bundles]
        if result.diagnosis is not None:
            relax = [r.text.get(lang) for r in result.diagnosis.relaxations]
            context["diagnosis"] = relax or [result.diagnosis.text.get(lang)]
    return _TEMPLATES.get_template("try.html").render(context)


def _bundle(result: Recommendation, b: Bundle, lang: Lang) -> dict[str, Any]:
    whys = reasons(result, b, lang)
    rows = [{"name": name_of(p, lang), "quantity": quantity_cell(p, lang),
             **dict(zip(("monthly", "once"), price_cells(p, lang), strict=True)), "why": whys[p.id]}
            for p in b.products]
    left_out = [message("try.left_out", lang, product=name_of(x, lang), why=x.text.get(lang)) for x in b.left_out]
    if b.left_out_counts:
        left_out.append(unlisted(b.left_out_counts, lang))
    return {"title": message("try.bundle", lang, rank=b.rank, price=bundle_price(b, lang)), "products": rows,
            "left_out": left_out}
