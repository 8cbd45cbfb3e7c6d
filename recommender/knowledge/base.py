"""The validated, frozen knowledge base the engine runs on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from ..errors import Issue
from ..graph import ProductGraph
from ..messages import Messages
from ..vocabulary import BUNDLE_STAGE, KEY_PERSON
from .schema import (
    Assessment,
    Catalog,
    Framework,
    HandsetType,
    Module,
    Named,
    Offer,
    PolicyClass,
    Product,
    QuantityEffect,
    Rule,
    in_force,
)

T = TypeVar("T")
# Dated views a knowledge base keeps (one per day asked for); a service asks for today, a batch for one day.
MAX_VIEWS = 8
# What a dated view shares with the knowledge as written: nothing in them depends on prices or periods.
_SHARED = ("graph", "modules", "need_module", "need_group", "need_leaves", "add_on_rules", "products_by_item",
           "need_item_sets", "needs_covering", "policy_classes", "business_areas", "handset_types", "ranking_weights",
           "module_index", "rule_index", "quantity_rules", "fingerprint")


def lineage(item: str) -> list[str]:
    """The need items from an item's coarse item down to it: ``office.meeting``, ``office.meeting.notice``."""
    parts = item.split(".")
    return [".".join(parts[:k]) for k in range(2, len(parts) + 1)]


@dataclass(frozen=True)
class KnowledgeBase:
    """Framework, one product catalog, its rules and offers; read-only once built."""

    root: Path
    framework: Framework
    assessment: Assessment
    catalog: Catalog
    products: dict[str, Product]
    rules: tuple[Rule, ...]
    offers: dict[str, Offer]
    locations: dict[str, str] = field(default_factory=dict)
    warnings: tuple[Issue, ...] = ()
    messages: Messages = field(default_factory=Messages.package)
    as_of: date | None = None  # the day of a dated view (see on()); None: as written

    @cached_property
    def dated(self) -> bool:
        """Whether a product, price or offer has a validFor, so that the day changes what is sold."""
        return any(p.dated for p in self.products.values()) or any(o.validFor for o in self.offers.values())

    @cached_property
    def _views(self) -> dict[date, KnowledgeBase]:
        return {}

    def on(self, day: date) -> KnowledgeBase:
        """The knowledge as of ``day``: each dated product with only that day's prices and, outside its
        validFor, not sellable; offers outside theirs apply to no one (:meth:`offers_in_force`).

        Knowledge without dates is its own view. Views are kept per day; one shares the fingerprint and
        everything not depending on prices or periods with the knowledge as written.
        """
        if not self.dated:
            return self
        view = self._views.get(day)
        if view is None:
            view = replace(self, products={pid: p.on(day) for pid, p in self.products.items()}, as_of=day)
            view.__dict__.update({k: getattr(self, k) for k in _SHARED})
            if len(self._views) >= MAX_VIEWS:
                self._views.pop(next(iter(self._views), day), None)
            view = self._views.setdefault(day, view)
        return view

    def __getstate__(self) -> dict[str, object]:
        # views are rebuilt where the knowledge lands (a worker process); they would only weigh on the pickle
        return {k: v for k, v in self.__dict__.items() if k != "_views"}

    def offers_in_force(self, chosen: Mapping[str, T]) -> dict[str, T]:
        """``chosen`` (offer id -> a choice) without the offers out of force on the view's day."""
        return {oid: c for oid, c in chosen.items()
                if oid not in self.offers or in_force(self.offers[oid].validFor, self.as_of)}

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages framework.yaml declares, in order: every name, text and sentence exists in each."""
        return tuple(self.framework.languages)

    @cached_property
    def graph(self) -> ProductGraph:
        return ProductGraph(self.products)

    @cached_property
    def modules(self) -> dict[str, Module]:
        return {m.id: m for m in self.framework.modules}

    @cached_property
    def need_module(self) -> dict[str, str]:
        """Every need id (module, item or key-person need) -> the module it is reported under."""
        out: dict[str, str] = {m.id: m.id for m in self.framework.modules}
        for module in self.framework.modules:
            out.update({item.id: module.id for item in module.items})
            out.update({sub.id: module.id for item in module.items for sub in item.items})
        out.update({n.id: n.module for n in self.framework.key_person_needs})
        return out

    @cached_property
    def need_group(self) -> dict[str, str]:
        """Every need id -> what a need condition on a group matches: a module item's module;
        a key-person need (seed 004 3.2, outside the modules) the group ``key_person``."""
        return {**self.need_module, **{n.id: KEY_PERSON for n in self.framework.key_person_needs}}

    @cached_property
    def need_leaves(self) -> dict[str, tuple[str, ...]]:
        """Module or need item -> the finest items it spreads over: a coarse item's sub-items,
        an item without sub-items itself."""
        out: dict[str, tuple[str, ...]] = {}
        for module in self.framework.modules:
            for item in module.items:
                subs = tuple(sub.id for sub in item.items)
                out.update({sub: (sub,) for sub in subs})
                out[item.id] = subs or (item.id,)
            out[module.id] = tuple(leaf for item in module.items for leaf in out[item.id])
        return out

    def leaves(self, need: str) -> tuple[str, ...]:
        """The finest items ``need`` spreads over (a key-person need is its own)."""
        return self.need_leaves.get(need, (need,))

    @cached_property
    def reference_ids(self) -> dict[str, tuple[str, frozenset[str]]]:
        """Profile field -> (what its ids name, the ids this knowledge knows): built once, as every
        recommend() checks its profile's ids against them."""
        fw = self.framework
        products = frozenset(self.products)
        return {
            "industry": ("industry", frozenset(e.id for e in fw.industries)),
            "value_type": ("value type", frozenset(e.id for e in fw.value_types)),
            "segment": ("segment", frozenset(e.id for e in fw.segments)),
            "premises": ("premises", frozenset(e.id for e in fw.premises)),
            "needs": ("need", frozenset(self.need_module)),
            "existing_products": ("product", products),
            "excluded_products": ("product", products),
            "former_products": ("product", products),
            "rival_products": ("product", products),
            "key_persons": ("key-person rank", frozenset(e.id for e in fw.key_person_ranks)),
            "footprint": ("footprint", frozenset(e.id for e in fw.footprints)),  # [B]
            "relations": ("key-person relation", frozenset(e.id for e in fw.key_person_relations)),  # [B]
            # [A] value-evaluation ids live in assessment.yaml; the demand focus is the framework's
            "demand_focus": ("demand focus", frozenset(e.id for e in fw.demand_focuses)),
            "it_attitude": ("IT attitude", frozenset(e.id for e in self.assessment.it_attitudes)),
            "social_influence": ("social influence", frozenset(e.id for e in self.assessment.social_influences)),
        }

    @cached_property
    def names(self) -> dict[str, Named]:
        """Any named entity by id, for rendering (products win over framework ids)."""
        out: dict[str, Named] = {}
        fw = self.framework
        for group in (fw.layers, fw.industries, fw.segments, fw.value_types, fw.customer_classes,
                      fw.key_person_ranks, fw.channels, fw.service_levels, fw.strategies, fw.premises):
            out.update({e.id: e for e in group})
        for module in fw.modules:
            out[module.id] = module
            out.update({item.id: item for item in module.items})
            out.update({sub.id: sub for item in module.items for sub in item.items})
        out.update({n.id: n for n in fw.key_person_needs})
        for group in (fw.footprints, fw.account_manager_levels, fw.managing_levels, fw.key_person_relations):  # [B]
            out.update({e.id: e for e in group})
        out.update({o.id: o for o in self.offers.values()})
        for offer in self.offers.values():
            out.update({t.id: t for t in offer.tiers})
        out.update(self.products)
        return out

    @cached_property
    def add_on_rules(self) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
        """Product -> the bundle-stage rules that add it on, in file order, each with the products that trigger
        it (rules without a product trigger left out): the rationale asks this of every product left out."""
        out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for rule in self.rules:
            if rule.stage != BUNDLE_STAGE:
                continue
            triggers = tuple(sorted({p for branch in rule.when.branches() for p in branch.products}))
            if not triggers:
                continue
            for pid in dict.fromkeys(e.add_on.product for e in rule.then if e.add_on):
                out.setdefault(pid, []).append((rule.id, triggers))
        return {pid: tuple(rules) for pid, rules in out.items()}

    @cached_property
    def products_by_item(self) -> dict[str, tuple[str, ...]]:
        """Need item -> the products that list it (a coarse item listed counts for each of its sub-items)."""
        out: dict[str, list[str]] = {}
        for pid, product in self.products.items():
            for item in dict.fromkeys(x for listed in product.need_items for x in (listed, *self.leaves(listed))):
                out.setdefault(item, []).append(pid)
        return {item: tuple(pids) for item, pids in out.items()}

    @cached_property
    def need_item_sets(self) -> dict[str, frozenset[str]]:
        """Product id -> the need items it lists, as a set: a big catalog's variants of a product share one,
        so what is worked out from a product's items (which needs it serves) is worked out once for them."""
        shared: dict[frozenset[str], frozenset[str]] = {}
        return {pid: shared.setdefault(items, items)
                for pid, items in ((pid, frozenset(p.need_items)) for pid, p in self.products.items())}

    @cached_property
    def needs_covering(self) -> dict[str, frozenset[str]]:
        """Need id (module, item, sub-item or key-person need) -> the products listing an item it covers or
        that covers it: every product covering the need, for a question asked per need, not per product."""
        out: dict[str, frozenset[str]] = {}
        for need in self.need_module:
            out[need] = frozenset().union(*(self.products_by_item.get(leaf, ()) for leaf in self.leaves(need)),
                                          *(self.products_by_item.get(x, ()) for x in lineage(need)))
        return out

    @cached_property
    def price_twins(self) -> dict[str, str]:
        """Product id -> the first product (in catalog order) with the very same prices on this view's day:
        a customer's sized prices of one are those of the other, and a big catalog's variants share tariffs."""
        first: dict[str, str] = {}
        return {pid: first.setdefault(repr(product.prices), pid)
                for pid, product in self.products.items()}

    @cached_property
    def unsellable(self) -> frozenset[str]:
        """The products no customer can buy on this view's day (a status not for sale, or out of their
        validFor): the few whose reason is worked out; every other product is for sale."""
        return frozenset(pid for pid, p in self.products.items() if not p.sellable)

    @cached_property
    def policy_classes(self) -> dict[str, PolicyClass]:
        """Product id -> its policy class (seed 001 四.1): its own, else its category's; unclassed ones are absent."""
        classes = {c.id: c for c in self.framework.policy_classes}
        by_category = {c.id: c.policy_class for c in self.catalog.categories}
        chosen = {pid: p.policy_class or by_category.get(p.category) for pid, p in self.products.items()}
        return {pid: classes[c] for pid, c in chosen.items() if c in classes}

    @cached_property
    def business_areas(self) -> dict[str, str]:
        """Product id -> its business area id (seed 003): its own, else its category's; unplaced ones are absent."""
        by_category = {c.id: c.business_area for c in self.catalog.categories}
        chosen = {pid: p.business_area or by_category.get(p.category) for pid, p in self.products.items()}
        return {pid: area for pid, area in chosen.items() if area is not None}

    @cached_property
    def handset_types(self) -> dict[str, HandsetType]:
        """Handset product id -> its handset type, which caps its subsidy (seed 002 3.3.2)."""
        types = {t.id: t for t in self.framework.handset_types}
        return {pid: types[p.handset] for pid, p in self.products.items() if p.handset in types}

    @cached_property
    def ranking_weights(self) -> dict[str, float]:
        """The component weights (the reference price is not a weight)."""
        return self.framework.ranking.model_dump(exclude={"reference_price"})

    @cached_property
    def module_index(self) -> dict[str, int]:
        """Module id -> bit position, for bitmask arithmetic in the search."""
        return {m.id: i for i, m in enumerate(self.framework.modules)}

    @cached_property
    def quantity_rules(self) -> dict[str, tuple[QuantityEffect, ...]]:
        """Rule id -> its quantity effects, for the rules that have some: sizing asks it of every firing."""
        out = {rule.id: tuple(e.quantity for e in rule.then if e.quantity is not None) for rule in self.rules}
        return {rid: effects for rid, effects in out.items() if effects}

    @cached_property
    def rule_index(self) -> dict[str, int]:
        return {rule.id: i for i, rule in enumerate(self.rules)}

    @cached_property
    def fingerprint(self) -> str:
        """Hash of the content: equal knowledge gives an equal fingerprint."""
        payload = json.dumps(
            [self.framework.model_dump(mode="json"), self.assessment.model_dump(mode="json"),
             self.catalog.model_dump(mode="json"),
             [p.model_dump(mode="json") for p in self.products.values()],
             [r.model_dump(mode="json") for r in self.rules],
             [o.model_dump(mode="json") for o in self.offers.values()],
             {lang: dict(self.messages.table[lang]) for lang in self.messages.languages}],
            sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def strategy_kind(self, strategy_id: str | None) -> str | None:
        """The ranking behaviour (``trial``, ``cross_sell``, ...) of a lifecycle strategy id."""
        return next((s.kind for s in self.framework.strategies if s.id == strategy_id), None)

    def name(self, entity_id: str, lang: str = "en") -> str:
        entity = self.names.get(entity_id)
        return entity.name.get(lang) if entity else entity_id
