"""Which products a bundle lists as left out, and how many it only counts.

A bundle leaves out every product it considered and did not take, each with its
reason (:mod:`recommender.bundling` decides them). On the shipped catalogs that is a
few dozen products, and a bundle lists them all. A catalog of thousands of products
leaves out thousands, often variants of one product; a list that long answers no
one. An account manager asks about what the customer or the rules named, and about
the best alternatives for each need. So once a bundle leaves out more than
:data:`LIST_ALL` products it lists:

* every product the customer excluded or already owns, that a rule excluded, or
  that the bundle-stage rules wanted to add and could not;
* for each of the customer's needs and each reason, the :data:`PER_NEED` best:
  those a rule proposed first (a big catalog's rules propose hundreds), then those
  serving most of the customer's needs, the cheapest (list prices), then by id;

and counts the others by reason (``Bundle.left_out_counts``); the texts say so in one
sentence. Only the products listed get their sentence written.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from .bundling import Constraints, Exclusion, Found, bundle_exclusion, covered_by
from .engine import Evaluation
from .knowledge.base import KnowledgeBase
from .pricing import Charge
from .result import LEFT_OUT_REASONS, LeftOut, LeftOutReason

LIST_ALL = 60  # a bundle leaving out at most this many products lists them all: the shipped catalogs never pass it
PER_NEED = 3  # past it, the products listed for each need and reason
# Reasons an account manager is asked about by name: the customer's own choices and the rules' verdicts.
NAMED: frozenset[LeftOutReason] = frozenset({"customer_excluded", "already_owned", "rule_exclusion"})
_REASON_ORDER = {reason: i for i, reason in enumerate(LEFT_OUT_REASONS)}  # counts are given in this order

Order = tuple[bool, int, float, float, str]
Kind = tuple[frozenset[str], float, float, bool]  # a seed's need items, sized price, and whether it was proposed
Group = tuple[str | None, LeftOutReason]  # a need of the customer (None: serving none) and a reason


@dataclass
class LeftOutLists:
    """The left-out products of one recommendation's bundles: the ones every bundle leaves out for the same
    reason (``shared``, from :func:`bundling.classify`) and, per bundle, the seeds it does not take.

    The shared ones are grouped and ordered once for all bundles; each bundle adds its own seeds.
    """

    kb: KnowledgeBase
    ev: Evaluation
    cons: Constraints
    seeds: tuple[str, ...]
    shared: Mapping[str, Exclusion]
    _models: dict[str, LeftOut] = field(default_factory=dict, repr=False)
    _needs: dict[frozenset[str], tuple[str, ...]] = field(default_factory=dict, repr=False)
    _orders: dict[str, Order] = field(default_factory=dict, repr=False)
    _kinds: dict[str, Kind | None] = field(default_factory=dict, repr=False)
    _counts: dict[LeftOutReason, int] | None = field(default=None, repr=False)
    _grouped: tuple[set[str], dict[Group, list[str]]] | None = field(default=None, repr=False)

    def of(self, found: Found, spent: Charge, uncovered: list[str],
           kept: Collection[str] = ()) -> tuple[list[LeftOut], dict[LeftOutReason, int]]:
        """What the bundle ``found`` (costing ``spent``, leaving ``uncovered`` open) lists as left out, by
        product id, and how many more it leaves out by reason; ``kept`` are listed whatever their number."""
        own = self._seeds_left(found, spent, uncovered)
        shared = len(self.shared) - sum(pid in self.shared for pid in found.products)
        if shared + len(own) <= LIST_ALL:
            left = {**{pid: why for pid, why in self.shared.items() if pid not in found.products}, **own}
            return [self._model(pid, left[pid]) for pid in sorted(left)], {}
        listed = self._listed(found.products, own, kept)
        counts = dict(self._shared_counts())
        for why in own.values():
            counts[why.reason] = counts.get(why.reason, 0) + 1
        for pid in listed | (found.products & self.shared.keys()):  # listed, or not left out at all
            reason = (own.get(pid) or self.shared[pid]).reason
            counts[reason] -= 1
        return ([self._model(pid, own.get(pid) or self.shared[pid]) for pid in sorted(listed)],
                {reason: counts[reason] for reason in sorted(counts, key=_REASON_ORDER.__getitem__) if counts[reason]})

    def _seeds_left(self, found: Found, spent: Charge, uncovered: list[str]) -> dict[str, Exclusion]:
        """The seeds the bundle ``found`` leaves out, with their reasons.

        A seed that requires nothing and clashes with nothing in the bundle is left out (or not) for its need
        items, its price and whether a rule proposed it alone, and its sentence names none of its own: one
        reason serves every such seed alike, as a big catalog's variants of a product are.
        """
        graph = self.kb.graph
        alike: dict[Kind, Exclusion | None] = {}
        out: dict[str, Exclusion] = {}
        for pid in self.seeds:
            if pid in found.products:
                continue
            kind = self._kind(pid)
            if kind is None or not graph.clashes(pid).isdisjoint(found.products):
                why = bundle_exclusion(self.kb, self.ev, pid, found, self.cons, spent, uncovered)
            elif kind in alike:
                why = alike[kind]
            else:
                why = alike[kind] = bundle_exclusion(self.kb, self.ev, pid, found, self.cons, spent, uncovered)
            if why is not None:
                out[pid] = why
        return out

    def _kind(self, pid: str) -> Kind | None:
        """What decides why a bundle leaves the seed ``pid`` out, if it requires nothing; None if it does."""
        if pid not in self._kinds:
            own = self.cons.prices(self.kb).product(pid)
            self._kinds[pid] = None if self.kb.graph.required_by(pid) else (
                self.kb.need_item_sets[pid], own.recurring, own.one_time, pid in self.ev.proposals)
        return self._kinds[pid]

    def _listed(self, taken: frozenset[str], own: Mapping[str, Exclusion], kept: Collection[str]) -> set[str]:
        """The products a bundle that took ``taken`` and leaves its seeds ``own`` out lists."""
        named, groups = self._shared_groups()
        listed = {pid for pid in named if pid not in taken}
        mine: dict[Group, list[str]] = {}
        for pid, why in own.items():
            if why.reason in NAMED or pid in kept:
                listed.add(pid)
                continue
            for group in self._groups(pid, why):
                mine.setdefault(group, []).append(pid)
        listed.update(pid for pid in kept if pid in self.shared and pid not in taken)
        for group in groups.keys() | mine.keys():
            # the shared members are in order: the first few not in the bundle are all that can make it
            best = [pid for pid in groups.get(group, ()) if pid not in taken and pid not in kept][:PER_NEED]
            listed.update(heapq.nsmallest(PER_NEED, best + mine.get(group, []), key=self._order))
        return listed

    def _shared_groups(self) -> tuple[set[str], dict[Group, list[str]]]:
        """The shared products listed by name, and the others by group, each group best first."""
        if self._grouped is None:
            named: set[str] = set()
            groups: dict[Group, list[str]] = {}
            for pid, why in self.shared.items():
                if why.reason in NAMED:
                    named.add(pid)
                else:
                    for group in self._groups(pid, why):
                        groups.setdefault(group, []).append(pid)
            self._grouped = named, {group: sorted(members, key=self._order) for group, members in groups.items()}
        return self._grouped

    def _shared_counts(self) -> dict[LeftOutReason, int]:
        """How many shared products are left out for each reason."""
        if self._counts is None:
            self._counts = {}
            for why in self.shared.values():
                self._counts[why.reason] = self._counts.get(why.reason, 0) + 1
        return self._counts

    def _groups(self, pid: str, why: Exclusion) -> list[Group]:
        """The groups ``pid`` competes in for a place in the list: each customer need it serves (or none), with
        its reason."""
        return [(need, why.reason) for need in self._served(pid) or (None,)]

    def _served(self, pid: str) -> tuple[str, ...]:
        """The customer's needs ``pid`` covers (worked out once per set of need items)."""
        items = self.kb.need_item_sets[pid]
        needs = self._needs.get(items)
        if needs is None:
            needs = self._needs[items] = tuple(n for n in self.ev.needs if covered_by(n, items))
        return needs

    def _order(self, pid: str) -> Order:
        """Best first: proposed by a rule, then serving more of the customer's needs, then cheaper at list
        price, then by id."""
        order = self._orders.get(pid)
        if order is None:
            product = self.kb.products[pid]
            order = self._orders[pid] = (pid not in self.ev.proposals, -len(self._served(pid)), product.recurring,
                                         product.one_time, pid)
        return order

    def _model(self, pid: str, why: Exclusion) -> LeftOut:
        # a shared product left out is built once for all bundles, unvalidated: every field is already of its type
        shared = self.shared.get(pid) is why
        model = self._models.get(pid) if shared else None
        if model is None:
            model = LeftOut.model_construct(product=pid, name=self.kb.products[pid].name, reason=why.reason,
                                            rule=why.rule, text=why.text)
            if shared:
                self._models[pid] = model
        return model
