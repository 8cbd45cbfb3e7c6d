"""mkdocs hook: the catalog reference, generated from the knowledge files at build time.

Nothing here is written by hand, so the reference cannot drift from the knowledge.
Every text from the knowledge goes through :func:`_md`, so a name can neither
break a table nor inject HTML into the site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from mkdocs.structure.files import File, Files

from recommender import load_knowledge
from recommender.knowledge import KnowledgeBase, available_catalogs
from recommender.recommender import default_knowledge_dir
from recommender.render import mermaid
from recommender.text import clean_text


def on_files(files: Files, config: Any) -> Files:
    root = default_knowledge_dir()
    catalogs = {name: load_knowledge(root, name) for name in available_catalogs(root)}
    files.append(File.generated(config, "catalog/index.md", content=index_page(catalogs)))
    for name, kb in catalogs.items():
        files.append(File.generated(config, f"catalog/{name}.md", content=catalog_page(kb)))
    return files


def index_page(catalogs: dict[str, KnowledgeBase]) -> str:
    default = next(iter(catalogs.values())).framework.default_catalog
    lines = ["# Catalogs", "",
             "Generated from `knowledge/` when the site is built. Pick a catalog with "
             "`Recommender.default(catalog=...)` or `--catalog`; the default is "
             f"`{default}`.", "",
             "| catalog | name | products | rules | offers | source |", "|---|---|---|---|---|---|"]
    for name, kb in catalogs.items():
        c = kb.catalog
        lines.append(f"| [{_md(name)}]({quote(name)}.md) | {_md(c.name.get('zh'))} / {_md(c.name.get('en'))} "
                     f"| {len(kb.products)} | {len(kb.rules)} | {len(kb.offers)} | {_md(c.source or '')} |")
    return "\n".join(lines) + "\n"


def _items(kb: KnowledgeBase, items: list[str]) -> str:
    return ", ".join(f"{_md(kb.name(i, 'en'))} (`{i}`)" for i in items) or "-"


# Backslash escapes for what starts emphasis, code, links, a closing '#' or a table
# cell mid-line; '<' and '&' have none in Python-Markdown, so they become entities
# and never start HTML. Only a knowledge text's start would need more ('-', '1.'),
# and every text is placed after other text here.
_MARKDOWN = str.maketrans({**{c: "\\" + c for c in "\\`*_{}[]#|"}, "&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _md(text: str) -> str:
    """Knowledge text as literal Markdown: one line, every character shown as written."""
    return clean_text(text).translate(_MARKDOWN)


_STAR = "\\*"  # escaped: two illustrative prices in one cell would otherwise read as *emphasis*


def _price(price: Any) -> str:
    """``2000 yuan/month per site (from 20: 1800, from 100: 1500)``: amount, unit, what it is per, volume tiers."""
    text = f"{price.amount:g} {price.unit}" + (f" per {price.per}" if price.per != "customer" else "")
    if price.tiers:
        text += " (" + ", ".join(f"from {t.min_quantity}: {t.amount:g}" for t in price.tiers) + ")"
    return text + (_STAR if price.illustrative else "")


def catalog_page(kb: KnowledgeBase) -> str:
    c = kb.catalog
    out = [f"# {_md(c.name.get('en'))} ({_md(c.name.get('zh'))})", "", f"Catalog id `{c.id}`. Source: {_md(c.source or '-')}.",
           "",
           f"Portfolio policy: dogs `{c.portfolio_policy.dog}`, "
           f"question marks `{c.portfolio_policy.question_mark}`.", "",
           "Prices marked * are illustrative: the seeds do not give them.", ""]
    out += ["## Dependency diagrams by module", ""]
    for module in kb.framework.modules:
        if not any(module.id in p.modules for p in kb.products.values()):
            continue
        out += [f"### {_md(module.name.get('en'))} ({_md(module.name.get('zh'))})", "",
                "```mermaid", mermaid(kb, module.id).rstrip(), "```", ""]
    out += ["## Products", ""]
    categories = {cat.id: cat for cat in c.categories}
    for pid, p in kb.products.items():
        cat = categories[p.category]
        out += [f"### {_md(p.name.get('zh'))} / {_md(p.name.get('en'))}", "",
                "| | |", "|---|---|",
                f"| id | `{pid}` |",
                f"| category | {_md(cat.name.get('zh'))} / {_md(cat.name.get('en'))} |",
                f"| modules | {', '.join(_md(kb.name(m, 'en')) for m in p.modules)} |",
                f"| need items | {_items(kb, p.need_items)} |",
                f"| status | {p.lifecycleStatus}; portfolio {p.portfolio.replace('_', ' ')} |"]
        prices = "; ".join(_price(x) for x in p.prices) or "-"
        out.append(f"| prices | {prices} |")
        e = p.eligibility
        rules = [f"min {e.min_employees} staff" if e.min_employees else "",
                 f"max {e.max_employees} staff" if e.max_employees else "",
                 f"industries {', '.join(e.industries)}" if e.industries else "",
                 f"value types {', '.join(e.value_types)}" if e.value_types else "",
                 f"segments {', '.join(e.segments)}" if e.segments else ""]
        out.append(f"| eligibility | {_md('; '.join(r for r in rules if r) or 'everyone')} |")
        for kind in ("requires", "excludes", "complements", "replaces"):
            for rel in getattr(p, kind):
                out.append(f"| {kind} | {_md(kb.name(rel.product, 'zh'))} (`{rel.product}`): {_md(rel.reason.get('en'))} |")
        out += [f"| source | {_md(p.source or '-')} |", ""]
    if kb.offers:
        out += ["## Offers", ""]
        for offer in kb.offers.values():
            out += [f"### {_md(offer.name.get('zh'))} / {_md(offer.name.get('en'))}", "", "| tier | monthly spend | benefits |",
                    "|---|---|---|"]
            for t in offer.tiers:
                spend = f"{t.min_monthly:g}–{t.max_monthly:g} (excl.)" if t.max_monthly else f"≥ {t.min_monthly:g}"
                out.append(f"| {_md(t.name.get('zh'))} | {spend} | {'<br>'.join(_md(b.get('en')) for b in t.benefits)} |")
            out.append("")
    return "\n".join(out) + "\n"
