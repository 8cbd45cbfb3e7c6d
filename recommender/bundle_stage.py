"""Rules on the chosen bundle: the second rule stage.

The customer-stage rules run before the search, on the customer and its needs:
they infer needs and propose products, but nothing they see is a decision. The
*bundle-stage* rules (``stage: bundle`` in rules.yaml) run after it, on each
bundle the search returned, with one fact per product in the bundle and one
bundle fact (its sized monthly spend, one-time charges and size). So what they
conclude holds for that bundle and no other:

* ``add_on`` puts a product into the bundle because of a product already there
  (room terminals with video conferencing, attendance machines with an HR
  system). It enters only if the customer may buy it with what it requires:
  not excluded, sellable, eligible, no conflict, within both budgets. Otherwise
  the bundle lists it as left out, with the reason. No product enters a bundle
  through a rule whose trigger the bundle lacks.
* ``offer`` chooses a package tier from the bundle's own spend (seed 002 6.1.1:
  A8 自主版 39-89 / 89-129 / 129+ yuan).
* ``discount`` takes a share off a product's price in this bundle (8M broadband
  free from 129 yuan of combined spend); the bundle's totals are net of it.
* ``note`` advises the account manager about this bundle.

Add-ons change the bundle, so the rules run again on the bundle with its
add-ons until nothing more is added; the last run's offers, discounts and notes
are the bundle's. Add-ons come after the ranking: they do not change a bundle's
score, and money is the sized list price (:mod:`pricing`) before discounts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from .bundling import Constraints, Exclusion, Found, hard_reason
from .engine import BundleEvaluation, Evaluation, KeyPersonInput, RuleEngine
from .knowledge.base import KnowledgeBase
from .messages import text
from .pricing import Charge, over_budget
from .profile import CustomerProfile
from .result import CustomerAssessment


@dataclass(frozen=True)
class AddOn:
    """A product a bundle-stage rule added, and the firing that added it."""

    rule: str
    triggers: tuple[str, ...]  # the products of the bundle the rule matched on
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Staged:
    """One bundle after its bundle-stage rules."""

    found: Found  # the searched bundle with its add-ons (and what they require)
    add_ons: dict[str, AddOn]
    refused: dict[str, Exclusion]  # add-ons a rule wanted that the customer cannot take
    evaluation: BundleEvaluation  # the last run, on the bundle with its add-ons


def run_bundle_stage(kb: KnowledgeBase, engine: RuleEngine, customer: Mapping[str, Any],
                     ranks: Sequence[KeyPersonInput], found: Found, profile: CustomerProfile,
                     assessment: CustomerAssessment, ev: Evaluation, cons: Constraints) -> Staged:
    """Run the bundle-stage rules on ``found`` until no add-on joins it."""
    pricing = cons.prices(kb)
    chosen = set(found.products)
    add_ons: dict[str, AddOn] = {}
    refused: dict[str, Exclusion] = {}
    while True:
        lines = {pid: (pricing.product(pid).recurring, pricing.product(pid).one_time) for pid in sorted(chosen)}
        result = engine.evaluate_bundle(customer, lines, ranks, tuple(profile.rival_products))
        added = False
        for pid, rules in result.add_ons.items():
            if pid in chosen or pid in refused or pid in cons.owned:
                continue
            new = sorted(({pid} | kb.graph.required_by(pid)) - chosen - cons.owned)
            why = _barrier(kb, pid, new, chosen, profile, assessment, ev, cons, lines)
            if why is not None:
                refused[pid] = why
                continue
            chosen.update(new)
            add_ons[pid] = _add_on(result, rules[0])
            added = True
        if not added:
            # an offer out of force on the day applies to no one, whatever rule chose it
            result = replace(result, offers=kb.offers_in_force(result.offers))
            return Staged(replace(found, products=frozenset(chosen)), add_ons, refused, result)


def _add_on(result: BundleEvaluation, rule: str) -> AddOn:
    firing = next(f for f in result.firings if f.rule == rule)
    triggers = tuple(str(i.value) for i in firing.inputs if i.kind == "product")
    return AddOn(rule, triggers, tuple(i.shown() for i in firing.inputs))


def _barrier(kb: KnowledgeBase, add_on: str, new: Sequence[str], chosen: set[str], profile: CustomerProfile,
             assessment: CustomerAssessment, ev: Evaluation, cons: Constraints,
             lines: Mapping[str, tuple[float, float]]) -> Exclusion | None:
    """Why the customer cannot take ``add_on`` (with the products ``new`` it brings) into this bundle, or None.

    The same hard constraints as the search's (a rule gave the reason, so a
    question-mark product may enter), plus no conflict with the bundle and both
    budgets for the bundle with them.
    """
    reasoned = replace(ev, proposals={**ev.proposals, **{p: 1.0 for p in new}})
    for pid in new:
        why = hard_reason(pid, kb.products[pid], kb, profile, assessment, reasoned, cons)
        if why is not None:
            return why if pid == add_on else Exclusion(why.reason, text(
                "left_out.dependency_unavailable", product=partial(kb.name, pid), why=why.text), why.rule)
        clash = sorted(kb.graph.clashes(pid) & chosen)
        if clash:
            other = clash[0]
            clash_why = kb.graph.exclusion_reason(pid, other)
            assert clash_why is not None
            return Exclusion("conflict", text("left_out.conflict", product=partial(kb.name, other), why=clash_why))
    pricing = cons.prices(kb)
    base = Charge(round(sum(m for m, _ in lines.values()), 2), round(sum(o for _, o in lines.values()), 2))
    extra = Charge(round(sum(pricing.product(p).recurring for p in new), 2),
                   round(sum(pricing.product(p).one_time for p in new), 2))
    over = over_budget(extra, cons.budget, cons.budget_one_time, base)
    return None if over is None else Exclusion("over_budget", over)
