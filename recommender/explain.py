"""``recommender explain --product``: why one product is or is not recommended to a customer.

It reads the recommendation (bundles, left-out reasons, fired rules) and the
knowledge (the rules that mention the product, its dependencies, exclusions,
eligibility and price); every sentence comes from the message files (``explain.*``).
"""

from __future__ import annotations

from .bundling import ineligibility
from .knowledge.base import KnowledgeBase
from .messages import message, money, using
from .pricing import Pricing, one_time_budget, quantity_text, rule_quantities
from .profile import CustomerProfile
from .result import Lang, Recommendation
from .text import text_lines
from .validity import off_sale

__all__ = ["explain_product"]


def explain_product(kb: KnowledgeBase, profile: CustomerProfile, rec: Recommendation, pid: str,
                    lang: Lang = "en") -> str:
    """Why ``pid`` is or is not recommended: bundles, rules, dependencies, exclusions, eligibility, budget."""
    with using(kb.messages):  # the knowledge's sentences: its languages, its rewordings
        return _explain(kb, profile, rec, pid, lang)


def _explain(kb: KnowledgeBase, profile: CustomerProfile, rec: Recommendation, pid: str, lang: Lang) -> str:
    def t(key: str, **kw: object) -> str:
        return message(f"explain.{key}", lang, **kw)

    product = kb.products[pid]
    out = [f"{product.name.get(lang)} [{pid}]"]
    in_bundles = [(b, p) for b in rec.bundles for p in b.products if p.id == pid]
    if in_bundles:
        out.append(t("in_bundles", ranks=", ".join(str(b.rank) for b, _ in in_bundles)))
        out += [f"  - {r.text.get(lang)}" for r in in_bundles[0][1].reasons]
    else:
        left = next((x for b in rec.bundles for x in b.left_out if x.product == pid), None)
        if left is not None:
            out.append(t("left_out", why=left.text.get(lang), reason=left.reason))
        else:
            out.append(t("not_considered" if rec.bundles else "no_bundle"))
    fired = {r.rule: r for r in rec.fired_rules}
    mentions = [(r, e.kind) for r in kb.rules for e in r.then
                if (e.propose and e.propose.product == pid) or (e.exclude and e.exclude.product == pid)
                or (e.add_on and e.add_on.product == pid)]
    if mentions:
        out.append(t("rules"))
        for rule, kind in mentions:
            state = t("fired", on="; ".join(fired[rule.id].inputs[0])) if rule.id in fired else t("not_fired")
            out.append(f"  - {rule.id} {t(kind)}: {rule.description.get(lang)} ({state})")
    graph = kb.graph
    needs = sorted(graph.required_by(pid))
    if needs:
        out.append(t("requires", products=", ".join(f"{kb.name(d, lang)} [{d}]" for d in needs)))
    users = sorted(p for p, direct in graph.direct.items() if pid in direct)
    if users:
        out.append(t("required_by", products=", ".join(f"{kb.name(u, lang)} [{u}]" for u in users)))
    for other in sorted(graph.excludes_of.get(pid, ())):
        why = graph.exclusion_reason(pid, other)
        assert why is not None
        out.append(t("excludes", product=kb.name(other, lang), id=other, why=why.get(lang)))
    barrier = ineligibility(product, profile, rec.assessment)
    if barrier is not None:
        out.append(t("ineligible", why=barrier.get(lang)))
    off = off_sale(product)  # the knowledge is dated to the result's day
    if off is not None:
        out.append(t("off_sale", why=off.get(lang)))
    elif not product.sellable:
        out.append(t("status", status=product.lifecycleStatus))
    pricing = Pricing.for_customer(kb, profile, rule_quantities(kb, (r.rule for r in rec.fired_rules)))
    charge = pricing.added(pid)
    line = t("price", amount=money(charge.recurring, lang))
    if charge.one_time:
        line += t("price_once", amount=money(charge.one_time, lang))
    times = quantity_text(pricing.quantity(pid))
    if times is not None:
        line += t("quantity", quantity=times.get(lang))
    if profile.budget_monthly is not None:
        line += t("budget", amount=money(profile.budget_monthly, lang))
    once = one_time_budget(kb, profile)
    if once is not None:
        line += t("budget_once", amount=money(once.amount, lang))
    out.append(line)
    return text_lines(out) + "\n"
