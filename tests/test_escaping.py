"""Output is escaped for its medium: names from knowledge or customers never inject markup or forge lines."""

from __future__ import annotations

import html
import importlib.util
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import markdown
import pytest

from recommender import KnowledgeError, Recommender, load_knowledge, render
from recommender.diff import CustomerChange, EntityChanges
from recommender.diff import render as render_diff
from recommender.explain import explain_product
from recommender.knowledge.base import KnowledgeBase
from recommender.recommender import default_knowledge_dir
from recommender.scenarios import Outcome, load_scenarios
from recommender.text import clean_text

from .conftest import EXAMPLES, ROOT, edit

# Markup for every medium, quotes, a newline that would start a forged line, and a
# terminal colour; written as a YAML double-quoted string, so the escapes are decoded.
HOSTILE_YAML = (r'"</text><script>alert(1)</script> \"q\" #35; `t` & | *b* _u_ [l](u) \\ {c} %%{init: {}}%%'
                r'\nforged: line\e[31m red\r\e]0;title\a"')
HOSTILE_ID = "dedicated_line"  # in the bank customer's top bundle and in the graph
BANK = EXAMPLES / "bank.yaml"


@pytest.fixture
def hostile(kb_copy: Path) -> KnowledgeBase:
    """The default knowledge with one product's names replaced by hostile text."""
    products = kb_copy / "catalogs" / "group" / "products.yaml"
    edit(products, "    name: {zh: 专线, en: \"Dedicated data line\"}\n",
         f"    name:\n      zh: {HOSTILE_YAML}\n      en: {HOSTILE_YAML}\n")
    kb = load_knowledge(kb_copy)
    assert "\x1b" in kb.products[HOSTILE_ID].name["zh"] and "\n" in kb.products[HOSTILE_ID].name["zh"]
    return kb


def test_svg_parses_as_xml_with_the_name_as_text_and_no_script(hostile: KnowledgeBase) -> None:
    """A name full of markup stays the text of its box; the SVG is well-formed and runs nothing."""
    svg = render.svg(hostile)
    root = ET.fromstring(svg)
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1].lower() == "script"]
    labels = [e.text for e in root.iter("{http://www.w3.org/2000/svg}text")]
    assert clean_text(hostile.products[HOSTILE_ID].name["zh"]) in labels
    assert "\x1b" not in svg


def test_mermaid_keeps_one_node_per_line_with_the_label_escaped(hostile: KnowledgeBase) -> None:
    """Each node is one line; the label holds no raw quote, '#', backtick or '<' and decodes back to the name."""
    lines = render.mermaid(hostile).splitlines()
    nodes, edges = render.subgraph(hostile)
    assert len(lines) == 1 + len(nodes) + len(edges)
    line = next(x for x in lines if x.startswith(f"  {HOSTILE_ID}["))
    label = re.fullmatch(rf'  {HOSTILE_ID}\["(.*)"\]', line)
    assert label is not None
    assert not set('"`%<>\n\x1b') & set(label.group(1))
    decoded = re.sub(r"#(\d+|[a-z]+);", lambda m: html.unescape(f"&#{m.group(1)};" if m.group(1).isdigit()
                                                              else f"&{m.group(1)};"), label.group(1))
    assert decoded == clean_text(hostile.products[HOSTILE_ID].name["zh"])


def test_dot_keeps_one_node_per_line_with_the_label_quoted(hostile: KnowledgeBase) -> None:
    """Each node is one statement on one line; the quoted label unescapes back to the name."""
    lines = render.dot(hostile, lang="en").splitlines()
    nodes, edges = render.subgraph(hostile)
    assert len(lines) == 4 + len(nodes) + len(edges)
    line = next(x for x in lines if x.startswith(f"  {HOSTILE_ID} ["))
    label = re.fullmatch(rf'  {HOSTILE_ID} \[label="((?:[^"\\]|\\.)*)"\];', line)
    assert label is not None
    assert re.sub(r"\\(.)", r"\1", label.group(1)) == clean_text(hostile.products[HOSTILE_ID].name["en"])


def test_ids_mermaid_or_dot_read_specially_are_renamed_or_quoted(kb_copy: Path) -> None:
    """Keywords and ids with '-' or '.' get distinct plain node ids in Mermaid and quotes in DOT."""
    new = "".join(f"  - {{id: {pid}, name: {{zh: {pid}, en: {pid}}}, category: basic_communication, "
                  f"modules: [transmission], need_items: [transmission.voice], "
                  f"requires: [{{product: dedicated_line, reason: {{zh: 需要, en: needs it}}}}]}}\n"
                  for pid in ("end", "node", "x-ray.2", "x_ray_2"))
    edit(kb_copy / "catalogs" / "group" / "products.yaml", "products:\n", "products:\n" + new)
    kb = load_knowledge(kb_copy)
    chart = render.mermaid(kb, "transmission")
    assert '  p_end["end"]' in chart and "  p_end --> dedicated_line" in chart
    assert '  x_ray_2["x-ray.2"]' in chart and '  x_ray_2_2["x_ray_2"]' in chart  # distinct node ids
    graph = render.dot(kb, "transmission")
    assert '  "node" [label="node"];' in graph and "  end -> dedicated_line;" in graph
    assert '  "x-ray.2" -> dedicated_line;' in graph


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("catalog_pages", ROOT / "docs" / "_hooks" / "catalog_pages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Cells(HTMLParser):
    """Tags seen, and the number of cells in each table row."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.rows: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append(0)
        elif tag in ("td", "th"):
            self.rows[-1] += 1


def test_docs_catalog_page_shows_the_name_literally(hostile: KnowledgeBase) -> None:
    """The generated catalog page renders the hostile name as text: no script, no extra table cells."""
    page = _hook().catalog_page(hostile)
    section = page[page.index("## Products"):]
    rendered = markdown.markdown(section, extensions=["tables"])
    cells = _Cells()
    cells.feed(rendered)
    assert "script" not in cells.tags and "em" not in cells.tags and "a" not in cells.tags
    assert set(cells.rows) == {2}  # every product row: field | value
    name = clean_text(hostile.products[HOSTILE_ID].name["zh"])
    assert html.escape(name, quote=False) in rendered


def test_a_bad_id_is_refused_with_its_code(kb_copy: Path) -> None:
    """An id with markup in it does not load: bad-id, located, with a hint."""
    edit(kb_copy / "catalogs" / "group" / "products.yaml", "  - id: dedicated_line\n",
         '  - id: "x</title><script>alert(1)</script>"\n')
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb_copy)
    bad = [i for i in caught.value.issues if i.code == "bad-id"]
    assert bad and bad[0].line is not None and bad[0].path.endswith(".id") and bad[0].hint


def _no_forgery(text: str) -> None:
    assert "\x1b" not in text and "\r" not in text
    assert not [line for line in text.splitlines() if line.lstrip().startswith("forged")]


def test_rationale_text_drops_escapes_and_forged_lines_from_knowledge_texts(hostile: KnowledgeBase) -> None:
    """A product name with a colour escape and a newline stays on its own line, without the escape."""
    rec = Recommender(hostile)
    result = rec.recommend(rec.load_profile(BANK))
    assert HOSTILE_ID in {p.id for p in result.bundles[0].products}
    for lang in ("en", "zh"):
        for text in (result.rationale_text(lang), result.rationale_text(lang, detail=True)):
            _no_forgery(text)
            assert "forged: line red" in text  # the words survive, on the product's line
        _no_forgery(result.bundles[0].rationale_text(lang))
    _no_forgery(explain_product(hostile, rec.load_profile(BANK), result, HOSTILE_ID))


def test_rationale_text_cleans_a_customer_name_from_a_stored_result(rec: Recommender) -> None:
    """A result read back from storage with a hostile customer name still renders clean lines."""
    result = rec.recommend(rec.load_profile(BANK), top_k=1)
    stored = result.model_copy(update={"customer_name": "ACME\r\nforged: Bundle 1\x1b[2J\x9b31m\u202eevil"})
    text = stored.rationale_text(detail=True)
    _no_forgery(text)
    assert text.splitlines()[0].startswith("Customer: ACME forged: Bundle 1")
    brief = stored.rationale_text()
    _no_forgery(brief)
    assert brief.splitlines()[0] == "Account manager's brief: ACME forged: Bundle 1evil"


def test_diff_and_scenario_reports_keep_data_on_its_line() -> None:
    """Customer names in a diff and failure texts in a scenario report cannot start lines."""
    changes = [EntityChanges("product", added=["x\nforged: + product"])]
    customer = CustomerChange(name="c\x1b[31m\r\nforged: top bundle", before=[], after=["a"], advice=[],
                              rules_now=[], rules_no_longer=[], changed_products=[])
    _no_forgery(render_diff(changes, [customer], 1))
    outcome = Outcome(load_scenarios(default_knowledge_dir())[0], failures=["bad\nforged: PASS all\x1b[32m"])
    _no_forgery(outcome.report())


@pytest.mark.parametrize(("raw", "clean"), [
    ("plain 中文 text", "plain 中文 text"),
    ("a\x1b[31mred\x1b[0m", "ared"),
    ("x\r\n\tforged", "x forged"),
    ("\x1b]8;;http://e\x1b\\link\x1b]8;;\x1b\\", "link"),
    ("\x9b31mc1\x85next", "c1 next"),
    ("ls\u2028ps\u2029", "ls ps "),
    ("bidi\u202eevil", "bidievil"),
    ("sur\ud800x", "sur\ufffdx"),
])
def test_clean_text_makes_one_printable_line(raw: str, clean: str) -> None:
    """Escape sequences go, controls and line breaks become one space, lone surrogates a replacement."""
    assert clean_text(raw) == clean
