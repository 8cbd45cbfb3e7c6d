"""The product dependency graph (networkx).

Edges point from a product to what it needs: ``A -requires-> B`` means B must be
in place before A works. ``excludes`` is symmetric and kept as unordered pairs;
``complements`` and ``replaces`` are soft relations used by ranking and rationale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import combinations

import networkx as nx

from .knowledge.schema import Product, Text

REQUIRES = "requires"


class ProductGraph:
    """Relations between the products of one catalog, with closures precomputed."""

    def __init__(self, products: Mapping[str, Product]):
        self.requires = nx.DiGraph()
        self.requires.add_nodes_from(products)
        self.excludes: dict[frozenset[str], Text] = {}
        self.complements: dict[str, frozenset[str]] = {}
        self.replaces: dict[str, frozenset[str]] = {}
        for pid, product in products.items():
            for rel in product.requires:
                if rel.product in products:
                    self.requires.add_edge(pid, rel.product, reason=rel.reason)
            for rel in product.excludes:
                if rel.product in products and rel.product != pid:
                    self.excludes.setdefault(frozenset((pid, rel.product)), rel.reason)
            self.complements[pid] = frozenset(r.product for r in product.complements)
            self.replaces[pid] = frozenset(r.product for r in product.replaces)
        # Symmetric: declaring B complements A also makes A complement B.
        for pid, others in list(self.complements.items()):
            for other in others:
                if other in self.complements:
                    self.complements[other] = self.complements[other] | {pid}
        self.direct: dict[str, tuple[str, ...]] = {p: tuple(sorted(self.requires.successors(p))) for p in products}
        self.excludes_of: dict[str, frozenset[str]] = {p: frozenset() for p in products}
        for pair in self.excludes:
            a, b = sorted(pair)
            self.excludes_of[a] |= {b}
            self.excludes_of[b] |= {a}
        self._closure: dict[str, frozenset[str]] = {}
        self._clashes: dict[str, frozenset[str]] = {}
        if not self.cycles():
            self._closure = {p: frozenset(nx.descendants(self.requires, p)) for p in products}
            self._clashes = {p: frozenset().union(*(self.excludes_of[q] for q in self._closure[p] | {p}))
                             for p in products}

    def cycles(self) -> list[list[str]]:
        """Every elementary ``requires`` cycle, each starting at its smallest id."""
        found = []
        for cycle in nx.simple_cycles(self.requires):
            start = cycle.index(min(cycle))
            found.append(cycle[start:] + cycle[:start])
        return sorted(found)

    def required_by(self, product: str) -> frozenset[str]:
        """Everything ``product`` needs, directly or through a chain."""
        return self._closure.get(product, frozenset())

    def clashes(self, product: str) -> frozenset[str]:
        """Everything that excludes ``product`` or something it requires."""
        return self._clashes.get(product, frozenset())

    def reason(self, product: str, required: str) -> Text:
        return self.requires.edges[product, required]["reason"]  # type: ignore[no-any-return]

    def excluded_pairs(self, products: Iterable[str]) -> list[tuple[str, str]]:
        """Pairs among ``products`` that exclude each other, sorted."""
        chosen = sorted(set(products))
        return [(a, b) for a, b in combinations(chosen, 2) if frozenset((a, b)) in self.excludes]

    def exclusion_reason(self, a: str, b: str) -> Text | None:
        return self.excludes.get(frozenset((a, b)))

    def phases(self, products: Iterable[str]) -> list[list[str]]:
        """Deployment order: each phase needs only products of earlier phases.

        A product's phase is one more than the latest phase among what it requires
        inside ``products`` (the topological generations of the requires DAG).
        """
        chosen = set(products)
        phase: dict[str, int] = {}
        layers: list[list[str]] = []
        for p in sorted(chosen):
            n = self._phase(p, chosen, phase)
            layers.extend([] for _ in range(n + 1 - len(layers)))
            layers[n].append(p)
        return [sorted(layer) for layer in layers]

    def _phase(self, p: str, chosen: set[str], phase: dict[str, int]) -> int:
        # a method, not a nested function calling itself: that would be a reference cycle on every call
        if p not in phase:
            phase[p] = 1 + max((self._phase(d, chosen, phase) for d in self.direct[p] if d in chosen), default=-1)
        return phase[p]
