"""TM Forum shapes: the catalog as TMF620 ProductOffering, a recommendation as TMF680 QueryProductRecommendation.

The knowledge already uses TMF620's vocabulary (DESIGN.md): a product is a product
offering with ``lifecycleStatus``, a ``category``, prices with a ``priceType`` and
relationships. :func:`product_offerings` writes them in the API's JSON form: ``@type``,
``productOfferingPrice`` (``recurring`` or ``oneTime``, in CNY) and
``productOfferingRelationship`` (``requires``, ``excludes``, ``complements``, ``replaces``).
A product or price with a ``validFor`` carries it as TMF's TimePeriod: ``startDateTime`` the
first instant of its first day, ``endDateTime`` the last second of its last day, in the
operator's time zone (both days of knowledge's periods are inclusive). The catalog lists
every price with its period, as TMF620 does; a consumer picks the one in force. Asked for one
day, it lists the catalog as of that day instead: the products in force, each with that day's prices.

:func:`query_product_recommendation` writes a result in TMF680's shape: one
``recommendationItem`` per product of each bundle, its ``priority`` the bundle's rank,
its ``product`` the offering with its sized price (the price in force on the day the
recommendation was made as of, which is its ``validFor``). TMF680 has no field for an
explanation, so the rationale, scores and phases travel as the documented extension
``GroupRecommendation`` (``@type``, with ``@baseType`` QueryProductRecommendation): a
``bundle`` list with each bundle's rank, score, price, phases and the why of each product.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .knowledge.base import KnowledgeBase
from .knowledge.schema import Price, Product, ValidFor
from .result import Bundle, BundleProduct, Recommendation
from .validity import period_end, period_start

__all__ = ["product_offering", "product_offerings", "query_product_recommendation"]

_RELATIONS = ("requires", "excludes", "complements", "replaces")


def product_offerings(kb: KnowledgeBase, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every product of the catalog as a TMF620 ProductOffering, in id order; ``as_of``: only the
    products in force that day, with that day's prices (what a recommendation as of it may offer)."""
    if as_of is not None:
        kb = kb.on(as_of)
    return [product_offering(kb, p) for pid in sorted(kb.products)
            if (p := kb.products[pid]).period_state is None]


def product_offering(kb: KnowledgeBase, p: Product) -> dict[str, Any]:
    """One product as a TMF620 ProductOffering: names in the operator's language, the English as description."""
    base = f"/catalogs/{kb.catalog.id}/productOfferings"
    categories = {c.id: c for c in kb.catalog.categories}
    category = categories.get(p.category)
    lang = kb.languages[0]  # the operator's language: the first framework.yaml declares
    return {
        "id": p.id,
        "href": f"{base}/{p.id}",
        "@type": "ProductOffering",
        "name": p.name.get(lang),
        "description": p.name.get("en"),
        "lifecycleStatus": p.lifecycleStatus,
        "isBundle": False,
        "isSellable": p.sellable,
        **_valid_for(p.validFor),
        "category": [{"id": p.category, "name": category.name.get(lang) if category else p.category,
                      "@referredType": "Category"}],
        "productOfferingPrice": [_price(p, i, price, lang) for i, price in enumerate(p.prices)],
        "productOfferingRelationship": [
            {"id": r.product, "href": f"{base}/{r.product}", "relationshipType": kind,
             "@referredType": "ProductOffering"}
            for kind in _RELATIONS for r in getattr(p, kind)],
    }


def _price(p: Product, index: int, price: Price, lang: str) -> dict[str, Any]:
    recurring = price.priceType == "recurring"
    out: dict[str, Any] = {
        "id": f"{p.id}-price-{index + 1}",
        "@type": "ProductOfferingPrice",
        "name": (price.description or p.name).get(lang),
        "priceType": "recurring" if recurring else "oneTime",
        "price": {"unit": "CNY", "value": price.amount},
        "unitOfMeasure": {"amount": 1, "units": price.per},
        "isBundle": False,
        "lifecycleStatus": "Active",
        **_valid_for(price.validFor),
    }
    if recurring:
        out["recurringChargePeriod"] = "month"
        out["recurringChargePeriodLength"] = 1
    return out


def _valid_for(period: ValidFor | None) -> dict[str, Any]:
    """``{"validFor": TimePeriod}`` for a period, nothing for none (always in force)."""
    if period is None or (period.start is None and period.end is None):
        return {}
    span = {"startDateTime": period_start(period.start) if period.start else None,
            "endDateTime": period_end(period.end) if period.end else None}
    return {"validFor": {k: v for k, v in span.items() if v is not None}}


def query_product_recommendation(rec: Recommendation) -> dict[str, Any]:
    """``rec`` as a TMF680 QueryProductRecommendation, with our rationale as the GroupRecommendation extension."""
    base = f"/catalogs/{rec.catalog}/productOfferings"
    items = [_item(base, b, p, rec.languages[0]) for b in rec.bundles for p in b.products]
    return {
        "id": f"{rec.customer_id or rec.customer_name}-{rec.knowledge}",
        "@type": "GroupRecommendation",
        "@baseType": "QueryProductRecommendation",
        "name": rec.customer_name,
        "recommendationType": "productBundle",
        "instantSyncRecommendation": True,
        "state": "done",
        "relatedParty": {"id": rec.customer_id or rec.customer_name, "name": rec.customer_name,
                         "role": "customer", "@referredType": "Organization"},
        **(_valid_for(ValidFor(start=rec.as_of, end=rec.as_of)) if rec.as_of else {}),
        "recommendationItem": items,
        "bundle": [_bundle(b) for b in rec.bundles],
    }


def _item(base: str, b: Bundle, p: BundleProduct, lang: str) -> dict[str, Any]:
    name = p.name.get(lang)
    offering = {"id": p.id, "href": f"{base}/{p.id}", "name": name, "@referredType": "ProductOffering"}
    prices = [{"priceType": kind, "name": name, "price": {"taxIncludedAmount": {"unit": "CNY", "value": amount}},
               **({"recurringChargePeriod": "month"} if kind == "recurring" else {})}
              for kind, amount in (("recurring", p.recurring), ("oneTime", p.one_time)) if amount]
    return {"id": f"{b.rank}-{p.id}", "@type": "RecommendationItem", "priority": b.rank,
            "productOffering": offering,
            "product": {"@type": "Product", "name": name, "isBundle": False, "productOffering": offering,
                        "productPrice": prices}}


def _bundle(b: Bundle) -> dict[str, Any]:
    """The extension: what TMF680 cannot say about a bundle."""
    return {"rank": b.rank, "score": b.score, "statedCoverage": b.stated_coverage,
            "price": {"recurringMonthly": b.price.recurring_monthly, "oneTime": b.price.one_time, "unit": "CNY"},
            "phases": b.phases,
            "product": [{"id": p.id, "why": [r.text.model_dump() for r in p.reasons]} for p in b.products],
            "statedGap": [{"need": g.need, "remedy": g.remedy.model_dump()} for g in b.stated_gaps]}
