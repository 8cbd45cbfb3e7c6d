"""Knowledge coverage: does every part of the knowledge get used?

Checks, per catalog: every module has products; every need item has a product for
sale that serves it, unless the catalog declares it a known gap (``known_gaps`` in
catalog.yaml: the seed names no product for it), which is reported apart; every
product is reachable from some need (it lists a need item, or a rule proposes it);
every relation points at a product that exists; every rule fires in at least one
scenario.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .knowledge.base import KnowledgeBase
from .knowledge.checks import gap_covers, unreachable
from .vocabulary import RELATION_KINDS


@dataclass(frozen=True)
class CoverageReport:
    catalog: str
    modules_without_products: list[str]
    items_without_products: list[str]
    known_gaps: list[str]
    unreachable_products: list[str]
    dangling_relations: list[str]
    rules_never_fired: list[str]
    scenarios: int

    @property
    def complete(self) -> bool:
        return not (self.modules_without_products or self.items_without_products or self.unreachable_products
                    or self.dangling_relations or self.rules_never_fired)

    def text(self) -> str:
        lines = [f"catalog {self.catalog}: {self.scenarios} scenarios"]
        for label, items in (("modules without products", self.modules_without_products),
                             ("need items no product serves", self.items_without_products),
                             ("known gaps (the seed names no product)", self.known_gaps),
                             ("products no need reaches", self.unreachable_products),
                             ("relations to missing products", self.dangling_relations),
                             ("rules no scenario fires", self.rules_never_fired)):
            lines.append(f"  {label}: {', '.join(items) if items else 'none'}")
        lines.append("  complete" if self.complete else "  INCOMPLETE")
        return "\n".join(lines)


def coverage(kb: KnowledgeBase, fired_per_scenario: Iterable[Iterable[str]]) -> CoverageReport:
    """Coverage of ``kb`` given the rules each of its scenarios fired."""
    runs = [set(f) for f in fired_per_scenario]
    served = {m for p in kb.products.values() for m in p.modules}
    fired = set().union(*runs) if runs else set()
    items = [leaf for m in kb.framework.modules for leaf in kb.leaves(m.id)]
    sold = {leaf for p in kb.products.values() if p.sellable for i in p.need_items for leaf in kb.leaves(i)}
    gaps = [g.item for g in kb.catalog.known_gaps]
    known = [i for i in items if i not in sold and any(gap_covers(g, i) for g in gaps)]
    return CoverageReport(
        catalog=kb.catalog.id,
        modules_without_products=[m.id for m in kb.framework.modules if m.id not in served],
        items_without_products=_grouped(kb, [i for i in items if i not in sold and i not in known]),
        known_gaps=_grouped(kb, known),
        unreachable_products=unreachable(kb.products.values(), kb.rules),
        dangling_relations=[f"{pid} {kind} {rel.product}" for pid, p in kb.products.items()
                            for kind in RELATION_KINDS
                            for rel in getattr(p, kind) if rel.product not in kb.products],
        rules_never_fired=[r.id for r in kb.rules if r.id not in fired],
        scenarios=len(runs),
    )


def _grouped(kb: KnowledgeBase, leaves: list[str]) -> list[str]:
    """``leaves`` with every item whose sub-items are all listed named once, as the item."""
    listed = set(leaves)
    out: list[str] = []
    for module in kb.framework.modules:
        for item in module.items:
            subs = kb.leaves(item.id)
            if item.items and listed.issuperset(subs):
                out.append(item.id)
            else:
                out += [leaf for leaf in subs if leaf in listed]
    return out
