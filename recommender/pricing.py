"""Sized prices: how many units of a product a customer buys, and what they cost.

Every price of a product says what it is priced per (``Price.per``): the
customer (once, the default), a site (premises, branch, store, hotel), a user
(a handset or data card) or a vehicle. A product's *quantity* is the customer's
count of the unit its sized prices share: ``sites``, ``mobile_users``
(``employees`` when absent) or ``fleet_size``. A count the profile lacks is
taken as 1 and marked ``assumed``, so the text can say so. A rule's
``quantity`` effect sets a product's quantity instead: per another unit, or an
explicit number. Prices per customer are charged once whatever the quantity.

Volume tiers (``Price.tiers``) are data: from a tier's ``min_quantity`` on,
every unit costs the tier's amount.

Bundling, the why-not diagnosis and the rationale read every price from here,
so a budget always applies to the sized price:

* the monthly budget to the sized recurring charges;
* the one-time budget to the sized one-time charges. It is the customer's
  ``budget_one_time``, else the catalog's ``one_time_budget.months`` times the
  monthly budget (a knowledge-level default, reported as such), else none.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from .knowledge.base import KnowledgeBase
from .knowledge.schema import PRICE_BASES, Price, Product, Text
from .messages import message, priced, text
from .profile import CustomerProfile

COUNTED = PRICE_BASES[1:]  # the units a profile counts; the customer is always one
COUNT_FIELDS = {"site": "sites", "user": "mobile_users", "vehicle": "fleet_size"}


def money(amount: float) -> str:
    """An amount of yuan as people write it: ``180000``, ``12.5``; never an exponent."""
    return f"{amount:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Quantity:
    """How many units of a product: ``count`` of ``per``."""

    count: int
    per: str  # customer, site, user or vehicle
    assumed: bool = False  # the profile lacks the count, so 1 was taken
    rule: str | None = None  # the rule that set it, if one did


@dataclass(frozen=True)
class Line:
    """One price of a product, sized: ``unit_amount × quantity``."""

    price: Price
    quantity: int  # 1 for a price per customer
    unit_amount: float  # after volume tiers

    @property
    def amount(self) -> float:
        return round(self.unit_amount * self.quantity, 2)


@dataclass(frozen=True)
class Sized:
    """A product's prices for one customer."""

    quantity: Quantity
    lines: tuple[Line, ...]
    recurring: float  # yuan per month
    one_time: float  # yuan


@dataclass(frozen=True)
class Charge:
    """What something costs: monthly recurring and one-time, in yuan."""

    recurring: float = 0.0
    one_time: float = 0.0


@dataclass(frozen=True)
class OneTimeBudget:
    """The most a customer pays at once; ``months`` is set when it is the catalog's default."""

    amount: float
    months: float | None = None


def basis(product: Product) -> str:
    """The unit a product's quantity counts: that of its sized prices, else ``customer``."""
    return next((p.per for p in product.prices if p.per != "customer"), "customer")


def unit_amount(price: Price, quantity: int) -> float:
    """The price of one unit when ``quantity`` units are bought: the highest tier reached, else the base amount."""
    amount = price.amount
    for tier in price.tiers:
        if quantity >= tier.min_quantity:
            amount = tier.amount
    return amount


def counts(profile: CustomerProfile) -> dict[str, int | None]:
    """The profile's count of each unit; ``mobile_users`` defaults to ``employees``."""
    return {"customer": 1, "site": profile.sites,
            "user": profile.mobile_users if profile.mobile_users is not None else profile.employees,
            "vehicle": profile.fleet_size}


def rule_quantities(kb: KnowledgeBase, fired: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Product -> (quantity value, rule) from the quantity effects of the ``fired`` rules.

    The engine decides the same way (:class:`engine.Evaluation` ``quantities``): the
    highest priority wins, then the earlier rule. Values are a unit or a whole number.
    """
    best: dict[str, tuple[int, int, str, str]] = {}
    for rid in kb.quantity_rules.keys() & set(fired):  # the few rules that set a quantity, not every firing
        index = kb.rule_index[rid]
        priority = kb.rules[index].priority
        for q in kb.quantity_rules[rid]:
            option = (priority, -index, q.value, rid)
            if q.product not in best or option > best[q.product]:
                best[q.product] = option
    return {pid: (value, rid) for pid, (_, _, value, rid) in sorted(best.items())}


@dataclass
class Pricing:
    """Sized prices of every product for one customer; ``Pricing(kb)`` prices one unit of everything.

    ``rules`` maps a product to the value a rule's quantity effect set (a unit or a
    whole number, see :attr:`QuantityEffect.value`) and that rule's id.
    """

    kb: KnowledgeBase
    counts: Mapping[str, int | None] = field(default_factory=dict)
    rules: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    _sized: dict[str, Sized] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def for_customer(cls, kb: KnowledgeBase, profile: CustomerProfile,
                     rules: Mapping[str, tuple[str, str]] | None = None) -> Pricing:
        return cls(kb, counts(profile), rules or {})

    def quantity(self, pid: str) -> Quantity:
        product = self.kb.products[pid]
        unit = basis(product)
        if unit == "customer":
            return Quantity(1, "customer")
        chosen = self.rules.get(pid)
        if chosen is not None:
            value, rule = chosen
            if value.isdigit():
                return Quantity(int(value), unit, rule=rule)
            unit = value
        count = self.counts.get(unit) if unit != "customer" else 1
        return Quantity(count or 1, unit, assumed=count is None, rule=chosen[1] if chosen else None)

    def product(self, pid: str) -> Sized:
        sized = self._sized.get(pid)
        if sized is None and pid not in self.rules:
            twin = self.kb.price_twins[pid]  # sized once for all products with the same prices
            if twin != pid and twin not in self.rules:
                sized = self._sized[pid] = self.product(twin)
        if sized is None:
            q = self.quantity(pid)
            lines = tuple(Line(p, n, unit_amount(p, n)) for p in self.kb.products[pid].prices
                          for n in [1 if p.per == "customer" else q.count])
            sized = self._sized[pid] = Sized(
                q, lines, recurring=round(sum(x.amount for x in lines if x.price.priceType == "recurring"), 2),
                one_time=round(sum(x.amount for x in lines if x.price.priceType == "one_time"), 2))
        return sized

    def added(self, pid: str, present: Collection[str] = ()) -> Charge:
        """What adding ``pid`` with what it requires costs, less what is already ``present``."""
        new = [self.product(p) for p in sorted({pid} | self.kb.graph.required_by(pid)) if p not in present]
        return Charge(round(sum(s.recurring for s in new), 2), round(sum(s.one_time for s in new), 2))


def one_time_budget(kb: KnowledgeBase, profile: CustomerProfile) -> OneTimeBudget | None:
    """The customer's one-time budget, else the catalog's default from the monthly budget, else None."""
    if profile.budget_one_time is not None:
        return OneTimeBudget(profile.budget_one_time)
    policy = kb.catalog.one_time_budget
    if policy is None or profile.budget_monthly is None:
        return None
    return OneTimeBudget(round(policy.months * profile.budget_monthly, 2), policy.months)


def within_budget(recurring: float, once: float, budget: float | None, one_time: OneTimeBudget | None) -> bool:
    """Whether charges totalling ``recurring`` a month and ``once`` at once keep to both budgets.

    It compares numbers only (the search compares against :func:`budget_caps` directly);
    :func:`over_budget` gives the same answer with the sentence that explains it.
    """
    cap, cap_once = budget_caps(budget, one_time)
    return recurring <= cap and once <= cap_once


def budget_caps(budget: float | None, one_time: OneTimeBudget | None) -> tuple[float, float]:
    """The highest recurring and one-time totals within the budgets (infinite where none is set),
    with the tolerance for float noise; the search compares against them directly."""
    return (budget + 1e-9 if budget is not None else math.inf,
            one_time.amount + 1e-9 if one_time is not None else math.inf)


def over_budget(charge: Charge, budget: float | None, one_time: OneTimeBudget | None,
                base: Charge = Charge()) -> Text | None:
    """Why adding ``charge`` to a bundle already costing ``base`` breaks a budget, or None.

    The monthly budget is checked first; the text names the figure that breaks.
    """
    recurring, once = base.recurring + charge.recurring, base.one_time + charge.one_time
    if within_budget(recurring, once, budget, one_time):
        return None
    alone = base == Charge()
    if budget is not None and recurring > budget + 1e-9:
        return text("budget.over_month_alone" if alone else "budget.over_month",
                    amount=priced(recurring), limit=priced(budget))
    if one_time is not None:
        limit = text("budget.once_limit", limit=priced(one_time.amount)) if one_time.months is None else text(
            "budget.once_limit_default", limit=priced(one_time.amount), months=money(one_time.months))
        return text("budget.over_once_alone" if alone else "budget.over_once", total=priced(once), limit=limit)
    return None


def quantity_text(q: Quantity) -> Text | None:
    """``× 120 sites``; None for a product priced per customer."""
    if q.per == "customer":
        return None
    one = ".one" if q.count == 1 else ""
    return text("quantity.times", quantity=lambda lang: message(f"quantity.{q.per}{one}", lang, n=q.count))


def quantity_note(q: Quantity) -> Text | None:
    """How a quantity was found when the profile did not simply give it: a rule, or an assumed 1."""
    if q.rule is not None:
        return text("quantity.by_rule", rule=q.rule)
    if q.assumed:
        return text(f"quantity.assumed.{q.per}", field=COUNT_FIELDS[q.per])
    return None
