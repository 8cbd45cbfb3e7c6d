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

from ..errors import Issue, did_you_mean
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
                yield doc.issue(at + ("tiers",), "bad-tiers",
                                f"{product.id!r} has volume tiers on a price per customer, which is bought once",
                                "write per: site, user or vehicle on this price, or remove the tiers")
            for k in range(1, len(price.tiers)):
                low, high = price.tiers[k - 1].min_quantity, price.tiers[k].min_quantity
                if high <= low:
                    yield doc.issue(at + ("tiers", k, "min_quantity"), "bad-tiers",
                                    f"tier {k + 1} of {product.id!r} starts at {high}, not above the tier before it "
                                    f"({low}): tiers overlap or are out of order",
                                    "list tiers by ascending min_quantity, each starting higher than the one before")
        yield from price_periods(product, i, doc)
        if len(units) > 1:
            (first, _), (second, j) = sorted(units.items(), key=lambda u: u[1])[:2]
            yield doc.issue(("products", i, "prices", j, "per"), "mixed-units",
                            f"{product.id!r} is priced per {first} and per {second}; its quantity counts one unit",
                            f"price it per {first} (and per customer for charges paid once), or split the product")


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
                                f"rule {rule.id!r} sets two quantities of {q.product!r}",
                                "a rule sets each product's quantity once")
            seen[q.product] = q.value
            if by_id is None:
                continue
            product = by_id.get(q.product)
            if product is None:
                yield doc.issue(at + ("product",), "unknown-reference", f"unknown product {q.product!r}",
                                did_you_mean(q.product, by_id))
            elif all(p.per == "customer" for p in product.prices):
                yield doc.issue(at + ("product",), "unsized-quantity",
                                f"rule {rule.id!r} sets a quantity of {q.product!r}, which is priced per customer "
                                "only, so the quantity changes nothing",
                                "write per: site, user or vehicle on the prices that grow with the quantity")
