"""The result models, built from the engine's evaluation and the bundle search: the only place that does.

:mod:`recommender.recommender` runs the stages (rules, search, bundle-stage rules,
diagnosis) and hands their output to :func:`recommendation`. Every
sentence a model carries comes from the message files (:func:`messages.text`);
the reason a product is left out is decided where the bundle is built
(:mod:`recommender.bundling`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from .account import business_areas, customer_summary, financial_impact
from .bundle_stage import Staged
from .bundling import (
    Constraints,
    Exclusion,
    Found,
    Searched,
    covers,
    portfolio_reason,
)
from .engine import Choice, Evaluation, Firing
from .gaps import covered_needs, distinction, needs_met, stated_gaps
from .knowledge.base import KnowledgeBase
from .knowledge.schema import AdviceEntry, Text
from .left_out import LeftOutLists
from .messages import in_use, listed, text
from .price_policy import policy_lines
from .pricing import Charge, Sized
from .profile import CustomerProfile
from .remembered import remembered
from .result import (
    Advice,
    AdviceChoice,
    Bundle,
    BundleProduct,
    CustomerAssessment,
    Diagnosis,
    Discount,
    FiredRule,
    LeftOut,
    NeedResult,
    Note,
    OfferChoice,
    OptimalityGap,
    PriceLine,
    PriceSummary,
    Reason,
    Recommendation,
    ScoreBreakdown,
)
from .vocabulary import SINGLE_ADVICE
from .winback import WIN_BACK

__all__ = ["advice_model", "apply_bundle_stage", "bundle_model", "fired_rules", "needs_model",
           "offer_choice", "own_reasons", "recommendation", "with_bundle_firings"]


def fired_rules(kb: KnowledgeBase, firings: tuple[Firing, ...]) -> list[FiredRule]:
    by_rule: dict[str, list[list[str]]] = {}
    for firing in firings:
        by_rule.setdefault(firing.rule, []).append(
            [i.shown() for i in firing.inputs])
    out = []
    for rule_id, inputs in by_rule.items():
        rule = kb.rules[kb.rule_index[rule_id]]
        out.append(FiredRule(rule=rule_id, description=rule.description, source=rule.source,
                             location=kb.locations.get(f"rule:{rule_id}"), inputs=inputs))
    return out


def _reason(kb: KnowledgeBase, kind: str, text: Text, **fields: str) -> Reason:
    """A reason with a remembered sentence (:func:`messages.text`): the same few recur in every result."""
    return remembered(kb, ("reason", kind, id(text), *fields.items()), text,
                      lambda: Reason(kind=kind, text=text, **fields))


def own_reasons(kb: KnowledgeBase, ev: Evaluation, pid: str) -> list[Reason]:
    """Why ``pid`` is wanted at all: the needs it covers and the rules that proposed it.

    These are the same in every bundle, so a recommendation builds them once.
    """
    met = needs_met(kb, pid)
    reasons = [_need_reason(kb, need)
               for need in ev.needs if need in met or need not in kb.need_module and covers(kb.products[pid], need)]
    if portfolio_reason(kb, pid, ev) is not None:  # in a bundle only as the one way to a stated need
        reasons.append(_reason(kb, "policy_exception", text("reason.policy_exception")))
    for rule_id in ev.proposal_sources.get(pid, ()):
        if rule_id == WIN_BACK:
            reasons.append(_reason(kb, "win_back", text("reason.win_back")))
            continue
        rule = kb.rules[kb.rule_index[rule_id]]
        first = next(f for f in ev.firings if f.rule == rule_id)
        inputs = tuple(i.shown() for i in first.inputs)
        reasons.append(remembered(kb, ("rule reason", id(rule), inputs), rule, lambda: Reason(  # noqa: B023 - called at once
            kind="rule", rule=rule_id, inputs=list(inputs), text=rule.description)))  # noqa: B023
    return reasons


def _need_reason(kb: KnowledgeBase, need: str) -> Reason:
    # by the knowledge (its names) and the messages in use: every product of every bundle states them
    table = in_use()
    return remembered(kb, ("need reason", need, id(kb), id(table)), (kb, table), lambda: Reason(
        kind="need", need=need, text=text("reason.need", need=partial(kb.name, need))))


def dependency_reasons(kb: KnowledgeBase, pid: str, bundle: frozenset[str]) -> list[Reason]:
    """Which products of this bundle require ``pid``, and why."""
    return [_reason(kb, "dependency", text("reason.dependency", product=partial(kb.name, other),
                                       why=kb.graph.reason(other, pid)), product=other)
            for other in sorted(bundle) if pid in kb.graph.direct[other]]


def bundle_model(kb: KnowledgeBase, ev: Evaluation, found: Found, rank: int, left_out: LeftOutLists,
                 cons: Constraints, reasons: dict[str, list[Reason]], kept: frozenset[str] = frozenset()) -> Bundle:
    """One bundle with its rationale; ``reasons`` caches :func:`own_reasons` across bundles; ``kept``: products
    listed as left out however many the bundle leaves out (the add-ons its bundle stage refused)."""
    graph = kb.graph
    phases = graph.phases(found.products)
    phase_of = {pid: i + 1 for i, layer in enumerate(phases) for pid in layer}
    order = [pid for layer in phases for pid in layer]
    products = []
    lines = []
    pricing = cons.prices(kb)
    for pid in order:
        p = kb.products[pid]
        sized = pricing.product(pid)
        q = sized.quantity
        if pid not in reasons:
            reasons[pid] = own_reasons(kb, ev, pid)
        products.append(BundleProduct(
            id=pid, name=p.name, category=p.category, portfolio=p.portfolio,
            quantity=q.count, per=q.per, quantity_assumed=q.assumed, quantity_rule=q.rule,
            recurring=sized.recurring, one_time=sized.one_time,
            illustrative_price=any(x.illustrative for x in p.prices), phase=phase_of[pid],
            business_area=kb.business_areas.get(pid),
            reasons=reasons[pid] + dependency_reasons(kb, pid, found.products)))
        lines += _price_lines(pid, sized)
    covered = covered_needs(kb, ev.needs, found.products | (cons.owned & kb.products.keys()))
    weights = kb.ranking_weights
    price = PriceSummary(recurring_monthly=round(sum(p.recurring for p in products), 2),
                         one_time=round(sum(p.one_time for p in products), 2),
                         budget_monthly=cons.budget,
                         budget_one_time=cons.budget_one_time.amount if cons.budget_one_time else None,
                         one_time_budget_months=cons.budget_one_time.months if cons.budget_one_time else None,
                         lines=lines)
    shown = set(covered)
    uncovered = [n for n in ev.needs if n not in shown]
    listed, counted = left_out.of(found, Charge(price.recurring_monthly, price.one_time), uncovered, kept)
    return Bundle(
        rank=rank, stated_coverage=found.stated, score=found.score,
        breakdown=ScoreBreakdown(**{k: round(v, 4) for k, v in found.parts.items()}, weights=weights,
                                 total=found.score),
        products=products, price=price, covered_needs=covered,
        uncovered_needs=uncovered, phases=phases,
        left_out=listed, left_out_counts=counted)


def _price_lines(pid: str, sized: Sized) -> list[PriceLine]:
    return [PriceLine(product=pid, priceType=x.price.priceType, per=x.price.per, unit_amount=x.unit_amount,
                      quantity=x.quantity, amount=x.amount, illustrative=x.price.illustrative)
            for x in sized.lines]


def needs_model(kb: KnowledgeBase, ev: Evaluation) -> list[NeedResult]:
    return [_need_result(kb, n, w, tuple(ev.need_sources.get(n, ()))) for n, w in ev.needs.items()]


def _need_result(kb: KnowledgeBase, need: str, weight: float, sources: tuple[str, ...]) -> NeedResult:
    name = kb.names[need].name
    return remembered(kb, ("need", need, kb.need_module[need], id(name), repr(weight), sources), name,
                      lambda: NeedResult(id=need, module=kb.need_module[need], name=name, weight=weight,
                                         sources=list(sources)))


def advice_model(kb: KnowledgeBase, ev: Evaluation) -> Advice:
    def choice(c: Choice | None) -> AdviceChoice | None:
        if c is None:
            return None
        entity = kb.names[c.value]
        details = entity.details if isinstance(entity, AdviceEntry) else []
        return remembered(kb, ("advice", *c, id(entity)), entity, lambda: AdviceChoice(
            id=c.value, name=entity.name, rule=c.rule, details=details))

    offers = [offer_choice(kb, offer_id, c) for offer_id, c in ev.offers.items()]
    singles = {kind: choice(ev.choices.get(kind)) for kind in SINGLE_ADVICE}  # [B] every single-valued kind
    return Advice.model_validate({**singles, "offers": offers, "notes": [_note(kb, r, t) for r, t in ev.notes]})


def _note(kb: KnowledgeBase, rule: str, said: Text) -> Note:
    return remembered(kb, ("note", rule, id(said)), said, lambda: Note(rule=rule, text=said))


def offer_choice(kb: KnowledgeBase, offer_id: str, c: Choice) -> OfferChoice:
    """The tier ``c`` of offer ``offer_id``, with its names and benefits."""
    offer = kb.offers[offer_id]
    tier = next(t for t in offer.tiers if t.id == c.value)
    return OfferChoice(offer=offer_id, tier=tier.id, name=text("offer.tier", offer=offer.name, tier=tier.name),
                       benefits=tier.benefits, rule=c.rule)


def recommendation(kb: KnowledgeBase, profile: CustomerProfile, assessment: CustomerAssessment, ev: Evaluation,
                   cons: Constraints, seeds: list[str], left_out: dict[str, Exclusion], searched: Searched,
                   staged: list[Staged], diagnosis: Diagnosis | None) -> Recommendation:
    """The result of one recommendation, from what the stages before concluded."""
    lists = LeftOutLists(kb, ev, cons, tuple(seeds), left_out)
    reasons: dict[str, list[Reason]] = {}
    bundles = [apply_bundle_stage(kb, bundle_model(kb, ev, s.found, rank, lists, cons, reasons, frozenset(s.refused))
                                  .model_copy(update={"stated_gaps": stated_gaps(kb, ev, s.found.products, cons,
                                                                                left_out)}), s)
               for rank, s in enumerate(staged, start=1)]
    advice = advice_model(kb, ev)
    customer = customer_summary(kb, profile, advice)
    # compared once the bundle stage has set each bundle's net price and add-ons, as shown; one copy
    # per bundle also adds its pricing classes, subsidy caps and revenue
    bundles = [b.model_copy(update={"distinction": distinction(bundles[0], b),
                                    "financial_impact": financial_impact(customer, b),
                                    "pricing_policy": policy_lines(kb, b)}) for b in bundles]
    return Recommendation(
        languages=list(kb.languages), customer_id=profile.id, customer_name=profile.name, catalog=kb.catalog.id,
        knowledge=kb.fingerprint, customer=customer, assessment=assessment, needs=needs_model(kb, ev),
        bundles=bundles, optimal=searched.exact,
        optimality_gap=OptimalityGap(stated_coverage=searched.gap[0], score=searched.gap[1])
        if searched.gap else None, advice=advice,
        fired_rules=with_bundle_firings(kb, fired_rules(kb, ev.firings), staged),
        diagnosis=diagnosis, business_areas=business_areas(kb))


# --- what the bundle-stage rules concluded ------------------------------------

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
    fired = {f.rule for f in result.firings}
    left_out = {x.product: _add_on_hint(kb, x, fired) for x in bundle.left_out}
    for pid, why in staged.refused.items():
        refused = kb.products[pid]
        left_out[pid] = LeftOut(product=pid, name=refused.name, reason=why.reason,
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
        "discounts": discounts, "notes": [_note(kb, r, t) for r, t in result.notes]})


def _add_on_hint(kb: KnowledgeBase, x: LeftOut, fired: set[str]) -> LeftOut:
    """``x``, saying so when its product comes only as an add-on with a trigger this bundle lacks
    (``fired``: the bundle-stage rules that fired on it)."""
    if x.reason not in ("portfolio", "no_need"):
        return x
    rules = kb.add_on_rules.get(x.product)
    if not rules:
        return x
    for rule_id, triggers in rules:
        if rule_id not in fired:
            hint = text("left_out.add_on_hint", why=x.text, rule=rule_id, triggers=listed(triggers, kb.name, "list.or"))
            return x.model_copy(update={"text": hint})
    return x


def with_bundle_firings(kb: KnowledgeBase, fired: list[FiredRule], staged: Sequence[Staged]) -> list[FiredRule]:
    """The customer-stage firings and, per bundle-stage rule, its firings on each bundle; in file order."""
    by_rule: dict[str, tuple[list[list[str]], list[int]]] = {}
    for rank, stage in enumerate(staged, start=1):
        for firing in stage.evaluation.firings:
            inputs, ranks = by_rule.setdefault(firing.rule, ([], []))
            inputs.append([i.shown() for i in firing.inputs])
            ranks.append(rank)
    out = list(fired)
    for rule_id, (inputs, ranks) in by_rule.items():
        rule = kb.rules[kb.rule_index[rule_id]]
        out.append(FiredRule(rule=rule_id, description=rule.description, source=rule.source,
                             location=kb.locations.get(f"rule:{rule_id}"), inputs=inputs, bundles=ranks))
    return sorted(out, key=lambda r: kb.rule_index[r.rule])
