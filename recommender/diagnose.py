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

from .bundling import Constraints, added_price, classify, search
from .engine import Evaluation
from .knowledge.base import KnowledgeBase
from .knowledge.schema import Text
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
        now = money(one_time.amount)
        if min_budget is not None:
            return Text(zh=f"将一次性预算从{now}元提高到至少{money(min_budget)}元",
                        en=f"raise the one-time budget from {now} to at least {money(min_budget)} yuan")
        return Text(zh=f"放宽一次性预算({now}元)", en=f"relax the one-time budget ({now} yuan)")
    if kind == "budget" and budget is not None:
        if min_budget is not None:
            text = Text(zh=f"将月预算从{money(budget)}元提高到至少{money(min_budget)}元",
                        en=f"raise the monthly budget from {money(budget)} to at least {money(min_budget)} yuan")
            if one_time is not None and one_time.months is not None:
                months = money(one_time.months)
                text = Text(zh=text.zh + f"（一次性预算按{months}个月的月预算随之提高）",
                            en=text.en + f" (the one-time budget, {months} months of it, rises with it)")
            return text
        return Text(zh=f"放宽月预算({money(budget)}元)", en=f"relax the monthly budget ({money(budget)} yuan)")
    if kind == "excluded":
        return Text(zh=f"允许推荐{kb.name(pid, 'zh')}", en=f"allow {kb.name(pid, 'en')}")  # the id is in constraint
    return Text(zh=f"替换客户已有的{kb.name(pid, 'zh')}", en=f"replace the owned {kb.name(pid, 'en')}")


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
        return Diagnosis(conflict=[], relaxations=[], text=Text(
            zh="客户没有陈述需求，规则也未推断出需求；请至少填写一个需求模块或需求项。",
            en="No needs were stated or inferred; give at least one need module or need item."))
    conflict = quickxplain(constraints, feasible)
    relax = fastdiag(constraints, feasible)
    if relax is None:
        return Diagnosis(conflict=[], relaxations=[], text=Text(
            zh="即使不考虑客户的约束，也没有可销售的产品覆盖这些需求(规则排除、下线或不符合条件)。",
            en="Even without the customer's constraints no sellable product covers these needs "
               "(excluded by rules, retired or ineligible); see the left-out products."))
    kept = frozenset(constraints) - set(relax)
    def least(c: Constraint) -> float | None:
        if c[0] == "budget":
            return min_budget(kept)
        return min_one_time(kept) if c[0] == "budget_one_time" and min_one_time is not None else None

    relaxations = [Relaxation(constraint=label(c), text=describe(c, kb, budget, least(c), one_time)) for c in relax]
    names_en = ", ".join(label(c) for c in conflict)
    return Diagnosis(conflict=[label(c) for c in conflict], relaxations=relaxations, text=Text(
        zh=f"没有满足全部硬约束的组合。互相冲突的最小约束集：{names_en}。",
        en=f"No bundle meets every hard constraint. Smallest conflicting set: {names_en}."))


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
