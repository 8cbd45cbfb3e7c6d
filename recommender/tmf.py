"""TM Forum shapes: the catalog as TMF620 ProductOffering resources.

The knowledge already uses TMF620's vocabulary (DESIGN.md): a product is a product
offering with ``lifecycleStatus``, a ``category``, prices with a ``priceType`` and
relationships. This module writes them in the API's JSON form: ``@type``,
``productOfferingPrice`` (``recurring`` or ``oneTime``, in CNY) and
``productOfferingRelationship`` (``requires``, ``excludes``, ``complements``, ``replaces``).
"""

from __future__ import annotations

from typing import Any

from .knowledge.base import KnowledgeBase
from .knowledge.schema import Price, Product

__all__ = ["product_offering", "product_offerings"]

_RELATIONS = ("requires", "excludes", "complements", "replaces")


def product_offerings(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every product of the catalog as a TMF620 ProductOffering, in id order."""
    return [product_offering(kb, kb.products[pid]) for pid in sorted(kb.products)]


def product_offering(kb: KnowledgeBase, p: Product) -> dict[str, Any]:
    """One product as a TMF620 ProductOffering: names in the operator's language, the English as description."""
    base = f"/catalogs/{kb.catalog.id}/productOfferings"
    categories = {c.id: c for c in kb.catalog.categories}
    category = categories.get(p.category)
    return {
        "id": p.id,
        "href": f"{base}/{p.id}",
        "@type": "ProductOffering",
        "name": p.name_zh,
        "description": p.name_en,
        "lifecycleStatus": p.lifecycleStatus,
        "isBundle": False,
        "isSellable": p.sellable,
        "category": [{"id": p.category, "name": category.name_zh if category else p.category,
                      "@referredType": "Category"}],
        "productOfferingPrice": [_price(p, i, price) for i, price in enumerate(p.prices)],
        "productOfferingRelationship": [
            {"id": r.product, "href": f"{base}/{r.product}", "relationshipType": kind,
             "@referredType": "ProductOffering"}
            for kind in _RELATIONS for r in getattr(p, kind)],
    }


def _price(p: Product, index: int, price: Price) -> dict[str, Any]:
    recurring = price.priceType == "recurring"
    out: dict[str, Any] = {
        "id": f"{p.id}-price-{index + 1}",
        "@type": "ProductOfferingPrice",
        "name": price.description.zh if price.description else p.name_zh,
        "priceType": "recurring" if recurring else "oneTime",
        "price": {"unit": "CNY", "value": price.amount},
        "unitOfMeasure": {"amount": 1, "units": price.per},
        "isBundle": False,
        "lifecycleStatus": "Active",
    }
    if recurring:
        out["recurringChargePeriodType"] = "month"
        out["recurringChargePeriodLength"] = 1
    return out
