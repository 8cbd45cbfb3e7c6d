"""Checks of validFor periods: prices over time, and products about to leave the catalog.

* ``bad-date`` and ``bad-period`` (a period ending before it starts) are the
  models' own (:class:`schema.ValidFor`).
* ``overlapping-prices``: the prices of one *charge* (same priceType, per and
  description) follow each other in time; two in force on one day would both be
  charged, so that is an error.
* ``price-gap`` (warning): a charge with a dated price must have a price on every
  day the product is on sale; a day without one sells the charge free. A charge
  waived from some day on says so with a price of 0.
* ``expiring-soon`` (warning): a product whose validFor ends within
  :data:`EXPIRY_WARNING_DAYS` of the day checked (``validate --as-of``, default
  today), so that its successor is staged in time. It depends on the day, so
  :func:`recommender.authoring.validate` adds it, not the loader.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from ..errors import Issue, Said, plain, what_said
from .base import KnowledgeBase
from .schema import Price, Product, ValidFor, uncovered
from .yamlpos import Document, load_file

__all__ = ["EXPIRY_WARNING_DAYS", "charge", "expiring_products", "price_periods"]

EXPIRY_WARNING_DAYS = 30


def charge(price: Price) -> tuple[str, str, str]:
    """What a price charges for: prices of one charge over time replace each other, never add up."""
    described = json.dumps(price.description.root, sort_keys=True, ensure_ascii=False) if price.description else ""
    return price.priceType, price.per, described


def shown(period: ValidFor) -> Said:
    """A period as people write it: ``2026-12-01 to 2027-06-30``, open ends said so."""
    return Said("price-gap.period", start=period.start.isoformat() if period.start else Said("price-gap.beginning"),
                end=period.end.isoformat() if period.end else Said("price-gap.no-end"))


def price_periods(product: Product, i: int, doc: Document) -> Iterator[Issue]:
    """Overlapping prices of one charge (errors) and days of the product's validity a charge leaves unpriced."""
    charges: dict[tuple[str, str, str], list[int]] = {}
    for j, price in enumerate(product.prices):
        charges.setdefault(charge(price), []).append(j)
    for indexes in charges.values():
        prices = [product.prices[j] for j in indexes]
        if all(p.validFor is None for p in prices):
            continue  # an undated charge: no time to overlap in or leave a gap of
        for a, j in enumerate(indexes):
            earlier = next((k for k in indexes[:a] if (product.prices[k].validFor or ValidFor()).overlaps(
                product.prices[j].validFor or ValidFor())), None)
            if earlier is not None:
                yield doc.issue(("products", i, "prices", j, "validFor"), "overlapping-prices",
                                Said("overlapping-prices.price", n=j + 1, product=product.id, earlier=earlier + 1),
                                Said("hint.overlapping-prices", earlier=earlier + 1))
        holes = uncovered(product.validFor, [p.validFor for p in prices])
        if holes:
            yield doc.issue(("products", i, "prices", indexes[0]), "price-gap",
                            Said("price-gap.product", product=product.id, price_type=what_said(prices[0].priceType),
                                 per=what_said("per " + prices[0].per),
                                 periods=plain(map(shown, holes), "list.clauses")),
                            Said("hint.price-gap"), severity="warning")


def expiring_products(kb: KnowledgeBase, day: date, within: int = EXPIRY_WARNING_DAYS) -> list[Issue]:
    """A warning for each sellable product of ``kb`` whose validFor ends between ``day`` and ``within`` days on,
    located at its ``end``."""
    soon = [(pid, p) for pid, p in kb.products.items() if p.sellable and p.validFor and p.validFor.end
            and day <= p.validFor.end <= day + timedelta(days=within)]
    if not soon:
        return []
    path = Path(kb.root) / "catalogs" / kb.catalog.id / "products.yaml"
    doc = load_file(path, str(path), Path(kb.root))
    index = {pid: i for i, pid in enumerate(kb.products)}
    out = []
    for pid, p in soon:
        assert p.validFor is not None and p.validFor.end is not None
        left = (p.validFor.end - day).days
        out.append(doc.issue(("products", index[pid], "validFor", "end"), "expiring-soon",
                             Said("expiring-soon.one" if left == 1 else "expiring-soon.product", product=pid,
                                  end=p.validFor.end.isoformat(), days=left, day=day.isoformat()),
                             Said("hint.expiring-soon"), severity="warning"))
    return out
