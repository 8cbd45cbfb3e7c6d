"""Bundle ranking: stated needs first, then a transparent utility.

Bundles are ranked by a key ``(stated, total)``: ``stated`` is the share of the
needs the customer stated that the bundle (with what the customer owns)
covers, so a bundle that covers every stated need always ranks above one that
does not; ``total`` is a weighted sum of five components, each in [0, 1]:

* coverage  - share of all need weight covered, stated and inferred (stated needs
              weigh 1.0, inferred ones their rule's weight).
* fit       - mean rule fit of the bundle's products (a product no rule proposed
              has the base fit 0.3).
* cost      - value for money: need weight covered per yuan, as
              ``C·r / (C·r + M)`` with ``C`` the weight the bundle's own products
              cover, ``M`` its monthly cost (one-time charges spread over 36
              months) and ``r`` what one unit of need weight is worth: the budget
              spread over the needs, else the knowledge's reference price. A
              product that covers need for less than the bundle's average price
              raises it; unspent budget earns nothing.
* lifecycle - how well the bundle follows the lifecycle strategy of seed 004 3.2:
              trial (new customers: free or promotional terms, which are advice,
              not fewer products) is neutral; cross_sell = touch more of the
              needed modules; retain = products that complement each other or
              what the customer owns (switching cost); upgrade = products that
              replace owned ones or are stars; win_back = products the customer
              left, or proven ones (stars and cash cows). Neutral 0.5 without a
              strategy.
* portfolio - mean portfolio stage (seed 001): star 1, cash cow 0.75,
              question mark 0.4, dog 0.

All functions are pure; the search in ``bundling`` calls them on index tuples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from .vocabulary import (
    CASH_COW,
    CROSS_SELL,
    DOG,
    QUESTION_MARK,
    RETAIN,
    SCORE_COMPONENTS,
    STAR,
    TRIAL,
    UPGRADE,
    WIN_BACK,
)

STAGE_SCORE = {STAR: 1.0, CASH_COW: 0.75, QUESTION_MARK: 0.4, DOG: 0.0}
NEUTRAL_FIT = 0.3
AMORTISATION_MONTHS = 36
COMPONENTS = SCORE_COMPONENTS


@dataclass(frozen=True)
class Item:
    """What ranking needs to know of one product, precomputed once per search."""

    id: str
    recurring: float
    one_time: float
    fit: float
    stage: float
    covers: int  # bitmask over needs
    modules: int  # bitmask over modules
    complements: int  # bitmask over products (search indices)
    upgrades: bool  # replaces something owned, or is a star
    proven: bool  # star or cash cow, or a product the customer left (win back)
    monthly: float = 0.0  # recurring plus one-time spread over AMORTISATION_MONTHS; set by __post_init__

    def __post_init__(self) -> None:
        object.__setattr__(self, "monthly", self.recurring + self.one_time / AMORTISATION_MONTHS)


@dataclass(frozen=True)
class Context:
    need_weights: tuple[float, ...]  # by need bit
    need_modules: int  # bitmask of modules the needs belong to
    owned_covers: int  # needs already covered by owned products
    owned: int  # bitmask of owned products (search indices)
    stated: int  # bitmask of the needs the customer stated
    unit_price: float  # what one unit of need weight is worth per month, in yuan (see ``cost_score``)
    strategy: str | None
    weights: dict[str, float]
    _weight: dict[int, float] = field(default_factory=dict, compare=False, repr=False)
    _figures: dict[int, tuple[float, float, float]] = field(default_factory=dict, compare=False, repr=False)

    def weight(self, covers: int) -> float:
        """Need weight of the needs in ``covers``; memoised."""
        value = self._weight.get(covers)
        if value is None:
            weights = self.need_weights
            got = 0.0
            rest = covers
            while rest:
                low = rest & -rest
                got += weights[low.bit_length() - 1]
                rest ^= low
            value = self._weight[covers] = got
        return value

    def coverage(self, covers: int) -> float:
        """Share of the need weight covered by ``covers`` plus owned products."""
        return self.weight(covers | self.owned_covers) / self.total_weight

    def stated_share(self, covers: int) -> float:
        """Share of the stated need weight covered by ``covers`` plus owned products (1.0 when none is stated)."""
        if not self.stated:
            return 1.0
        return round(self.weight((covers | self.owned_covers) & self.stated) / self.stated_weight, 6)

    def figures(self, covers: int) -> tuple[float, float, float]:
        """``(coverage, weight, stated_share)`` of ``covers``; memoised, as the search asks for each
        bundle and bound and the same covers come back many times."""
        value = self._figures.get(covers)
        if value is None:
            value = self._figures[covers] = (self.coverage(covers), self.weight(covers), self.stated_share(covers))
        return value

    @cached_property
    def stated_weight(self) -> float:
        return self.weight(self.stated)

    @cached_property
    def total_weight(self) -> float:
        return sum(self.need_weights) or 1.0

    @cached_property
    def weight_vector(self) -> tuple[float, ...]:
        """Component weights in ``COMPONENTS`` order, normalised to sum to one."""
        weight_sum = sum(self.weights[c] for c in COMPONENTS) or 1.0
        return tuple(self.weights[c] / weight_sum for c in COMPONENTS)


def cost_score(covered_weight: float, monthly: float, unit_price: float) -> float:
    """Value for money: 1 for free coverage, falling as each covered unit costs more than ``unit_price``."""
    value = covered_weight * unit_price
    return value / (value + monthly) if value > 0 else 0.0


def unit_price(budget: float | None, total_weight: float, reference: float) -> float:
    """What one unit of need weight is worth per month: the budget spread over the needs, else ``reference``."""
    return budget / total_weight if budget and total_weight else reference


class Aggregate(NamedTuple):
    """Sums over a bundle's members; extended one product at a time by the search.

    A named tuple rather than a dataclass: the search builds one per node.
    """

    n: int = 0
    covers: int = 0
    modules: int = 0
    monthly: float = 0.0
    fit: float = 0.0
    stage: float = 0.0
    upgrades: int = 0
    proven: int = 0
    linked: int = 0  # members with a complement relation at all (the most "retain" can count)

    def add(self, items: Sequence[Item]) -> Aggregate:
        n, covers, modules, monthly, fit, stage, upgrades, proven, linked = self
        for item in items:
            n += 1
            covers |= item.covers
            modules |= item.modules
            monthly += item.monthly
            fit += item.fit
            stage += item.stage
            upgrades += item.upgrades
            proven += item.proven
            linked += item.complements != 0
        # _make skips the named tuple's Python-level __new__: the search builds one per node
        return Aggregate._make((n, covers, modules, monthly, fit, stage, upgrades, proven, linked))


Parts = tuple[float, float, float, float, float]  # in COMPONENTS order


def components(members: Sequence[Item], own_mask: int, ctx: Context, agg: Aggregate | None = None) -> Parts:
    """The five components for a bundle; ``own_mask`` is its members' product bits.

    ``agg`` may be passed when the caller already holds ``Aggregate().add(members)``.
    """
    a = agg if agg is not None else Aggregate().add(members)
    n = a.n
    strategy = ctx.strategy
    if strategy == CROSS_SELL:
        wanted = bin(ctx.need_modules).count("1") or 1
        lifecycle = bin(a.modules & ctx.need_modules).count("1") / wanted
    elif strategy == RETAIN:
        context_mask = own_mask | ctx.owned
        lifecycle = sum(1 for item in members if item.complements & context_mask) / n
    elif strategy == UPGRADE:
        lifecycle = a.upgrades / n
    elif strategy == WIN_BACK:
        lifecycle = a.proven / n
    else:  # no strategy, or trial
        lifecycle = 0.5
    coverage, weight, _ = ctx.figures(a.covers)
    return coverage, a.fit / n, cost_score(weight, a.monthly, ctx.unit_price), lifecycle, a.stage / n


Key = tuple[float, float]  # (stated share, total): how bundles are ranked


def rank_key(parts: Parts, covers: int, ctx: Context) -> Key:
    return ctx.figures(covers)[2], total(parts, ctx)


def total(parts: Parts, ctx: Context) -> float:
    """Weighted mean of the components, rounded so float noise never reorders bundles."""
    w = ctx.weight_vector
    return round(parts[0] * w[0] + parts[1] * w[1] + parts[2] * w[2] + parts[3] * w[3] + parts[4] * w[4], 6)


class Pool(NamedTuple):
    """What the products still to be added could contribute, summarised for :func:`upper_bound`."""

    covers: int = 0
    fit: float = 0.0  # best
    stage: float = 0.0  # best
    modules: int = 0
    capable: int = 0  # products that could count for the lifecycle strategy (see ``lifecycle_capable``)
    products: int | None = None  # bit mask of every product the pool holds; None: not known (no limit)
    cheapest: float = 0.0  # the least monthly price any superset adds


def lifecycle_capable(item: Item, strategy: str | None) -> bool:
    """Whether ``item`` could count towards the strategy's lifecycle share."""
    if strategy == RETAIN:
        return item.complements != 0
    if strategy == UPGRADE:
        return item.upgrades
    if strategy == WIN_BACK:
        return item.proven
    return False


def upper_bound(agg: Aggregate, pool: Pool, ctx: Context, mask: int = 0) -> Key:
    """No strict superset of the bundle summed up in ``agg`` drawn from ``pool`` ranks above this key.

    A superset adds at least one product, so: coverage (stated or all) reaches at
    most what bundle and pool cover together; a mean (fit, portfolio) at most the
    larger of today's mean and the pool's best, and, when the pool's products are
    known (``mask``: the bundle's own), at most the mean with every product the
    pool can still add at the pool's best; cost at most the value of that coverage
    at today's price plus the pool's cheapest addition, as prices only add up;
    lifecycle: 0.5 without a strategy or for trial, the modules bundle and pool can
    touch for cross-sell, and for the share strategies (retain, upgrade, win back)
    the share reached by adding every capable product of the pool and nothing else.
    """
    n = agg.n
    room = None if pool.products is None else (pool.products & ~mask).bit_count()
    strategy = ctx.strategy
    if strategy is None or strategy == TRIAL:
        lifecycle = 0.5
    elif strategy == CROSS_SELL:
        wanted = ctx.need_modules.bit_count() or 1
        lifecycle = ((agg.modules | pool.modules) & ctx.need_modules).bit_count() / wanted
    else:
        have = (agg.linked if strategy == RETAIN else agg.upgrades if strategy == UPGRADE
                else agg.proven if strategy == WIN_BACK else n)
        capable = pool.capable if room is None else min(pool.capable, room)
        lifecycle = (have + capable) / (n + capable) if capable else have / (n + 1)
    fit = _mean_bound(agg.fit, n, pool.fit, room)
    stage = _mean_bound(agg.stage, n, pool.stage, room)
    coverage, weight, stated = ctx.figures(agg.covers | pool.covers)
    best: Parts = (coverage, fit, cost_score(weight, agg.monthly + pool.cheapest, ctx.unit_price), lifecycle, stage)
    return stated, total(best, ctx) + 1e-6


def _mean_bound(total: float, n: int, best: float, room: int | None) -> float:
    """The highest mean of ``n`` values summing to ``total`` and at least one more value up to ``best``,
    at most ``room`` more (None: any number): more values only help while they beat the mean."""
    if not n:
        return best
    mean = total / n
    if best <= mean:
        return mean
    if room is None:
        return best
    return (total + room * best) / (n + room)
