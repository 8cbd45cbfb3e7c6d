"""The customer as an account of the operator: who it is, and what a bundle brings (seed 003's six steps).

Seed 003's 六步分析法 analyses a key account by its industry (step 1), the
competition for it (step 2) and, last, the financial impact of the measures
proposed (step 6: 针对工商银行的中短期举措可能带来的财务影响). This module gathers
what those steps need from the profile (:func:`customer_summary`) and works out a
bundle's yearly revenue against the customer's spend today (:func:`financial_impact`).
"""

from __future__ import annotations

from .knowledge.base import KnowledgeBase
from .knowledge.schema import Named
from .profile import CustomerProfile
from .result import Advice, Bundle, CustomerSummary, Entity, FinancialImpact

__all__ = ["business_areas", "customer_summary", "financial_impact"]


def _entity(named: Named) -> Entity:
    return Entity(id=named.id, name=named.name)


def customer_summary(kb: KnowledgeBase, profile: CustomerProfile, advice: Advice) -> CustomerSummary:
    """The profile's facts the proposal shows; a key account is one the rules gave a key-account service level."""
    fw = kb.framework
    segments = {s.id: s for s in fw.segments}
    key_levels = {s.id for s in fw.service_levels if s.key_account}
    return CustomerSummary(
        industry=_entity(next(i for i in fw.industries if i.id == profile.industry)),
        segment=_entity(segments[profile.segment]) if profile.segment in segments else None,
        employees=profile.employees, sites=profile.sites, annual_spend=profile.annual_spend,
        telecom_spend=profile.telecom_spend,
        existing_products=[_entity(kb.products[p]) for p in sorted(set(profile.existing_products))],
        rival_products=[_entity(kb.products[p]) for p in sorted(set(profile.rival_products))],
        key_account=advice.service_level is not None and advice.service_level.id in key_levels)


def business_areas(kb: KnowledgeBase) -> list[Entity]:
    """The framework's business areas, in its order."""
    return [_entity(a) for a in kb.framework.business_areas]


def financial_impact(customer: CustomerSummary, bundle: Bundle) -> FinancialImpact:
    """What ``bundle`` brings the operator in a year, against the customer's spend with it and with everyone.

    The customer is taken to stop paying a rival for a product it moves over, at our price (the rival's is
    unknown), and to add every other product to its telecom spend.
    """
    rivals = {e.id for e in customer.rival_products}
    annual = round(12 * bundle.price.recurring_monthly, 2)
    won = round(12 * sum(p.recurring for p in bundle.products if p.id in rivals), 2)
    spend, wallet = customer.annual_spend, customer.telecom_spend
    share = after = None
    if spend is not None and wallet:
        share = round(spend / wallet, 4)
        after = round((spend + annual) / (wallet + annual - won), 4)
    return FinancialImpact(annual_recurring=annual, first_year=round(annual + bundle.price.one_time, 2),
                           from_rivals=won, current_spend=spend,
                           growth=round(annual / spend, 4) if spend else None,
                           share_of_wallet=share, share_of_wallet_after=after)
