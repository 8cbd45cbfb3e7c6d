"""The result models, built from the engine's evaluation and the bundle search: the only place that does.

:mod:`recommender.recommender` runs the stages and hands their output here;
:mod:`recommender.bundle_stage` adds what the bundle-stage rules conclude. Every
sentence a model carries comes from the message files (:func:`messages.text`);
the reason a product is left out is decided where the bundle is built
(:mod:`recommender.bundling`).
"""

from __future__ import annotations

from functools import partial

from .bundling import Constraints, Exclusion, Found, bundle_exclusion, covered_by, covers, portfolio_reason
from .engine import Choice, Evaluation, Firing
from .knowledge.base import KnowledgeBase
from .knowledge.schema import AdviceEntry
from .messages import text
from .pricing import Charge, Sized
from .result import (
    Advice,
    AdviceChoice,
    Bundle,
    BundleProduct,
    FiredRule,
    LeftOut,
    NeedResult,
    Note,
    OfferChoice,
    PriceLine,
    PriceSummary,
    Reason,
    ScoreBreakdown,
)
from .vocabulary import SINGLE_ADVICE
from .winback import WIN_BACK

__all__ = ["advice_model", "bundle_model", "fired_rules", "format_input", "left_out_models", "needs_model",
           "offer_choice", "own_reasons"]


def format_input(firing_input: tuple[str, str, object]) -> str:
    kind, field, value = firing_input
    if kind == "bundle":  # spend_<n> is the spend of one not_counting set of a bundle-stage rule
        return f"bundle.{'spend' if field.startswith('spend') else field} = {value}"
    if kind == "key_person" and field != "rank":  # [B] a key person's relation or VIP status
        return f"key-person.{field} = {value}"
    return f"customer.{field} = {value}" if kind == "customer" else f"{kind.replace('_', '-')} = {value}"


def fired_rules(kb: KnowledgeBase, firings: tuple[Firing, ...]) -> list[FiredRule]:
    by_rule: dict[str, list[list[str]]] = {}
    for firing in firings:
        by_rule.setdefault(firing.rule, []).append(
            [format_input((i.kind, i.field, i.value)) for i in firing.inputs])
    out = []
    for rule_id, inputs in by_rule.items():
        rule = kb.rules[kb.rule_index[rule_id]]
        out.append(FiredRule(rule=rule_id, description=rule.description, source=rule.source,
                             location=kb.locations.get(f"rule:{rule_id}"), inputs=inputs))
    return out


def own_reasons(kb: KnowledgeBase, ev: Evaluation, pid: str) -> list[Reason]:
    """Why ``pid`` is wanted at all: the needs it covers and the rules that proposed it.

    These are the same in every bundle, so a recommendation builds them once.
    """
    reasons = []
    product = kb.products[pid]
    for need in ev.needs:
        if covers(product, need):
            reasons.append(Reason(kind="need", need=need, text=text("reason.need", need=partial(kb.name, need))))
    if portfolio_reason(kb, pid, ev) is not None:  # in a bundle only as the one way to a stated need
        reasons.append(Reason(kind="policy_exception", text=text("reason.policy_exception")))
    for rule_id in ev.proposal_sources.get(pid, ()):
        if rule_id == WIN_BACK:
            reasons.append(Reason(kind="win_back", text=text("reason.win_back")))
            continue
        rule = kb.rules[kb.rule_index[rule_id]]
        first = next(f for f in ev.firings if f.rule == rule_id)
        inputs = [format_input((i.kind, i.field, i.value)) for i in first.inputs]
        reasons.append(Reason(kind="rule", rule=rule_id, inputs=inputs, text=rule.description))
    return reasons


def dependency_reasons(kb: KnowledgeBase, pid: str, bundle: frozenset[str]) -> list[Reason]:
    """Which products of this bundle require ``pid``, and why."""
    return [Reason(kind="dependency", product=other, text=text(
                "reason.dependency", product=partial(kb.name, other), why=kb.graph.reason(other, pid)))
            for other in sorted(bundle) if pid in kb.graph.direct[other]]


def bundle_model(kb: KnowledgeBase, ev: Evaluation, found: Found, rank: int, seeds: tuple[str, ...],
                 left_out: dict[str, LeftOut], cons: Constraints, reasons: dict[str, list[Reason]]) -> Bundle:
    """One bundle with its rationale; ``reasons`` caches :func:`own_reasons` across bundles."""
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
            id=pid, name_zh=p.name_zh, name_en=p.name_en, category=p.category, portfolio=p.portfolio,
            quantity=q.count, per=q.per, quantity_assumed=q.assumed, quantity_rule=q.rule,
            recurring=sized.recurring, one_time=sized.one_time,
            illustrative_price=any(x.illustrative for x in p.prices), phase=phase_of[pid],
            business_area=kb.business_areas.get(pid),
            reasons=reasons[pid] + dependency_reasons(kb, pid, found.products)))
        lines += _price_lines(pid, sized)
    items = {i for pid in found.products | (cons.owned & kb.products.keys()) for i in kb.products[pid].need_items}
    covered = [n for n in ev.needs if covered_by(n, items)]
    weights = kb.ranking_weights
    price = PriceSummary(recurring_monthly=round(sum(p.recurring for p in products), 2),
                         one_time=round(sum(p.one_time for p in products), 2),
                         budget_monthly=cons.budget,
                         budget_one_time=cons.budget_one_time.amount if cons.budget_one_time else None,
                         one_time_budget_months=cons.budget_one_time.months if cons.budget_one_time else None,
                         lines=lines)
    uncovered = [n for n in ev.needs if n not in covered]
    return Bundle(
        rank=rank, stated_coverage=found.stated, score=found.score,
        breakdown=ScoreBreakdown(**{k: round(v, 4) for k, v in found.parts.items()}, weights=weights,
                                 total=found.score),
        products=products, price=price, covered_needs=covered,
        uncovered_needs=uncovered, phases=phases,
        left_out=_left_out(kb, ev, found, seeds, left_out, cons, Charge(price.recurring_monthly, price.one_time),
                           uncovered))


def _price_lines(pid: str, sized: Sized) -> list[PriceLine]:
    return [PriceLine(product=pid, priceType=x.price.priceType, per=x.price.per, unit_amount=x.unit_amount,
                      quantity=x.quantity, amount=x.amount, illustrative=x.price.illustrative)
            for x in sized.lines]


def left_out_model(kb: KnowledgeBase, pid: str, why: Exclusion) -> LeftOut:
    p = kb.products[pid]
    return LeftOut(product=pid, name_zh=p.name_zh, name_en=p.name_en, reason=why.reason, rule=why.rule, text=why.text)


def left_out_models(kb: KnowledgeBase, left_out: dict[str, Exclusion]) -> dict[str, LeftOut]:
    """The products every bundle leaves out for the same reason, built once per recommendation."""
    return {pid: left_out_model(kb, pid, why) for pid, why in left_out.items()}


def _left_out(kb: KnowledgeBase, ev: Evaluation, found: Found, seeds: tuple[str, ...],
              left_out: dict[str, LeftOut], cons: Constraints, spent: Charge,
              uncovered: list[str]) -> list[LeftOut]:
    """What the bundle leaves out: the shared ones and the seeds it does not take, with their reasons."""
    out = [x for pid, x in left_out.items() if pid not in found.products]
    for pid in seeds:
        if pid not in found.products and (why := bundle_exclusion(kb, ev, pid, found, cons, spent,
                                                                   uncovered)) is not None:
            out.append(left_out_model(kb, pid, why))
    return sorted(out, key=lambda x: x.product)


def needs_model(kb: KnowledgeBase, ev: Evaluation) -> list[NeedResult]:
    return [NeedResult(id=n, module=kb.need_module[n], name_zh=kb.names[n].name_zh, name_en=kb.names[n].name_en,
                       weight=w, sources=list(ev.need_sources.get(n, ()))) for n, w in ev.needs.items()]


def advice_model(kb: KnowledgeBase, ev: Evaluation) -> Advice:
    def choice(c: Choice | None) -> AdviceChoice | None:
        if c is None:
            return None
        entity = kb.names[c.value]
        details = entity.details if isinstance(entity, AdviceEntry) else []
        return AdviceChoice(id=c.value, name_zh=entity.name_zh, name_en=entity.name_en, rule=c.rule,
                            details=details)

    offers = [offer_choice(kb, offer_id, c) for offer_id, c in ev.offers.items()]
    singles = {kind: choice(ev.choices.get(kind)) for kind in SINGLE_ADVICE}  # [B] every single-valued kind
    return Advice.model_validate({**singles, "offers": offers, "notes": [Note(rule=r, text=t) for r, t in ev.notes]})


def offer_choice(kb: KnowledgeBase, offer_id: str, c: Choice) -> OfferChoice:
    """The tier ``c`` of offer ``offer_id``, with its names and benefits."""
    offer = kb.offers[offer_id]
    tier = next(t for t in offer.tiers if t.id == c.value)
    return OfferChoice(offer=offer_id, tier=tier.id, name_zh=f"{offer.name_zh} {tier.name_zh}",
                       name_en=f"{offer.name_en} {tier.name_en}", benefits=tier.benefits, rule=c.rule)
