"""Checks of the pricing and subsidy policy (seed 001 四.1, seed 002 3.3): what the seeds make checkable.

* Policy classes, handset types and business areas named by categories and
  products must exist (``unknown-reference``).
* ``discount-over-cap`` (warning): a product's policy class caps the discounts
  it may get (seed 002 3.3.1: 战略和成长性产品 little or no discount). A
  bundle-stage discount beyond the cap, or a volume tier that cuts the unit
  price by more, is flagged. A discount in a rule that also sets an offer tier
  is that package's term (the A8 129 tier's free broadband), not a discretionary
  discount, so the cap does not apply to it.
* ``subsidy-over-cap`` (error): a one-time discount on a handset beyond its
  type's subsidy cap (3G smartphones 80 %, other 3G 50 %, 2G none).
* ``too-many-tiers`` (warning): an offer with more tiers than the pricing
  policy allows (本地网主推套餐档次不超过10个).
* ``tariff-item`` (warning): a price described as a forbidden item (不设置“月租费”
  项目), or a product of a public-tariff category with more price items than
  allowed (资费项目一般不超过三项).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Issue, Said, did_you_mean, what_said
from .period_checks import charge
from .schema import Catalog, Framework, OffersFile, Product, ProductsFile, RulesFile, Text
from .yamlpos import Document

Docs = dict[str, Document]


def check_policy(fw: Framework | None, catalog: Catalog | None, products: ProductsFile | None,
                 rules: RulesFile | None, offers: OffersFile | None, docs: Docs) -> Iterator[Issue]:
    """Every pricing-policy check whose inputs validated."""
    if fw is None:
        return
    if catalog is not None and "catalog" in docs:
        yield from _category_classes(fw, catalog, docs["catalog"])
    if products is not None:
        yield from _product_refs(fw, products, docs["products"])
        if catalog is not None:
            yield from _price_items(fw, catalog, products, docs["products"])
            yield from _tier_caps(fw, catalog, products, docs["products"])
            if rules is not None:
                yield from _discount_caps(fw, catalog, products, rules, docs["rules"])
    if offers is not None and "offers" in docs:
        yield from _offer_tiers(fw, offers, docs["offers"])


def _class_ids(fw: Framework) -> set[str]:
    return {c.id for c in fw.policy_classes}


def _category_classes(fw: Framework, catalog: Catalog, doc: Document) -> Iterator[Issue]:
    known = {"policy_class": _class_ids(fw), "business_area": {a.id for a in fw.business_areas}}
    for i, category in enumerate(catalog.categories):
        for field, ids in known.items():
            name = getattr(category, field)
            if name is not None and name not in ids:
                yield doc.issue(("categories", i, field), "unknown-reference",
                                Said("unknown-reference.id", what=what_said(field), value=name),
                                did_you_mean(name, ids))


def _product_refs(fw: Framework, products: ProductsFile, doc: Document) -> Iterator[Issue]:
    known = {"policy_class": (_class_ids(fw), "policy_class"),
             "handset": ({t.id for t in fw.handset_types}, "handset_type"),
             "business_area": ({a.id for a in fw.business_areas}, "business_area")}
    for i, p in enumerate(products.products):
        for field, (ids, kind) in known.items():
            name = getattr(p, field)
            if name is not None and name not in ids:
                yield doc.issue(("products", i, field), "unknown-reference",
                                Said("unknown-reference.id", what=what_said(kind), value=name),
                                did_you_mean(name, ids))


def _cap(fw: Framework, catalog: Catalog, product: Product) -> tuple[Text, float] | None:
    """The product's policy class (its name) and its discount cap, if it has one."""
    by_category = {c.id: c.policy_class for c in catalog.categories}
    chosen = product.policy_class or by_category.get(product.category)
    cls = next((c for c in fw.policy_classes if c.id == chosen), None)
    return None if cls is None or cls.max_discount_percent is None else (cls.name, cls.max_discount_percent)


def _tier_caps(fw: Framework, catalog: Catalog, products: ProductsFile, doc: Document) -> Iterator[Issue]:
    for i, p in enumerate(products.products):
        cap = _cap(fw, catalog, p)
        if cap is None:
            continue
        for j, price in enumerate(p.prices):
            for k, tier in enumerate(price.tiers):
                cut = 100 * (1 - tier.amount / price.amount) if price.amount else 0
                if cut > cap[1] + 1e-9:
                    yield doc.issue(("products", i, "prices", j, "tiers", k, "amount"), "discount-over-cap",
                                    Said("discount-over-cap.tier", cut=f"{cut:g}", product=p.id, cap=f"{cap[1]:g}",
                                         policy_class=cap[0]),
                                    Said("hint.discount-over-cap.tier"), severity="warning")


def _discount_caps(fw: Framework, catalog: Catalog, products: ProductsFile, rules: RulesFile,
                   doc: Document) -> Iterator[Issue]:
    by_id = {p.id: p for p in products.products}
    handsets = {t.id: t for t in fw.handset_types}
    for i, rule in enumerate(rules.rules):
        package = any(e.offer is not None for e in rule.then)
        for j, effect in enumerate(rule.then):
            d = effect.discount
            product = by_id.get(d.product) if d is not None else None
            if d is None or product is None:
                continue
            at = ("rules", i, "then", j, "discount", "percent")
            handset = handsets.get(product.handset or "")
            if handset is not None and d.priceType == "one_time" and d.percent > handset.max_subsidy_percent:
                yield doc.issue(at, "subsidy-over-cap",
                                Said("subsidy-over-cap.rule", rule=rule.id, product=d.product, handset=handset.name,
                                     percent=f"{d.percent:g}", cap=f"{handset.max_subsidy_percent:g}"),
                                Said("hint.subsidy-over-cap", cap=f"{handset.max_subsidy_percent:g}"))
            cap = _cap(fw, catalog, product)
            if cap is not None and not package and d.percent > cap[1]:
                yield doc.issue(at, "discount-over-cap",
                                Said("discount-over-cap.rule", rule=rule.id, percent=f"{d.percent:g}",
                                     product=d.product, cap=f"{cap[1]:g}", policy_class=cap[0]),
                                Said("hint.discount-over-cap.rule"), severity="warning")


def _price_items(fw: Framework, catalog: Catalog, products: ProductsFile, doc: Document) -> Iterator[Issue]:
    policy = fw.pricing_policy
    public = {c.id for c in catalog.categories if c.public_tariff}
    for i, p in enumerate(products.products):
        for j, price in enumerate(p.prices):
            words = [w for w in policy.forbidden_price_items if price.description and
                     any(w.lower() in text.lower() for text in price.description.root.values())]
            if words:
                yield doc.issue(("products", i, "prices", j, "description"), "tariff-item",
                                Said("tariff-item.word", product=p.id, word=words[0]), Said("hint.tariff-item.word"),
                                severity="warning")
        limit = policy.max_public_price_items
        items = len({charge(x) for x in p.prices})  # a price change over time (validFor) is still one item
        if limit is not None and p.category in public and items > limit:
            yield doc.issue(("products", i, "prices"), "tariff-item",
                            Said("tariff-item.count", product=p.id, items=items, limit=limit),
                            Said("hint.tariff-item.count"), severity="warning")


def _offer_tiers(fw: Framework, offers: OffersFile, doc: Document) -> Iterator[Issue]:
    limit = fw.pricing_policy.max_offer_tiers
    for i, offer in enumerate(offers.offers):
        if limit is not None and len(offer.tiers) > limit:
            yield doc.issue(("offers", i, "tiers"), "too-many-tiers",
                            Said("too-many-tiers.offer", offer=offer.id, tiers=len(offer.tiers), limit=limit),
                            Said("hint.too-many-tiers"), severity="warning")
