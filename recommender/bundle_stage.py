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

from .assemble import format_input, offer_choice
from .bundling import Constraints, Exclusion, Found, hard_reason
from .engine import BundleEvaluation, Evaluation, KeyPersonInput, RuleEngine
from .knowledge.base import KnowledgeBase
from .messages import listed, message, text
from .pricing import Charge, over_budget
from .profile import CustomerProfile
from .result import Bundle, CustomerAssessment, Discount, FiredRule, Lang, LeftOut, Note, Reason
from .vocabulary import BUNDLE_STAGE


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
            return Staged(replace(found, products=frozenset(chosen)), add_ons, refused, result)


def _add_on(result: BundleEvaluation, rule: str) -> AddOn:
    firing = next(f for f in result.firings if f.rule == rule)
    triggers = tuple(str(i.value) for i in firing.inputs if i.kind == "product")
    return AddOn(rule, triggers, tuple(format_input((i.kind, i.field, i.value)) for i in firing.inputs))


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


# --- into the result ----------------------------------------------------------

def apply_bundle_stage(kb: KnowledgeBase, bundle: Bundle, staged: Staged) -> Bundle:
    """``bundle`` (built from ``staged.found``) with add-on reasons, refused add-ons, offers, discounts, notes."""
    result = staged.evaluation
    products = []
    for p in bundle.products:
        add_on = staged.add_ons.get(p.id)
        if add_on is not None:
            rule = kb.rules[kb.rule_index[add_on.rule]]
            trigger = add_on.triggers[0] if add_on.triggers else None
            p = p.model_copy(update={"reasons": [*p.reasons, Reason(
                kind="add_on", rule=add_on.rule, inputs=list(add_on.inputs), product=trigger,
                text=rule.description)]})
        products.append(p)
    left_out = {x.product: _add_on_hint(kb, x, staged) for x in bundle.left_out}
    for pid, why in staged.refused.items():
        refused = kb.products[pid]
        left_out[pid] = LeftOut(product=pid, name_zh=refused.name_zh, name_en=refused.name_en, reason=why.reason,
                                rule=why.rule, text=text("left_out.add_on", why=why.text))
    by_id = {p.id: p for p in products}
    discounts = []
    for d in result.discounts:
        product = by_id.get(d.product)
        if product is None:  # a discount on a product this bundle lacks does nothing
            continue
        listed = product.recurring if d.price_type == "recurring" else product.one_time
        if listed:
            discounts.append(Discount(product=d.product, priceType="recurring" if d.price_type == "recurring"
                                      else "one_time", percent=d.percent, amount=round(listed * d.percent / 100, 2),
                                      rule=d.rule, text=d.reason))
    off = {t: sum(d.amount for d in discounts if d.priceType == t) for t in ("recurring", "one_time")}
    price = bundle.price.model_copy(update={
        "recurring_monthly": round(bundle.price.recurring_monthly - off["recurring"], 2),
        "one_time": round(bundle.price.one_time - off["one_time"], 2)})
    return bundle.model_copy(update={
        "products": products, "price": price, "left_out": [left_out[k] for k in sorted(left_out)],
        "offers": [offer_choice(kb, o, c) for o, c in result.offers.items()],
        "discounts": discounts, "notes": [Note(rule=r, text=t) for r, t in result.notes]})


def _add_on_hint(kb: KnowledgeBase, x: LeftOut, staged: Staged) -> LeftOut:
    """``x``, saying so when its product comes only as an add-on with a trigger this bundle lacks."""
    if x.reason not in ("portfolio", "no_need"):
        return x
    fired = {f.rule for f in staged.evaluation.firings}
    for rule in kb.rules:
        if rule.stage != BUNDLE_STAGE or rule.id in fired or not any(
                e.add_on and e.add_on.product == x.product for e in rule.then):
            continue
        triggers = sorted({p for branch in rule.when.branches() for p in branch.products})
        if not triggers:
            continue
        return x.model_copy(update={"text": text("left_out.add_on_hint", why=x.text, rule=rule.id,
                                                 triggers=listed(triggers, kb.name, "list.or"))})
    return x


def with_bundle_firings(kb: KnowledgeBase, fired: list[FiredRule], staged: Sequence[Staged]) -> list[FiredRule]:
    """The customer-stage firings and, per bundle-stage rule, its firings on each bundle; in file order."""
    by_rule: dict[str, tuple[list[list[str]], list[int]]] = {}
    for rank, stage in enumerate(staged, start=1):
        for firing in stage.evaluation.firings:
            inputs, ranks = by_rule.setdefault(firing.rule, ([], []))
            inputs.append([format_input((i.kind, i.field, i.value)) for i in firing.inputs])
            ranks.append(rank)
    out = list(fired)
    for rule_id, (inputs, ranks) in by_rule.items():
        rule = kb.rules[kb.rule_index[rule_id]]
        out.append(FiredRule(rule=rule_id, description=rule.description, source=rule.source,
                             location=kb.locations.get(f"rule:{rule_id}"), inputs=inputs, bundles=ranks))
    return sorted(out, key=lambda r: kb.rule_index[r.rule])


# --- rendering ----------------------------------------------------------------


def stage_lines(bundle: Bundle, lang: Lang) -> list[str]:
    """The rationale lines of a bundle's bundle-stage conclusions: offers, discounts, notes."""
    def t(key: str, **kw: object) -> str:
        return message(f"bundle_stage.{key}", lang, **kw)

    names = {p.id: p.name_zh if lang == "zh" else p.name_en for p in bundle.products}
    out = []
    for o in bundle.offers:
        out.append(f"  {t('offer')}: {o.name_zh if lang == 'zh' else o.name_en} ({t('rule')} {o.rule})")
        out += [f"    · {b.get(lang)}" for b in o.benefits]
    for d in bundle.discounts:
        amount = t("off", name=names.get(d.product, d.product), amount=d.amount, percent=d.percent)
        if d.priceType == "recurring":
            amount += t("per_month")
        out.append(f"  {t('discount')}: {amount}: {d.text.get(lang)} ({t('rule')} {d.rule})")
    out += [f"  {t('note')}: {n.text.get(lang)} ({t('rule')} {n.rule})" for n in bundle.notes]
    return out
