"""The pricing and subsidy policy that applies to a bundle's products.

Seed 001 四.1 sorts products into policy classes (基础通信类 / 行业应用类 / 战略创新类),
each with its own marketing policy; seed 002 3.3 gives each kind its pricing
method and discount stance, and caps handset subsidies by handset type (3G
smartphones 80 %, other 3G handsets 50 %, 2G none). The seeds give caps, not the
subsidy a customer gets, so a bundle states the cap and the most it may cover
instead of taking a subsidy off its price.
"""

from __future__ import annotations

from functools import partial

from .knowledge.base import KnowledgeBase
from .knowledge.schema import Named
from .messages import message, text
from .pricing import money
from .result import Bundle, BundleProduct, PolicyLine


def policy_lines(kb: KnowledgeBase, bundle: Bundle) -> list[PolicyLine]:
    """One line per policy class the bundle's products belong to (framework order), then one per handset."""
    by_class: dict[str, list[str]] = {}
    for p in bundle.products:
        cls = kb.policy_classes.get(p.id)
        if cls is not None:
            by_class.setdefault(cls.id, []).append(p.id)
    out = [PolicyLine(kind="pricing", policy=c.id, name=c.name, products=by_class[c.id],
                      marketing=c.marketing_policy, text=c.pricing)
           for c in kb.framework.policy_classes if c.id in by_class]
    for p in bundle.products:
        handset = kb.handset_types.get(p.id)
        if handset is None:
            continue
        most = round(p.one_time * handset.max_subsidy_percent / 100, 2)
        key = "capped" if handset.max_subsidy_percent > 0 else "none"
        out.append(PolicyLine(kind="subsidy", policy=handset.id, name=handset.name,
                              products=[p.id], max_subsidy=most, text=text(
                                  f"policy.{key}", names=partial(_typed, p, handset), cap=handset.max_subsidy_percent,
                                  amount=money(most))))
    return out


def _typed(product: BundleProduct, handset: Named, lang: str) -> str:
    """The product's name, with its handset type unless the name says it already."""
    name, kind = product.name.get(lang), handset.name.get(lang)
    return name if name == kind else message("policy.typed", lang, name=name, kind=kind)
