"""The proposal: a printable document after seed 003's six-step analysis (六步分析法), in Markdown or HTML.

A key account (the rules gave it a key-account service level) gets all six steps
the seed names: 行业分析, 竞争分析, 个性化需求分析, 定制化方案分析, the phased
measures (针对工行的16个举措应该分阶段实施) and their financial impact
(中短期举措可能带来的财务影响). Other customers get steps 3 to 5 only: the
operator does not spend a key account's analysis on them (seed 003:
应该避免对普通客户的超值服务).

Markdown is the source; HTML is that Markdown rendered by markdown-it (raw HTML
off, so a name can never inject markup) inside one self-contained, printable page.
Sentences come from the message files; names from the result.
"""

from __future__ import annotations

from html import escape
from typing import Literal

from markdown_it import MarkdownIt

from .brief import (
    alternative,
    bundle_price,
    gaps,
    money,
    name_of,
    offer_lines,
    phases,
    price_cells,
    quantity_cell,
    reasons,
    verdict,
)
from .messages import message
from .result import Bundle, BundleProduct, Lang, Recommendation

__all__ = ["ProposalFormat", "render_proposal"]

ProposalFormat = Literal["md", "html"]

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|#~!"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def render_proposal(rec: Recommendation, lang: Lang = "zh", fmt: ProposalFormat = "md") -> str:
    """The proposal for ``rec`` in ``lang``, as Markdown (``md``) or one self-contained HTML page (``html``)."""
    with rec.rendering(lang):
        text = _markdown(rec, lang)
        return text if fmt == "md" else _html(text, lang, message(_title_key(rec), lang, customer=rec.customer_name))


def _md(text: str) -> str:
    """``text`` as literal Markdown: no character of a name or sentence turns into markup."""
    return text.translate(_MD_SPECIAL)


def _title_key(rec: Recommendation) -> str:
    return "proposal.title_key" if rec.customer.key_account else "proposal.title"


def _markdown(rec: Recommendation, lang: Lang) -> str:
    title = message(_title_key(rec), lang, customer=rec.customer_name)
    out = [f"# {_md(title)}", "", *_bullets(verdict(rec, lang))]
    first = rec.bundles[0] if rec.bundles else None
    if first is not None:
        out += ["", f"**{_md(message('proposal.recommended', lang, price=bundle_price(first, lang)))}**"]
    sections = [("needs", _needs(rec, lang)), ("solution", _solution(rec, lang)), ("phases", _phases(rec, lang))]
    if rec.customer.key_account:
        sections = [("industry", _industry(rec, lang)), ("competition", _competition(rec, lang)), *sections]
        if first is not None:
            sections.append(("finance", _finance(first, lang)))
    numerals = message("proposal.numerals", lang).split(",")  # one per step of the six
    for i, (step, body) in enumerate(sections):
        heading = message("proposal.section", lang, n=numerals[i], title=message(f"proposal.{step}", lang))
        out += ["", f"## {_md(heading)}", "", *body]
    if first is not None and any(p.illustrative_price for p in first.products):
        out += ["", _md(message("brief.reference_price", lang))]
    return "\n".join(out) + "\n"


def _bullets(texts: list[str]) -> list[str]:
    return [f"- {_md(t)}" for t in texts]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = [[_md(h) for h in header], ["---"] * len(header), *rows]
    return ["| " + " | ".join(cells) + " |" for cells in lines]


def _subsection(title: str, body: list[str]) -> list[str]:
    return ["", f"### {_md(title)}", "", *body] if body else []


def _industry(rec: Recommendation, lang: Lang) -> list[str]:
    c = rec.customer
    lines = [message("proposal.industry_line", lang, industry=name_of(c.industry, lang))]
    if c.segment is not None:
        lines.append(message("proposal.segment_line", lang, segment=name_of(c.segment, lang)))
    scale = [message("proposal.employees", lang, n=f"{c.employees:,}")]
    if c.sites:
        scale.append(message("proposal.sites", lang, n=f"{c.sites:,}"))
    lines.append(message("proposal.scale", lang, scale=message("list.sep", lang).join(scale)))
    return _bullets(lines)


def _competition(rec: Recommendation, lang: Lang) -> list[str]:
    c, sep = rec.customer, message("list.sep", lang)
    names = sep.join(name_of(p, lang) for p in c.existing_products)
    lines = [message("proposal.existing", lang, products=names) if names else message("proposal.existing_none", lang)]
    if not c.rival_products:
        return _bullets([*lines, message("proposal.rivals_unknown", lang)])
    lines.append(message("proposal.rivals", lang, products=sep.join(name_of(p, lang) for p in c.rival_products)))
    bundled = {p.id for p in rec.bundles[0].products} if rec.bundles else set()
    moved = sep.join(name_of(p, lang) for p in c.rival_products if p.id in bundled)
    if moved:
        lines.append(message("proposal.rivals_in_bundle", lang, products=moved))
    return _bullets(lines)


def _needs(rec: Recommendation, lang: Lang) -> list[str]:
    """Every need found, the stated ones first, then by weight; needs with the same basis share a row.

    The basis is "stated" or the description of the first rule that inferred the need.
    """
    rules = {r.rule: r.description.get(lang) for r in rec.fired_rules}
    stated = message("proposal.stated", lang)
    rows: dict[str, list[str]] = {}
    for n in sorted(rec.needs, key=lambda n: ("stated" not in n.sources, -n.weight, n.id)):
        basis = stated if "stated" in n.sources else rules.get(n.sources[0], stated)
        rows.setdefault(basis, []).append(name_of(n, lang))
    sep = message("list.sep", lang)
    return _table([message("proposal.need", lang), message("proposal.basis", lang)],
                  [[_md(sep.join(needs)), _md(basis)] for basis, needs in rows.items()])


def _solution(rec: Recommendation, lang: Lang) -> list[str]:
    if not rec.bundles:
        return _diagnosis(rec, lang)
    first = rec.bundles[0]
    whys = reasons(rec, first, lang)
    header = [message(f"proposal.{k}", lang) for k in ("product", "why", "quantity", "monthly", "once")]
    areas = [(a.id, name_of(a, lang)) for a in rec.business_areas]
    known = {a for a, _ in areas}
    out: list[str] = []
    for area, title in [*areas, (None, message("proposal.other_area", lang))]:
        products = [p for p in first.products if (p.business_area if p.business_area in known else None) == area]
        if products:
            out += _subsection(title, _table(header, [_product_row(p, whys[p.id], lang) for p in products]))
    out += ["", f"**{_md(message('proposal.total_line', lang, price=bundle_price(first, lang)))}**"]
    out += _subsection(message("proposal.alternatives", lang),
                       _bullets([alternative(first, b, lang) for b in rec.bundles[1:]]))
    out += _subsection(message("proposal.gaps", lang), _bullets(gaps(first, lang)))
    out += _subsection(message("proposal.offers", lang), _bullets(offer_lines(rec, first, lang)))
    return out[1:] if out and out[0] == "" else out


def _product_row(p: BundleProduct, why: str, lang: Lang) -> list[str]:
    monthly, once = price_cells(p, lang)
    return [_md(cell) for cell in (name_of(p, lang), why, quantity_cell(p, lang), monthly, once)]


def _diagnosis(rec: Recommendation, lang: Lang) -> list[str]:
    if rec.diagnosis is None:
        return []
    relax = rec.diagnosis.relaxations
    head = message("brief.relax", lang) if relax else message(
        "brief.no_bundle", lang, why=rec.diagnosis.text.get(lang))
    return [_md(head), "", *_bullets([r.text.get(lang) for r in relax])]


def _phases(rec: Recommendation, lang: Lang) -> list[str]:
    out = []
    if rec.bundles:
        steps = phases(rec.bundles[0], lang)
        out += [f"{i}. {_md(t)}" for i, t in enumerate(steps, start=1)] if len(steps) > 1 else _bullets(steps)
    adv = rec.advice
    serving = []
    for kind in ("strategy", "channel", "service_level", "account_manager", "managing_level"):
        choice = getattr(adv, kind)
        if choice is not None:
            serving.append(f"- {_md(message(f'advice.{kind}', lang, name=name_of(choice, lang)))}")
            serving += [f"  - {_md(d.get(lang))}" for d in choice.details]
    out += _subsection(message("proposal.serving", lang), serving)
    notes = [n.text.get(lang) for n in adv.notes] + ([n.text.get(lang) for n in rec.bundles[0].notes]
                                                     if rec.bundles else [])
    out += _subsection(message("proposal.notes", lang), _bullets(list(dict.fromkeys(notes))))
    return out[1:] if out and out[0] == "" else out


def _finance(bundle: Bundle, lang: Lang) -> list[str]:
    f = bundle.financial_impact
    if f is None:
        return []
    def pct(share: float) -> str:
        return message("proposal.percent", lang, value=f"{share * 100:.1f}")

    rows = []
    if f.current_spend is not None:
        rows.append(("proposal.current_spend", money(f.current_spend, lang)))
    rows += [("proposal.annual", money(f.annual_recurring, lang)), ("proposal.first_year", money(f.first_year, lang))]
    if f.growth is not None:
        rows.append(("proposal.growth", pct(f.growth)))
    if f.from_rivals:
        rows.append(("proposal.from_rivals", money(f.from_rivals, lang)))
    if f.share_of_wallet is not None and f.share_of_wallet_after is not None:
        rows.append(("proposal.wallet", message("proposal.wallet_change", lang, now=pct(f.share_of_wallet),
                                                after=pct(f.share_of_wallet_after))))
    out = _table([message("proposal.item", lang), message("proposal.value", lang)],
                 [[_md(message(k, lang)), _md(v)] for k, v in rows])
    notes = []
    if f.current_spend is None:
        notes.append(message("proposal.no_spend", lang))
    if f.share_of_wallet is None:
        notes.append(message("proposal.no_wallet", lang))
    elif f.from_rivals:
        notes.append(message("proposal.wallet_basis", lang))
    return out + (["", *[_md(n) for n in notes]] if notes else [])


_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#1a1a1a}
h1{font-size:1.6rem;border-bottom:2px solid #1f4e79;padding-bottom:.3rem}
h2{font-size:1.25rem;color:#1f4e79;margin-top:1.8rem}h3{font-size:1.05rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef3f8}
@page{size:A4;margin:18mm}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
"""


def _html(markdown: str, lang: Lang, title: str) -> str:
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")
