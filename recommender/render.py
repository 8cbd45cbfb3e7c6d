"""Dependency-graph pictures: Mermaid, Graphviz DOT and a self-contained SVG.

Edges: ``requires`` solid arrows (A needs B), ``excludes`` dashed red lines,
``complements`` dotted lines, ``replaces`` arrows labelled "replaces".

Names and ids come from knowledge files, so each format escapes them with its own
small function (``_mermaid_label``, ``_dot``, ``_xml``): a name can neither
break the picture's syntax nor inject markup or script. Each first goes through
:func:`~recommender.text.clean_text`, so one node stays one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from .knowledge.base import KnowledgeBase
from .text import clean_text

Edge = tuple[str, str, str]  # (from, to, relationship)


def subgraph(kb: KnowledgeBase, module: str | None = None) -> tuple[list[str], list[Edge]]:
    """Products (of ``module``, plus what they require) and the relations among them."""
    products = [p for p, prod in kb.products.items() if module is None or module in prod.modules]
    chosen = set(products).union(*(kb.graph.required_by(p) for p in products))
    nodes = [p for p in kb.products if p in chosen]
    edges: list[Edge] = []
    for pid in nodes:
        product = kb.products[pid]
        for kind in ("requires", "complements", "replaces", "excludes"):
            for rel in getattr(product, kind):
                if rel.product in chosen and not (kind in ("excludes", "complements") and rel.product < pid
                                                  and _declared(kb, rel.product, kind, pid)):
                    edges.append((pid, rel.product, kind))
    return nodes, edges


def _declared(kb: KnowledgeBase, pid: str, kind: str, other: str) -> bool:
    # Symmetric relations declared on both sides are drawn once.
    return any(r.product == other for r in getattr(kb.products[pid], kind))


# Mermaid reads '#...;' as an entity code, '"' ends a label, backticks start Markdown
# labels, '%%{...}%%' anywhere is a configuration directive, and '<', '>', '&'
# would reach the page as HTML.
_MERMAID_ENTITIES = str.maketrans({"#": "#35;", '"': "#quot;", "`": "#96;", "%": "#37;", "<": "#lt;",
                                   ">": "#gt;", "&": "#amp;"})
# Words Mermaid's flowchart grammar takes as keywords where a node id stands.
_MERMAID_WORDS = {"end", "graph", "flowchart", "subgraph", "style", "class", "classdef", "click", "linkstyle",
                  "direction", "default", "call", "href", "interpolate"}


def _mermaid_label(text: str) -> str:
    return clean_text(text).translate(_MERMAID_ENTITIES)


def _mermaid_ids(nodes: Iterable[str]) -> dict[str, str]:
    """A distinct Mermaid node id for each product id: the id itself when Mermaid reads it plainly."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for pid in nodes:
        base = re.sub(r"[^A-Za-z0-9_]", "_", pid)
        if not base[:1].isalpha() or base.lower() in _MERMAID_WORDS:
            base = "p_" + base
        node, n = base, 1
        while node in used:
            n += 1
            node = f"{base}_{n}"
        out[pid] = node
        used.add(node)
    return out


def mermaid(kb: KnowledgeBase, module: str | None = None, lang: str = "zh") -> str:
    nodes, edges = subgraph(kb, module)
    ids = _mermaid_ids(nodes)
    lines = ["flowchart LR"]
    lines += [f'  {ids[p]}["{_mermaid_label(kb.name(p, lang))}"]' for p in nodes]
    arrows = {"requires": "-->", "replaces": "-. replaces .->", "complements": "-.-", "excludes": "x--x"}
    lines += [f"  {ids[a]} {arrows[kind]} {ids[b]}" for a, b, kind in edges]
    return "\n".join(lines) + "\n"


_DOT_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def _dot(text: str, *, bare: bool = False) -> str:
    """A DOT string, quoted with '\\' and '"' escaped; ``bare`` leaves a plain word (an id) unquoted."""
    text = clean_text(text)
    if bare and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and text.lower() not in _DOT_KEYWORDS:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(kb: KnowledgeBase, module: str | None = None, lang: str = "zh") -> str:
    nodes, edges = subgraph(kb, module)
    style = {"requires": "", "replaces": ' [label="replaces"]', "complements": " [style=dotted, dir=none]",
             "excludes": " [style=dashed, color=red, dir=none]"}
    lines = ["digraph products {", "  rankdir=LR;", "  node [shape=box];"]
    lines += [f"  {_dot(p, bare=True)} [label={_dot(kb.name(p, lang))}];" for p in nodes]
    lines += [f"  {_dot(a, bare=True)} -> {_dot(b, bare=True)}{style[kind]};" for a, b, kind in edges]
    return "\n".join(lines + ["}"]) + "\n"


def _xml(text: str) -> str:
    """Text or attribute content for SVG: characters XML cannot hold removed, markup escaped."""
    return escape(clean_text(text).replace("\ufffe", "").replace("\uffff", ""), quote=True)


def svg(kb: KnowledgeBase, module: str | None = None, lang: str = "zh") -> str:
    """Columns by deployment phase (what is needed first on the left)."""
    nodes, edges = subgraph(kb, module)
    layers = kb.graph.phases(nodes)
    width, height, gap_x, gap_y = 170, 34, 70, 16
    place: dict[str, tuple[int, int]] = {}
    for col, layer in enumerate(layers):
        for row, pid in enumerate(layer):
            place[pid] = (20 + col * (width + gap_x), 20 + row * (height + gap_y))
    total_w = 40 + len(layers) * (width + gap_x)
    total_h = 40 + max((len(layer) for layer in layers), default=1) * (height + gap_y)
    colour = {"requires": "#333", "replaces": "#1f6feb", "complements": "#888", "excludes": "#d1242f"}
    dash = {"requires": "", "replaces": "", "complements": ' stroke-dasharray="2,3"',
            "excludes": ' stroke-dasharray="6,4"'}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
           f'font-family="sans-serif" font-size="12">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
           'orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>']
    for a, b, kind in edges:
        (ax, ay), (bx, by) = place[a], place[b]
        # requires points from the product to what it needs, drawn right to left
        x1, y1, x2, y2 = ax, ay + height // 2, bx + width, by + height // 2
        marker = ' marker-end="url(#arrow)"' if kind in ("requires", "replaces") else ""
        out.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour[kind]}"{dash[kind]}{marker}>'
                   f"<title>{_xml(a)} {kind} {_xml(b)}</title></line>")
    for pid, (x, y) in place.items():
        out.append(f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="5" fill="#f6f8fa" stroke="#555"/>')
        out.append(f'<text x="{x + width // 2}" y="{y + 21}" text-anchor="middle">'
                   f"{_xml(kb.name(pid, lang))}<title>{_xml(pid)}</title></text>")
    return "\n".join(out + ["</svg>"]) + "\n"


RENDERERS = {"mermaid": mermaid, "dot": dot, "svg": svg}
