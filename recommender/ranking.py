"""Bundle utility: a transparent weighted sum of five components, each in [0, 1].

* coverage  - share of the customer's need weight the bundle (plus what the
              customer already owns) covers; needs are weighted by priority
              (stated needs 1.0, inferred needs by their rule's weight).
* fit       - mean rule fit of the bundle's products (a product no rule proposed
              has the base fit 0.3).
* cost      - 1 - monthly cost / budget; without a budget 1 / (1 + cost / 1000).
              Monthly cost counts one-time charges spread over 36 months.
* lifecycle - how well the bundle follows the lifecycle strategy the rules chose
              (seed 004, 3.2): trial = a small first step, cross_sell = touch more
              of the needed modules, retain = products that complement each other
              or what the customer owns (switching cost), upgrade = products that
              replace owned ones or are stars, win_back = proven products
              (stars and cash cows). Neutral 0.5 without a strategy.
* portfolio - mean portfolio stage (seed 001): star 1, cash cow 0.75,
              question mark 0.4, dog 0.

All functions are pure; the search in ``bundling`` calls them on index tuples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

STAGE_SCORE = {"star": 1.0, "cash_cow": 0.75, "question_mark": 0.4, "dog": 0.0}
NEUTRAL_FIT = 0.3
AMORTISATION_MONTHS = 36
COMPONENTS = ("coverage", "fit", "cost", "lifecycle", "portfolio")


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
    proven: bool  # star or cash cow
    monthly: float = 0.0  # recurring plus one-time spread over AMORTISATION_MONTHS; set by __post_init__

    def __post_init__(self) -> None:
        object.__setattr__(self, "monthly", self.recurring + self.one_time / AMORTISATION_MONTHS)


@dataclass(frozen=True)
class Context:
    need_weights: tuple[float, ...]  # by need bit
    need_modules: int  # bitmask of modules the needs belong to
    owned_covers: int  # needs already covered by owned products
    owned: int  # bitmask of owned products (search indices)
    budget: float | None
    strategy: str | None
    weights: dict[str, float]
    _coverage: dict[int, float] = field(default_factory=dict, compare=False, repr=False)

    def coverage(self, covers: int) -> float:
        """Share of the need weight covered by ``covers`` (plus owned products); memoised."""
        covers |= self.owned_covers
        value = self._coverage.get(covers)
        if value is None:
            weights = self.need_weights
            got = 0.0
            rest = covers
            while rest:
                low = rest & -rest
                got += weights[low.bit_length() - 1]
                rest ^= low
            value = self._coverage[covers] = got / self.total_weight
        return value

    @cached_property
    def total_weight(self) -> float:
        return sum(self.need_weights) or 1.0

    @cached_property
    def weight_vector(self) -> tuple[float, ...]:
        """Component weights in ``COMPONENTS`` order, normalised to sum to one."""
        weight_sum = sum(self.weights[c] for c in COMPONENTS) or 1.0
        return tuple(self.weights[c] / weight_sum for c in COMPONENTS)


def cost_score(monthly: float, budget: float | None) -> float:
    if budget:
        return max(0.0, 1.0 - monthly / budget)
    return 1.0 / (1.0 + monthly / 1000.0)


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
        return Aggregate(n, covers, modules, monthly, fit, stage, upgrades, proven, linked)


Parts = tuple[float, float, float, float, float]  # in COMPONENTS order


def components(members: Sequence[Item], own_mask: int, ctx: Context, agg: Aggregate | None = None) -> Parts:
    """The five components for a bundle; ``own_mask`` is its members' product bits.

    ``agg`` may be passed when the caller already holds ``Aggregate().add(members)``.
    """
    a = agg if agg is not None else Aggregate().add(members)
    n = a.n
    strategy = ctx.strategy
    if strategy == "trial":
        lifecycle = 1.0 / n
    elif strategy == "cross_sell":
        wanted = bin(ctx.need_modules).count("1") or 1
        lifecycle = bin(a.modules & ctx.need_modules).count("1") / wanted
    elif strategy == "retain":
        context_mask = own_mask | ctx.owned
        lifecycle = sum(1 for item in members if item.complements & context_mask) / n
    elif strategy == "upgrade":
        lifecycle = a.upgrades / n
    elif strategy == "win_back":
        lifecycle = a.proven / n
    else:
        lifecycle = 0.5
    return (ctx.coverage(a.covers), a.fit / n, cost_score(a.monthly, ctx.budget), lifecycle, a.stage / n)


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


def lifecycle_capable(item: Item, strategy: str | None) -> bool:
    """Whether ``item`` could count towards the strategy's lifecycle share."""
    if strategy == "retain":
        return item.complements != 0
    if strategy == "upgrade":
        return item.upgrades
    if strategy == "win_back":
        return item.proven
    return False


def upper_bound(agg: Aggregate, pool: Pool, ctx: Context) -> float:
    """No strict superset of the bundle summed up in ``agg`` drawn from ``pool`` scores above this.

    A superset adds at least one product, so: coverage reaches at most what bundle
    and pool cover together; a mean (fit, portfolio) at most the larger of today's
    mean and the pool's best; cost only gets worse; lifecycle: ``1/(n+1)`` for
    trial, 0.5 without a strategy, the modules bundle and pool can touch for
    cross-sell, and for the share strategies (retain, upgrade, win back) the share
    reached by adding every capable product of the pool and nothing else.
    """
    n = agg.n
    strategy = ctx.strategy
    if strategy is None:
        lifecycle = 0.5
    elif strategy == "trial":
        lifecycle = 1.0 / (n + 1)
    elif strategy == "cross_sell":
        wanted = bin(ctx.need_modules).count("1") or 1
        lifecycle = bin((agg.modules | pool.modules) & ctx.need_modules).count("1") / wanted
    else:
        have = {"retain": agg.linked, "upgrade": agg.upgrades, "win_back": agg.proven}.get(strategy, n)
        lifecycle = (have + pool.capable) / (n + pool.capable) if pool.capable else have / (n + 1)
    fit = max(pool.fit, agg.fit / n) if n else pool.fit
    stage = max(pool.stage, agg.stage / n) if n else pool.stage
    best: Parts = (ctx.coverage(agg.covers | pool.covers), fit, cost_score(agg.monthly, ctx.budget), lifecycle, stage)
    return total(best, ctx) + 1e-6
