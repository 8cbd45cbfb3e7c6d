"""Checks of sized prices (see ``pricing.py``): volume tiers, price units and rule quantities.

* ``bad-tiers``: a price's volume tiers must start at strictly ascending
  ``min_quantity`` (two tiers starting at the same quantity overlap), and only a
  price per site, user or vehicle has tiers: a price per customer is bought once.
* ``mixed-units``: a product's quantity counts one unit, so its sized prices all
  count the same one (per customer prices may sit beside them).
* ``unsized-quantity``: a rule's quantity effect sizes the product's prices per
  site, user or vehicle; on a product priced only per customer it changes nothing.
  Two quantity effects of one rule on one product are ``contradictory-effects``,
  a quantity for an unknown product an ``unknown-reference``.
* ``overlapping-prices`` and ``price-gap``: prices over time (``period_checks.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Issue, Said, did_you_mean, what_said
from .period_checks import price_periods
from .schema import ProductsFile, RulesFile
from .yamlpos import Document


def check_prices(products: ProductsFile, doc: Document) -> Iterator[Issue]:
    for i, product in enumerate(products.products):
        units: dict[str, int] = {}
        for j, price in enumerate(product.prices):
            at: tuple[str | int, ...] = ("products", i, "prices", j)
            if price.per != "customer":
                units.setdefault(price.per, j)
            if price.tiers and price.per == "customer":
                yield doc.issue(at + ("tiers",), "bad-tiers", Said("bad-tiers.per-customer", product=product.id),
                                Said("hint.bad-tiers.per-customer"))
            for k in range(1, len(price.tiers)):
                low, high = price.tiers[k - 1].min_quantity, price.tiers[k].min_quantity
                if high <= low:
                    yield doc.issue(at + ("tiers", k, "min_quantity"), "bad-tiers",
                                    Said("bad-tiers.order", n=k + 1, product=product.id, high=high, low=low),
                                    Said("hint.bad-tiers.order"))
        yield from price_periods(product, i, doc)
        if len(units) > 1:
            (first, _), (second, j) = sorted(units.items(), key=lambda u: u[1])[:2]
            yield doc.issue(("products", i, "prices", j, "per"), "mixed-units",
                            Said("mixed-units.product", product=product.id, first=what_said("per " + first),
                                 second=what_said("per " + second)),
                            Said("hint.mixed-units", first=what_said("per " + first)))


def check_quantities(rules: RulesFile, products: ProductsFile | None, doc: Document) -> Iterator[Issue]:
    by_id = {p.id: p for p in products.products} if products is not None else None
    for i, rule in enumerate(rules.rules):
        seen: dict[str, str] = {}
        for j, effect in enumerate(rule.then):
            q = effect.quantity
            if q is None:
                continue
            at: tuple[str | int, ...] = ("rules", i, "then", j, "quantity")
            if q.product in seen and seen[q.product] != q.value:
                yield doc.issue(at, "contradictory-effects",
                                Said("contradictory-effects.quantities", rule=rule.id, product=q.product),
                                Said("hint.contradictory-effects.quantities"))
            seen[q.product] = q.value
            if by_id is None:
                continue
            product = by_id.get(q.product)
            if product is None:
                yield doc.issue(at + ("product",), "unknown-reference",
                                Said("unknown-reference.id", what=what_said("product"), value=q.product),
                                did_you_mean(q.product, by_id))
            elif all(p.per == "customer" for p in product.prices):
                yield doc.issue(at + ("product",), "unsized-quantity",
                                Said("unsized-quantity.rule", rule=rule.id, product=q.product),
                                Said("hint.unsized-quantity"))
