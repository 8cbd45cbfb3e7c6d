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
from dataclasses import dataclass

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

    @property
    def monthly(self) -> float:
        return self.recurring + self.one_time / AMORTISATION_MONTHS


@dataclass(frozen=True)
class Context:
    need_weights: tuple[float, ...]  # by need bit
    need_modules: int  # bitmask of modules the needs belong to
    owned_covers: int  # needs already covered by owned products
    owned: int  # bitmask of owned products (search indices)
    budget: float | None
    strategy: str | None
    weights: dict[str, float]


def _weight_of(mask: int, weights: Sequence[float]) -> float:
    return sum(w for bit, w in enumerate(weights) if mask >> bit & 1)


def cost_score(monthly: float, budget: float | None) -> float:
    if budget:
        return max(0.0, 1.0 - monthly / budget)
    return 1.0 / (1.0 + monthly / 1000.0)


def components(members: Sequence[Item], own_mask: int, ctx: Context) -> dict[str, float]:
    """The five components for a bundle; ``own_mask`` is its members' product bits."""
    n = len(members)
    covers = ctx.owned_covers
    modules = 0
    monthly = fit = stage = lifecycle_hits = 0.0
    for item in members:
        covers |= item.covers
        modules |= item.modules
        monthly += item.monthly
        fit += item.fit
        stage += item.stage
    total_weight = sum(ctx.need_weights) or 1.0
    coverage = _weight_of(covers, ctx.need_weights) / total_weight
    cost = cost_score(monthly, ctx.budget)
    strategy = ctx.strategy
    if strategy == "trial":
        lifecycle = 1.0 / n
    elif strategy == "cross_sell":
        wanted = bin(ctx.need_modules).count("1") or 1
        lifecycle = bin(modules & ctx.need_modules).count("1") / wanted
    elif strategy == "retain":
        context_mask = own_mask | ctx.owned
        lifecycle_hits = sum(1 for item in members if item.complements & context_mask)
        lifecycle = lifecycle_hits / n
    elif strategy == "upgrade":
        lifecycle = sum(1 for item in members if item.upgrades) / n
    elif strategy == "win_back":
        lifecycle = sum(1 for item in members if item.proven) / n
    else:
        lifecycle = 0.5
    return {"coverage": coverage, "fit": fit / n, "cost": cost, "lifecycle": lifecycle,
            "portfolio": stage / n}


def total(parts: dict[str, float], weights: dict[str, float]) -> float:
    """Weighted mean of the components, rounded so float noise never reorders bundles."""
    weight_sum = sum(weights.values()) or 1.0
    return round(sum(parts[c] * weights[c] for c in COMPONENTS) / weight_sum, 6)


def upper_bound(members: Sequence[Item], pool_covers: int, pool_fit: float, pool_stage: float,
                ctx: Context) -> float:
    """No superset of ``members`` drawn from a pool scores above this.

    The pool is summarised by the needs it covers and its best fit and stage, so
    the bound costs the same however many products remain.
    """
    covers = ctx.owned_covers | pool_covers
    monthly = 0.0
    fit = pool_fit
    stage = pool_stage
    for item in members:
        covers |= item.covers
        monthly += item.monthly
        fit = max(fit, item.fit)
        stage = max(stage, item.stage)
    total_weight = sum(ctx.need_weights) or 1.0
    cost = cost_score(monthly, ctx.budget)
    lifecycle = 1.0 / len(members) if ctx.strategy == "trial" and members else 1.0
    best = {"coverage": _weight_of(covers, ctx.need_weights) / total_weight,
            "fit": fit, "cost": cost, "lifecycle": lifecycle, "portfolio": stage}
    return total(best, ctx.weights) + 1e-9
