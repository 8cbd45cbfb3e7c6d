"""The audit text: ``rationale_text(lang, detail=True)``, everything the brief leaves out.

Rules and the inputs they fired on, scores, every product left out with its
reason, pricing policy and selling notes, per bundle. Rendered from the result
alone, its sentences from the message files (``detail.*`` keys). Each left-out
reason is listed once per bundle that leaves the product out; the brief
(:mod:`recommender.brief`) lists none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .assess_text import assessment_lines  # [A]
from .messages import message
from .pricing import Quantity, money, quantity_note, quantity_text
from .result import (
    Bundle,
    BundleProduct,
    CustomerAssessment,
    Lang,
    LeftOut,
    LeftOutReason,
    PriceLine,
    Recommendation,
    Shown,
    renders,
)
from .text import text_lines
from .vocabulary import STATED
from .winback import WIN_BACK

__all__ = ["assessed_name", "assessment_confidence", "render_bundle", "render_recommendation"]


def _t(key: str, lang: Lang, **kw: object) -> str:
    return message(f"detail.{key}", lang, **kw)


def _name(obj: Shown, lang: Lang) -> str:
    return obj.name.get(lang)


@renders("bundle")
def render_bundle(bundle: Bundle, lang: Lang = "en") -> str:
    return text_lines(_bundle_lines(bundle, lang))


def _bundle_lines(bundle: Bundle, lang: Lang, left_out: bool = True) -> list[str]:
    """The bundle's part of the audit text; ``left_out=False`` leaves its left-out products to the caller."""
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
    if left_out and bundle.left_out:
        out += [f"  {_t('left_out', lang)}:"]
        out += [f"    - {_name(x, lang)} [{x.product}]: {x.text.get(lang)}" for x in bundle.left_out]
    if left_out and bundle.left_out_counts:
        out.append(f"    {unlisted(bundle.left_out_counts, lang)}")
    return out + policy_text(bundle, lang) + stage_lines(bundle, lang)


def unlisted(counts: Mapping[LeftOutReason, int], lang: Lang) -> str:
    """One sentence on the products a bundle leaves out without listing them, by reason (``left_out_counts``)."""
    reasons = message("list.sep", lang).join(message(f"left_out.unlisted.{r}", lang, n=n) for r, n in counts.items())
    return message("left_out.unlisted", lang, n=sum(counts.values()), reasons=reasons)


def _unlisted_once(bundles: Sequence[Bundle], lang: Lang) -> list[str]:
    """The unlisted counts of the bundles, once per distinct count, with the bundles it holds for."""
    ranks: dict[tuple[tuple[LeftOutReason, int], ...], list[int]] = {}
    for bundle in bundles:
        if bundle.left_out_counts:
            ranks.setdefault(tuple(bundle.left_out_counts.items()), []).append(bundle.rank)
    return [f"  {unlisted(dict(counts), lang)}{_in_bundles(r, len(bundles), lang)}" for counts, r in ranks.items()]


def _left_out_once(bundles: Sequence[Bundle]) -> list[tuple[LeftOut, list[int]]]:
    """Each product left out, once per reason, with the ranks of the bundles that leave it out for it."""
    ranks: dict[str, tuple[LeftOut, list[int]]] = {}
    for bundle in bundles:
        for x in bundle.left_out:
            ranks.setdefault(x.model_dump_json(), (x, []))[1].append(bundle.rank)
    return sorted(ranks.values(), key=lambda entry: (entry[0].product, entry[1]))


def _in_bundles(ranks: list[int], total: int, lang: Lang) -> str:
    """Which bundles leave a product out for this reason; nothing when all do."""
    if len(ranks) == total:
        return ""
    key = "in_bundle" if len(ranks) == 1 else "in_bundles"
    return _t(key, lang, ranks=message("list.sep", lang).join(str(r) for r in ranks))


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


@renders("detail")
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
    once = len(rec.bundles) > 1  # several bundles leave out mostly the same products for the same reasons
    for bundle in rec.bundles:
        out += [*_bundle_lines(bundle, lang, left_out=not once), ""]
    left_out = _left_out_once(rec.bundles) if once else []
    if left_out:
        out.append(f"{_t('left_out', lang)}:")
        out += [f"  - {_name(x, lang)} [{x.product}]{_in_bundles(ranks, len(rec.bundles), lang)}: {x.text.get(lang)}"
                for x, ranks in left_out]
        out += _unlisted_once(rec.bundles, lang)
        out.append("")
    if rec.diagnosis is not None:
        out.append(f"{_t('none', lang)}: {rec.diagnosis.text.get(lang)}")
        if rec.diagnosis.relaxations:
            out.append(f"  {_t('relax', lang)}:")
            out += [f"  - {r.text.get(lang)}" for r in rec.diagnosis.relaxations]
        out.append("")
    out.append(f"{_t('rules', lang)}: " + ", ".join(r.rule for r in rec.fired_rules))
    return text_lines(out).rstrip() + "\n"


def policy_text(bundle: Bundle, lang: Lang) -> list[str]:
    """The rationale lines of a bundle's pricing policy."""
    if not bundle.pricing_policy:
        return []
    names = {p.id: p.name.get(lang) for p in bundle.products}
    out = [f"  {message('policy.title', lang)}:"]
    for line in bundle.pricing_policy:
        if line.kind == "pricing":
            members = message("list.sep", lang).join(names.get(p, p) for p in line.products)
            out.append("    - " + message("policy.typed", lang, name=line.name.get(lang), kind=members))
            if line.marketing is not None:
                out.append(f"      · {message('policy.marketing', lang)}: {line.marketing.get(lang)}")
            out.append(f"      · {message('policy.pricing', lang)}: {line.text.get(lang)}")
        else:
            out.append(f"    - {line.text.get(lang)}")
    return out


def stage_lines(bundle: Bundle, lang: Lang) -> list[str]:
    """The rationale lines of a bundle's bundle-stage conclusions: offers, discounts, notes."""
    def t(key: str, **kw: object) -> str:
        return message(f"bundle_stage.{key}", lang, **kw)

    names = {p.id: p.name.get(lang) for p in bundle.products}
    out = []
    for o in bundle.offers:
        out.append(f"  {t('offer')}: {o.name.get(lang)} ({t('rule')} {o.rule})")
        out += [f"    · {b.get(lang)}" for b in o.benefits]
    for d in bundle.discounts:
        amount = t("off", name=names.get(d.product, d.product), amount=d.amount, percent=d.percent)
        if d.priceType == "recurring":
            amount += t("per_month")
        out.append(f"  {t('discount')}: {amount}: {d.text.get(lang)} ({t('rule')} {d.rule})")
    out += [f"  {t('note')}: {n.text.get(lang)} ({t('rule')} {n.rule})" for n in bundle.notes]
    return out
