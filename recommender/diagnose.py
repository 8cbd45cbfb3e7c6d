"""Why-not diagnosis when no bundle meets the customer's hard constraints.

The customer's constraints are the monthly budget, each excluded product and
each owned product (which must not be sold again and must not be contradicted).
QuickXPlain (Junker 2004) finds a smallest set of them that cannot hold together;
FastDiag (Felfernig et al. 2012) finds a smallest set whose relaxation gives a
bundle again. Both only ask one question: "is there a bundle under these
constraints?", answered by the real bundle search.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial

from .bundling import Constraints, added_price, classify, search
from .engine import Evaluation
from .knowledge.base import KnowledgeBase
from .knowledge.schema import Text
from .messages import priced, text
from .pricing import OneTimeBudget, money
from .profile import CustomerProfile
from .result import CustomerAssessment, Diagnosis, Relaxation

Constraint = tuple[str, str]  # ("budget" | "budget_one_time", "") | ("excluded" | "owned", product)
Oracle = Callable[[frozenset[Constraint]], bool]


def quickxplain(constraints: Sequence[Constraint], feasible: Oracle) -> list[Constraint]:
    """A minimal subset of ``constraints`` that is infeasible on its own ([] if all are feasible)."""
    if feasible(frozenset(constraints)) or not constraints:
        return []

    def qx(background: frozenset[Constraint], delta: bool, rest: Sequence[Constraint]) -> list[Constraint]:
        if delta and not feasible(background):
            return []
        if len(rest) == 1:
            return list(rest)
        half = len(rest) // 2
        c1, c2 = rest[:half], rest[half:]
        d2 = qx(background | set(c1), bool(c1), c2)
        d1 = qx(background | set(d2), bool(d2), c1)
        return d1 + d2

    return qx(frozenset(), False, list(constraints))


def fastdiag(constraints: Sequence[Constraint], feasible: Oracle) -> list[Constraint] | None:
    """A minimal subset whose removal makes the rest feasible; None if nothing helps."""
    everything = frozenset(constraints)
    if feasible(everything):
        return []
    if not feasible(frozenset()):
        return None

    def fd(delta: bool, rest: Sequence[Constraint], kept: frozenset[Constraint]) -> list[Constraint]:
        if delta and feasible(kept):
            return []
        if len(rest) == 1:
            return list(rest)
        half = len(rest) // 2
        c1, c2 = rest[:half], rest[half:]
        d1 = fd(bool(c1), c2, kept - set(c1))
        d2 = fd(bool(d1), c1, kept - set(d1))
        return d1 + d2

    return fd(False, list(constraints), everything)


def describe(constraint: Constraint, kb: KnowledgeBase, budget: float | None, min_budget: float | None,
             one_time: OneTimeBudget | None = None) -> Text:
    kind, pid = constraint
    if kind == "budget_one_time" and one_time is not None:  # one the customer gave (a default follows the budget)
        if min_budget is not None:
            return text("relax.raise_once", now=priced(one_time.amount), least=priced(min_budget))
        return text("relax.once", now=priced(one_time.amount))
    if kind == "budget" and budget is not None:
        if min_budget is None:
            return text("relax.budget", now=priced(budget))
        if one_time is not None and one_time.months is not None:  # the default one-time budget follows it
            return text("relax.raise_budget_with_once", now=priced(budget), least=priced(min_budget),
                        months=money(one_time.months))
        return text("relax.raise_budget", now=priced(budget), least=priced(min_budget))
    # the product's id is in the relaxation's constraint
    return text(f"relax.{kind}", product=partial(kb.name, pid))


def label(constraint: Constraint) -> str:
    kind, pid = constraint
    if kind in ("budget", "budget_one_time"):
        return "budget_monthly" if kind == "budget" else "budget_one_time"
    return f"{kind}_products:{pid}"


def diagnose(constraints: Sequence[Constraint], feasible: Oracle, kb: KnowledgeBase, budget: float | None,
             min_budget: Callable[[frozenset[Constraint]], float | None], no_needs: bool,
             one_time: OneTimeBudget | None = None,
             min_one_time: Callable[[frozenset[Constraint]], float | None] | None = None) -> Diagnosis:
    """Explain an empty result in words an account manager can act on."""
    if no_needs:
        return Diagnosis(conflict=[], relaxations=[], text=text("diagnosis.no_needs"))
    conflict = quickxplain(constraints, feasible)
    relax = fastdiag(constraints, feasible)
    if relax is None:
        return Diagnosis(conflict=[], relaxations=[], text=text("diagnosis.nothing_sellable"))
    kept = frozenset(constraints) - set(relax)
    def least(c: Constraint) -> float | None:
        if c[0] == "budget":
            return min_budget(kept)
        return min_one_time(kept) if c[0] == "budget_one_time" and min_one_time is not None else None

    relaxations = [Relaxation(constraint=label(c), text=describe(c, kb, budget, least(c), one_time)) for c in relax]
    labels = [label(c) for c in conflict]
    return Diagnosis(conflict=labels, relaxations=relaxations,
                     text=text("diagnosis.conflict", constraints=", ".join(labels)))


def why_not(kb: KnowledgeBase, profile: CustomerProfile, assessment: CustomerAssessment, ev: Evaluation,
            cons: Constraints, strategy: str | None) -> Diagnosis:
    """Diagnose an empty result by asking the real search about relaxed constraints."""
    constraints: list[Constraint] = []
    if cons.budget is not None:
        constraints.append(("budget", ""))
    default_once = cons.budget_one_time is not None and cons.budget_one_time.months is not None
    if cons.budget_one_time is not None and not default_once:  # a default one follows the monthly budget
        constraints.append(("budget_one_time", ""))
    constraints += [("excluded", p) for p in sorted(cons.excluded)]
    constraints += [("owned", p) for p in sorted(cons.owned)]

    def relaxed(kept: frozenset[Constraint]) -> Constraints:
        return replace(cons, budget=cons.budget if ("budget", "") in kept else None,
                       budget_one_time=cons.budget_one_time if (
                           "budget" if default_once else "budget_one_time", "") in kept else None,
                       excluded=frozenset(p for k, p in kept if k == "excluded"),
                       owned=frozenset(p for k, p in kept if k == "owned"))

    def feasible(kept: frozenset[Constraint]) -> bool:
        c = relaxed(kept)
        seeds, _ = classify(kb, profile, assessment, ev, c)
        return bool(search(kb, ev, c, seeds, 1, strategy).bundles)

    def least(kept: frozenset[Constraint], kind: str) -> float | None:
        """The least a usable product costs (monthly or one-time) once the ``kind`` budget is relaxed."""
        c = relaxed(kept - {(kind, "")})
        seeds, _ = classify(kb, profile, assessment, ev, c)
        charges = [added_price(kb, s, c.owned, c) for s in seeds]
        if kind == "budget" and default_once:  # the default one-time budget grows with the monthly one
            months = cons.budget_one_time.months if cons.budget_one_time else None
            prices = [max(x.recurring, x.one_time / months) if months else x.recurring for x in charges]
        else:
            prices = [x.recurring if kind == "budget" else x.one_time for x in charges]
        return min(prices) if prices else None

    return diagnose(constraints, feasible, kb, cons.budget, lambda kept: least(kept, "budget"),
                    no_needs=not ev.needs, one_time=cons.budget_one_time,
                    min_one_time=lambda kept: least(kept, "budget_one_time"))
