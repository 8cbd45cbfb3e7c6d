"""Rationale: why each product is in a bundle, what was left out, rendered in zh or en."""

from __future__ import annotations

from .assess_text import assessment_lines  # [A]
from .bundling import (
    Constraints,
    Exclusion,
    Found,
    added_price,
    covered_by,
    covers,
    ineligibility,
    portfolio_reason,
)
from .engine import Choice, Evaluation, Firing
from .knowledge.base import KnowledgeBase
from .knowledge.schema import AdviceEntry, Text
from .pricing import (
    Charge,
    Pricing,
    Quantity,
    Sized,
    money,
    one_time_budget,
    over_budget,
    quantity_note,
    quantity_text,
    rule_quantities,
)
from .profile import CustomerProfile
from .result import (
    Advice,
    AdviceChoice,
    Bundle,
    BundleProduct,
    CustomerAssessment,
    FiredRule,
    Lang,
    LeftOut,
    NeedResult,
    Note,
    OfferChoice,
    PriceLine,
    PriceSummary,
    Reason,
    Recommendation,
    ScoreBreakdown,
)
from .text import text_lines
from .vocabulary import SINGLE_ADVICE, STATED
from .winback import WIN_BACK


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
            name = kb.names[need]
            reasons.append(Reason(kind="need", need=need, text=Text(
                zh=f"满足需求：{name.name_zh}", en=f"covers the need: {name.name_en}")))
    policy = portfolio_reason(kb, pid, ev)
    if policy is not None:  # in a bundle only as the one way to a stated need (bundling._only_ways)
        reasons.append(Reason(kind="policy_exception", text=Text(
            zh="请客户经理留意：该产品目前不在主推之列，但它是满足客户所提需求的唯一选择，因此仍予推荐",
            en="note for the account manager: this product is not one we actively promote, but it is the only "
               "one that meets a need the customer stated, so it is offered")))
    for rule_id in ev.proposal_sources.get(pid, ()):
        if rule_id == WIN_BACK:
            reasons.append(Reason(kind="win_back", text=Text(
                zh="客户曾使用此产品，流失后应优先争取挽回", en="the customer used to have it: win it back first")))
            continue
        rule = kb.rules[kb.rule_index[rule_id]]
        first = next(f for f in ev.firings if f.rule == rule_id)
        inputs = [format_input((i.kind, i.field, i.value)) for i in first.inputs]
        reasons.append(Reason(kind="rule", rule=rule_id, inputs=inputs, text=rule.description))
    return reasons


def dependency_reasons(kb: KnowledgeBase, pid: str, bundle: frozenset[str]) -> list[Reason]:
    """Which products of this bundle require ``pid``, and why."""
    reasons = []
    for other in sorted(bundle):
        if pid in kb.graph.direct[other]:
            why = kb.graph.reason(other, pid)
            reasons.append(Reason(kind="dependency", product=other, text=Text(
                zh=f"{kb.name(other, 'zh')}依赖它：{why.zh}", en=f"needed by {kb.name(other, 'en')}: {why.en}")))
    return reasons


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


def left_out_models(kb: KnowledgeBase, left_out: dict[str, Exclusion]) -> dict[str, LeftOut]:
    """The products every bundle leaves out for the same reason, built once per recommendation."""
    out = {}
    for pid, reason in left_out.items():
        p = kb.products[pid]
        out[pid] = LeftOut(product=pid, name_zh=p.name_zh, name_en=p.name_en,
                           reason=reason.reason, rule=reason.rule, text=reason.text)
    return out


def _left_out(kb: KnowledgeBase, ev: Evaluation, found: Found, seeds: tuple[str, ...],
              left_out: dict[str, LeftOut], cons: Constraints, spent: Charge,
              uncovered: list[str]) -> list[LeftOut]:
    out = [x for pid, x in left_out.items() if pid not in found.products]
    for pid in seeds:
        if pid in found.products:
            continue
        reason = _seed_left_out(kb, ev, pid, found, cons, spent, uncovered)
        if reason is not None:
            p = kb.products[pid]
            out.append(LeftOut(product=pid, name_zh=p.name_zh, name_en=p.name_en,
                               reason=reason.reason, rule=reason.rule, text=reason.text))
    return sorted(out, key=lambda x: x.product)


def _seed_left_out(kb: KnowledgeBase, ev: Evaluation, pid: str, found: Found, cons: Constraints,
                   spent: Charge, uncovered: list[str]) -> Exclusion | None:
    """Why a usable product is not in this bundle; None for a mere alternative.

    Alternatives for needs the bundle already covers are not listed unless a
    rule proposed them: the list stays about what an account manager may ask.
    """
    graph = kb.graph
    if graph.clashes(pid) & found.products:
        added = ({pid} | graph.required_by(pid)) - found.products - cons.owned
        a, other = min((a, b) for a in added for b in graph.excludes_of[a] & found.products)
        why = graph.exclusion_reason(a, other)
        assert why is not None
        return Exclusion("conflict", Text(zh=f"与本方案中的{kb.name(other, 'zh')}互斥：{why.zh}",
                                          en=f"excludes {kb.name(other, 'en')} in this bundle: {why.en}"))
    over = over_budget(added_price(kb, pid, found.products | cons.owned, cons), cons.budget, cons.budget_one_time,
                       spent)
    if over is not None:
        return Exclusion("over_budget", over)
    product = kb.products[pid]
    would_add = [n for n in uncovered if covers(product, n)]
    if would_add:
        zh = "、".join(kb.name(n, "zh") for n in would_add)
        en = ", ".join(kb.name(n, "en") for n in would_add)
        return Exclusion("not_chosen", Text(
            zh=f"可覆盖{zh}，但加入后方案总分更低（费用或匹配度）",
            en=f"would cover {en}, but the bundle scores higher without it (cost or fit)"))
    if pid in ev.proposals:
        return Exclusion("not_chosen", Text(zh="规则推荐了它，但它覆盖的需求已由本方案其他产品覆盖",
                                            en="a rule proposed it, but this bundle already covers its needs"))
    return None


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


# --- rendering ----------------------------------------------------------------

_L = {
    "bundle": {"zh": "方案", "en": "Bundle"},
    "score": {"zh": "得分", "en": "score"},
    "products": {"zh": "产品", "en": "Products"},
    "phases": {"zh": "部署顺序", "en": "Deployment phases"},
    "phase": {"zh": "第{n}阶段", "en": "phase {n}"},
    "price": {"zh": "价格", "en": "Price"},
    "per_month": {"zh": "元/月", "en": "yuan/month"},
    "once": {"zh": "元(一次性)", "en": "yuan one-time"},
    "illustrative": {"zh": "(*为示意价格，种子资料未给出)", "en": "(* illustrative price; the seeds give none)"},
    "uncovered": {"zh": "未覆盖的需求", "en": "Needs not covered"},
    "stated_gap": {"zh": "尚未满足的客户需求", "en": "Stated need not covered"},
    "not_optimal": {"zh": "提示：候选产品较多，未能穷举全部组合；"
                          "理论最优方案对客户所提需求的覆盖率最多再高{stated}，评分最多再高{score}",
                    "en": "Note: too many candidates for an exhaustive search; the optimum may cover up to {stated} "
                          "more of the stated needs and score up to {score} more"},
    "left_out": {"zh": "未纳入的产品", "en": "Considered and left out"},
    "on": {"zh": "依据", "en": "on"},
    "rule": {"zh": "规则", "en": "rule"},
    "customer": {"zh": "客户", "en": "Customer"},
    "assessment": {"zh": "评估", "en": "Assessment"},
    "value_type": {"zh": "价值类型", "en": "value type"},
    "class": {"zh": "客户等级", "en": "class"},
    "known": {"zh": "；已知{known}/{total}项指标，缺失项按中位分计", "en": "; {known} of {total} indicators known, "
              "missing ones count at the median score"},
    "capped": {"zh": "；指标不足，按得分本可评为{by_score}", "en": "; too few indicators for {by_score}, "
               "which the score alone would reach"},
    "needs": {"zh": "需求", "en": "Needs"},
    "stated": {"zh": "客户陈述", "en": "stated"},
    "win_back": {"zh": "挽回曾用产品", "en": "win back"},
    "advice": {"zh": "销售建议", "en": "Advice"},
    "channel": {"zh": "渠道", "en": "channel"},
    "service_level": {"zh": "服务等级", "en": "service level"},
    "strategy": {"zh": "生命周期策略", "en": "lifecycle strategy"},
    "account_manager": {"zh": "客户经理级别", "en": "account manager"},  # [B]
    "managing_level": {"zh": "主管单位", "en": "managing level"},  # [B]
    "offer": {"zh": "套餐", "en": "offer"},
    "none": {"zh": "没有满足约束的方案", "en": "No bundle meets the constraints"},
    "relax": {"zh": "可行的放宽方式", "en": "Relaxations that would give a bundle"},
    "rules": {"zh": "触发的规则", "en": "Rules fired"},
    "budget": {"zh": "预算", "en": "budget"},
    "budget_once": {"zh": "一次性预算", "en": "one-time budget"},
    "budget_once_default": {"zh": "，即{months}个月的月预算(客户未给出)",
                            "en": " = {months} months of the monthly budget (none given)"},
}


def _t(key: str, lang: Lang, **kw: object) -> str:
    return _L[key][lang].format(**kw)


def _name(obj: object, lang: Lang) -> str:
    return str(getattr(obj, "name_zh" if lang == "zh" else "name_en"))


def render_bundle(bundle: Bundle, lang: Lang = "en") -> str:
    return text_lines(_bundle_lines(bundle, lang))


def _bundle_lines(bundle: Bundle, lang: Lang) -> list[str]:
    b = bundle.breakdown
    parts = ", ".join(f"{k} {getattr(b, k):.2f}" for k in ("coverage", "fit", "cost", "lifecycle", "portfolio"))
    out = [f"{_t('bundle', lang)} {bundle.rank} — {_t('score', lang)} {bundle.score:.3f} ({parts})"]
    if bundle.distinction is not None:
        out.append(f"  {bundle.distinction.get(lang)}")
    out.append(f"  {_t('products', lang)}:")
    names = {p.id: _name(p, lang) for p in bundle.products}
    lines: dict[str, list[PriceLine]] = {}
    for x in bundle.price.lines:
        lines.setdefault(x.product, []).append(x)
    for p in bundle.products:
        out.append(f"  • {_name(p, lang)} [{p.id}] — {_product_price(p, lines.get(p.id, []), lang)}")
        for r in p.reasons:
            line = f"      - {r.text.get(lang)}"
            if r.kind in ("rule", "add_on"):
                line = f"      - {_t('rule', lang)} {r.rule}: {r.text.get(lang)}"
                if r.inputs:
                    line += f" ({_t('on', lang)} {'; '.join(r.inputs)})"
            out.append(line)
    phases = "; ".join(_t("phase", lang, n=i + 1) + ": " + ", ".join(names[p] for p in layer)
                       for i, layer in enumerate(bundle.phases))
    out.append(f"  {_t('phases', lang)}: {phases}")
    total = bundle.price
    line = f"  {_t('price', lang)}: {money(total.recurring_monthly)} {_t('per_month', lang)}"
    if total.one_time:
        line += f", {money(total.one_time)} {_t('once', lang)}"
    if total.budget_monthly is not None or total.budget_one_time is not None:
        budgets = [f"{_t('budget', lang)} {money(total.budget_monthly)}"] if total.budget_monthly is not None else []
        if total.budget_one_time is not None:
            once = f"{_t('budget_once', lang)} {money(total.budget_one_time)}"
            if total.one_time_budget_months is not None:
                once += _t("budget_once_default", lang, months=f"{money(total.one_time_budget_months)}")
            budgets.append(once)
        line += f" ({'; '.join(budgets)})"
    if any(p.illustrative_price for p in bundle.products):
        line += " " + _t("illustrative", lang)
    out.append(line)
    if bundle.uncovered_needs:
        out.append(f"  {_t('uncovered', lang)}: {', '.join(bundle.uncovered_needs)}")
    out += [f"  {_t('stated_gap', lang)} {_name(g, lang)}: {g.remedy.get(lang)}" for g in bundle.stated_gaps]
    if bundle.left_out:
        out.append(f"  {_t('left_out', lang)}:")
        out += [f"    - {_name(x, lang)} [{x.product}]: {x.text.get(lang)}" for x in bundle.left_out]
    from .bundle_stage import stage_lines  # it builds on this module
    from .price_policy import policy_text  # it builds on result, which this module renders
    return out + policy_text(bundle, lang) + stage_lines(bundle, lang)


def _product_price(p: BundleProduct, lines: list[PriceLine], lang: Lang) -> str:
    """The product's price; a sized one as ``2000 yuan/month × 120 sites + ... = total``."""
    star = "*" if p.illustrative_price else ""
    unit = {"recurring": _t("per_month", lang), "one_time": _t("once", lang)}
    total = f"{money(p.recurring)} {unit['recurring']}"
    once = f" + {money(p.one_time)} {unit['one_time']}" if p.one_time else ""
    if all(x.per == "customer" for x in lines):
        return f"{total}{star}" + (f"{once}{star}" if once else "")
    q = Quantity(p.quantity, p.per, p.quantity_assumed, p.quantity_rule)
    times = quantity_text(q)
    parts = [f"{money(x.unit_amount)} {unit[x.priceType]}{star}"
             + (f" {times.get(lang)}" if times and x.per != "customer" else "") for x in lines if x.unit_amount]
    note = quantity_note(q)
    return " + ".join(parts) + f" = {total}{once}" + (f" ({note.get(lang)})" if note else "")


def assessed_name(a: CustomerAssessment, entity: str, lang: Lang) -> str:
    """[A] A value type's or class's name as the result carries it (the id if it carries none)."""
    name = a.names.get(entity)
    return name.get(lang) if name else entity


def assessment_confidence(a: CustomerAssessment, lang: Lang) -> str:
    """How much of the measurement system the class rests on (seed 004 3.1), and whether that capped it."""
    known = sum(len(s.indicators) for s in a.class_criteria)  # [A] the class rests on seed 000's criteria
    total = known + sum(len(s.missing) for s in a.class_criteria)
    text = _t("known", lang, known=known, total=total) if known < total else ""
    if a.class_by_score != a.customer_class and a.class_by_score is not None:
        text += _t("capped", lang, by_score=assessed_name(a, a.class_by_score, lang))
    return text


def render_recommendation(rec: Recommendation, lang: Lang = "en") -> str:
    a = rec.assessment
    out = [f"{_t('customer', lang)}: {rec.customer_name}" + (f" ({rec.customer_id})" if rec.customer_id else ""),
           f"{_t('assessment', lang)}: {_t('value_type', lang)} {assessed_name(a, a.value_type, lang)}"
           + (f", {_t('class', lang)} {assessed_name(a, a.customer_class, lang)}" if a.customer_class else "")
           + (f", {_t('score', lang)} {a.score:.2f}" if a.score is not None else "")
           + assessment_confidence(a, lang),
           *(f"  {line}" for line in assessment_lines(a, lang)),  # [A] which indicators decided
           f"{_t('needs', lang)}: " + "; ".join(
               f"{_name(n, lang)} [{n.id}] {n.weight:g} ("
               + ", ".join(_t(s, lang) if s in (STATED, WIN_BACK) else s for s in n.sources) + ")"
               for n in rec.needs)]
    adv = rec.advice
    advice = []
    for k, c in adv.choices():
        advice.append(f"{_t(k, lang)}: {_name(c, lang)} ({_t('rule', lang)} {c.rule})")
        advice += [f"    · {d.get(lang)}" for d in c.details]
    for o in adv.offers:
        advice.append(f"{_t('offer', lang)}: {_name(o, lang)} ({_t('rule', lang)} {o.rule})")
        advice += [f"    · {b.get(lang)}" for b in o.benefits]
    advice += [f"{n.text.get(lang)} ({_t('rule', lang)} {n.rule})" for n in adv.notes]
    if advice:
        out.append(f"{_t('advice', lang)}:")
        out += [f"  {line}" if line.startswith("    ·") else f"  - {line}" for line in advice]
    out.append("")
    if rec.optimality_gap is not None:
        gap = rec.optimality_gap
        out += [_t("not_optimal", lang, stated=f"{gap.stated_coverage:.0%}", score=f"{gap.score:.3f}"), ""]
    for bundle in rec.bundles:
        out += [*_bundle_lines(bundle, lang), ""]
    if rec.diagnosis is not None:
        out.append(f"{_t('none', lang)}: {rec.diagnosis.text.get(lang)}")
        if rec.diagnosis.relaxations:
            out.append(f"  {_t('relax', lang)}:")
            out += [f"  - {r.text.get(lang)}" for r in rec.diagnosis.relaxations]
        out.append("")
    out.append(f"{_t('rules', lang)}: " + ", ".join(r.rule for r in rec.fired_rules))
    return text_lines(out).rstrip() + "\n"


def explain_product(kb: KnowledgeBase, profile: CustomerProfile, rec: Recommendation, pid: str,
                    lang: Lang = "en") -> str:
    """Why ``pid`` is or is not recommended: bundles, rules, dependencies, exclusions, eligibility, budget."""
    product = kb.products[pid]
    zh = lang == "zh"
    out = [f"{product.name(lang)} [{pid}]"]
    in_bundles = [(b, p) for b in rec.bundles for p in b.products if p.id == pid]
    if in_bundles:
        ranks = ", ".join(str(b.rank) for b, _ in in_bundles)
        out.append(("在方案 " if zh else "In bundle(s) ") + ranks + ("中：" if zh else ":"))
        out += [f"  - {r.text.get(lang)}" for r in in_bundles[0][1].reasons]
    else:
        left = next((x for b in rec.bundles for x in b.left_out if x.product == pid), None)
        if left is not None:
            out.append(("未推荐：" if zh else "Not recommended: ") + left.text.get(lang) + f" [{left.reason}]")
        elif not rec.bundles:
            out.append("没有任何方案；见诊断。" if zh else "No bundle at all; see the diagnosis.")
        else:
            out.append("未被考虑：它不覆盖客户的任何需求，也没有规则推荐它。" if zh else
                       "Not considered: it covers none of the customer's needs and no rule proposed it.")
    fired = {r.rule: r for r in rec.fired_rules}
    mentions = [(r, e.kind) for r in kb.rules for e in r.then
                if (e.propose and e.propose.product == pid) or (e.exclude and e.exclude.product == pid)
                or (e.add_on and e.add_on.product == pid)]
    if mentions:
        out.append("规则：" if zh else "Rules:")
        for rule, kind in mentions:
            verb = {"propose": "推荐" if zh else "proposes", "exclude": "排除" if zh else "excludes",
                    "add_on": "作为附加产品加入方案" if zh else "adds it to a bundle"}[kind]
            if rule.id in fired:
                on = "; ".join(fired[rule.id].inputs[0])
                state = f"已触发，依据 {on}" if zh else f"fired on {on}"
            else:
                state = "未触发" if zh else "did not fire"
            out.append(f"  - {rule.id} {verb}: {rule.description.get(lang)} ({state})")
    graph = kb.graph
    needs = sorted(graph.required_by(pid))
    if needs:
        out.append(("依赖：" if zh else "Requires: ") + ", ".join(f"{kb.name(d, lang)} [{d}]" for d in needs))
    users = sorted(p for p, direct in graph.direct.items() if pid in direct)
    if users:
        out.append(("被依赖：" if zh else "Required by: ") + ", ".join(f"{kb.name(u, lang)} [{u}]" for u in users))
    for other in sorted(graph.excludes_of.get(pid, ())):
        why = graph.exclusion_reason(pid, other)
        assert why is not None
        out.append(("互斥：" if zh else "Excludes: ") + f"{kb.name(other, lang)} [{other}] — {why.get(lang)}")
    barrier = ineligibility(product, profile, rec.assessment)
    if barrier is not None:
        out.append(("不符合条件：" if zh else "Not eligible: ") + barrier.get(lang))
    if not product.sellable:
        out.append(("产品状态：" if zh else "Lifecycle status: ") + product.lifecycleStatus)
    pricing = Pricing.for_customer(kb, profile, rule_quantities(kb, (r.rule for r in rec.fired_rules)))
    charge = pricing.added(pid)
    budget = profile.budget_monthly
    line = (f"月费（含依赖）：{money(charge.recurring)}元" if zh
            else f"Monthly price with what it requires: {money(charge.recurring)} yuan")
    if charge.one_time:
        line += f"，一次性费用{money(charge.one_time)}元" if zh else f", {money(charge.one_time)} yuan one-time"
    times = quantity_text(pricing.quantity(pid))
    if times is not None:
        line += f"（{times.zh}）" if zh else f" ({times.en})"
    if budget is not None:
        line += f"，预算{money(budget)}元" if zh else f"; budget {money(budget)} yuan"
    once = one_time_budget(kb, profile)
    if once is not None:
        line += f"，一次性预算{money(once.amount)}元" if zh else f", one-time budget {money(once.amount)} yuan"
    out.append(line)
    return text_lines(out) + "\n"
