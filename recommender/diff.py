"""What changed between two versions of the knowledge, and which recommendations it moves.

``knowledge_diff`` compares entities (framework entries, products, rules, offers)
field by field. ``recommendation_diff`` runs the same customers on both versions
and, for each customer whose top bundle or advice changed, names the cause: the
rules that fired differently and the changed products involved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel

from .knowledge.base import KnowledgeBase
from .recommender import Recommender
from .result import Recommendation
from .text import text_lines
from .validity import checked_day
from .vocabulary import SINGLE_ADVICE


@dataclass
class EntityChanges:
    kind: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # id -> changed fields

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _entities(kb: KnowledgeBase) -> dict[str, dict[str, BaseModel]]:
    fw = kb.framework
    groups: dict[str, Iterable[Any]] = {
        "module": fw.modules, "need item": [x for m in fw.modules for i in m.items for x in (i, *i.items)],
        "industry": fw.industries,
        "segment": fw.segments, "value type": fw.value_types, "channel": fw.channels,
        "service level": fw.service_levels, "strategy": fw.strategies, "key-person rank": fw.key_person_ranks,
        "premises": fw.premises,
        "product": kb.products.values(), "rule": kb.rules, "offer": kb.offers.values(),
    }
    groups |= {"footprint": fw.footprints, "account-manager level": fw.account_manager_levels,  # [B]
               "managing level": fw.managing_levels, "key-person relation": fw.key_person_relations}
    return {kind: {e.id: e for e in entries} for kind, entries in groups.items()}


def knowledge_diff(old: KnowledgeBase, new: KnowledgeBase) -> list[EntityChanges]:
    """Added, removed and changed entities, kind by kind (only kinds with changes)."""
    before, after = _entities(old), _entities(new)
    out = []
    for kind in before:
        a, b = before[kind], after[kind]
        changes = EntityChanges(kind, added=sorted(set(b) - set(a)), removed=sorted(set(a) - set(b)))
        for eid in sorted(set(a) & set(b)):
            da, db = a[eid].model_dump(mode="json"), b[eid].model_dump(mode="json")
            fields = sorted(k for k in da.keys() | db.keys() if da.get(k) != db.get(k) and k != "items")
            if fields:
                changes.changed[eid] = fields
        if not changes.empty:
            out.append(changes)
    return out


@dataclass
class CustomerChange:
    name: str
    before: list[str]
    after: list[str]
    advice: list[str]
    rules_now: list[str]
    rules_no_longer: list[str]
    changed_products: list[str]


def recommendation_diff(old: Recommender, new: Recommender, profiles: Iterable[tuple[str, dict[str, Any]]],
                        changed_products: set[str], as_of: date | None = None) -> list[CustomerChange]:
    """Customers whose top bundle or advice differs between ``old`` and ``new`` as of one day (default
    today), with the likely cause."""
    day = checked_day(as_of)
    out = []
    for name, data in profiles:
        a, b = _run(old, data, day), _run(new, data, day)
        if a is None or b is None:
            continue
        top_a = sorted(p.id for p in a.bundles[0].products) if a.bundles else []
        top_b = sorted(p.id for p in b.bundles[0].products) if b.bundles else []
        advice = [f"{key}: {x} -> {y}" for key, x, y in _advice_pairs(a, b) if x != y]
        if top_a == top_b and not advice:
            continue
        fired_a, fired_b = {r.rule for r in a.fired_rules}, {r.rule for r in b.fired_rules}
        out.append(CustomerChange(
            name=name, before=top_a, after=top_b, advice=advice,
            rules_now=sorted(fired_b - fired_a), rules_no_longer=sorted(fired_a - fired_b),
            changed_products=sorted(changed_products & (set(top_a) | set(top_b)))))
    return out


def _run(rec: Recommender, data: dict[str, Any], day: date) -> Recommendation | None:
    try:
        return rec.recommend(data, as_of=day)
    except Exception:  # noqa: BLE001 - a customer one version cannot take shows as missing, not as a crash
        return None


def _advice_pairs(a: Recommendation, b: Recommendation) -> list[tuple[str, Any, Any]]:
    def ids(r: Recommendation) -> dict[str, Any]:
        adv = r.advice
        singles = {kind.replace("_", " "): c.id if (c := getattr(adv, kind)) else None for kind in SINGLE_ADVICE}
        return {**singles, "offers": sorted(f"{o.offer}:{o.tier}" for o in adv.offers)}  # [B]
    ia, ib = ids(a), ids(b)
    return [(k, ia[k], ib[k]) for k in ia]


def render(entity_changes: list[EntityChanges], customers: list[CustomerChange], checked: int) -> str:
    lines = ["Knowledge changes:" if entity_changes else "Knowledge changes: none"]
    for ch in entity_changes:
        lines += [f"  + {ch.kind} {eid}" for eid in ch.added]
        lines += [f"  - {ch.kind} {eid}" for eid in ch.removed]
        lines += [f"  ~ {ch.kind} {eid}: {', '.join(fields)}" for eid, fields in ch.changed.items()]
    lines.append(f"Recommendations changed: {len(customers)} of {checked} customers")
    for c in customers:
        lines.append(f"  {c.name}: top bundle {c.before or '(none)'} -> {c.after or '(none)'}")
        lines += [f"    advice {a}" for a in c.advice]
        if c.rules_now:
            lines.append(f"    cause: rules now firing: {', '.join(c.rules_now)}")
        if c.rules_no_longer:
            lines.append(f"    cause: rules no longer firing: {', '.join(c.rules_no_longer)}")
        if c.changed_products:
            lines.append(f"    cause: changed products involved: {', '.join(c.changed_products)}")
    return text_lines(lines) + "\n"
