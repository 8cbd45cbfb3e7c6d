"""The account manager's brief: one page, in business Chinese or English, to read before the meeting.

It holds, in this order: the verdict on the customer in words, bundle 1 with one
line per product (why the customer needs it, and its sized price), the
alternatives and what sets each apart, the stated needs left open with their
remedy, the offers and benefits that apply, and the next steps (the deployment
phases). Rules, ids, scores and the products left out stay in the audit text
(``rationale_text(lang, detail=True)``, `recommender.detail`).

Every sentence comes from the message files (:mod:`recommender.messages`); names
come from the result. Amounts follow the language (:func:`messages.amount`).
"""

from __future__ import annotations

# amount and money live in messages (the result's sentences write money too); re-exported for the proposal
from .messages import amount as amount
from .messages import message
from .messages import money as money
from .result import Bundle, BundleProduct, Lang, Recommendation, Shown, renders
from .text import text_lines

_MAX_NEEDS = 3  # need names on a product's line; more are counted, not listed


@renders("brief")
def render_brief(rec: Recommendation, lang: Lang = "en") -> str:
    """The brief of ``rec`` in ``lang``: at most 40 lines for three bundles."""
    out = [message("brief.title", lang, customer=rec.customer_name), *verdict(rec, lang)]
    if rec.bundles:
        first = rec.bundles[0]
        out += ["", *_bundle(rec, first, lang)]
        if len(rec.bundles) > 1:
            out += ["", message("brief.alternatives", lang)]
            out += _items([alternative(first, b, lang) for b in rec.bundles[1:]], lang)
        if first.stated_gaps:
            out += ["", message("brief.gaps", lang), *_items(gaps(first, lang), lang)]
        offers = offer_lines(rec, first, lang)
        if offers:
            out += ["", message("brief.offers", lang), *_items(offers, lang)]
        steps = phases(first, lang)
        out += ["", message("brief.next_steps", lang)]
        out += [message("brief.numbered", lang, n=i, text=t) for i, t in enumerate(steps, start=1)] \
            if len(steps) > 1 else _items(steps, lang)
        if any(p.illustrative_price for p in first.products):
            out += ["", message("brief.reference_price", lang)]
    if rec.diagnosis is not None:  # what to relax, in words; the conflicting constraints' ids stay in --detail
        relax = rec.diagnosis.relaxations
        out += ["", message("brief.relax", lang) if relax else
                message("brief.no_bundle", lang, why=rec.diagnosis.text.get(lang))]
        out += [message("brief.item", lang, text=r.text.get(lang)) for r in relax]
    return text_lines(out) + "\n"


def _items(texts: list[str], lang: Lang) -> list[str]:
    return [message("brief.item", lang, text=t) for t in texts]


def gaps(bundle: Bundle, lang: Lang) -> list[str]:
    """The stated needs ``bundle`` leaves open, each with what it would take."""
    return [message("brief.gap", lang, need=name_of(g, lang), remedy=g.remedy.get(lang)) for g in bundle.stated_gaps]


def name_of(obj: Shown, lang: Lang) -> str:
    """The name of a result entry (a product, need, offer ...) in ``lang``."""
    return obj.name.get(lang)


def verdict(rec: Recommendation, lang: Lang) -> list[str]:
    """The customer in words: value type, class and lifecycle stage; then who serves it and how."""
    a = rec.assessment
    parts = [a.names[a.value_type].get(lang) if a.value_type in a.names else None,
             a.names[a.customer_class].get(lang) if a.customer_class in a.names else None,
             message(f"stage.{a.lifecycle.stage}", lang) if a.lifecycle.stage else None]
    sep = message("list.sep", lang)
    out = [message("brief.verdict", lang, verdict=sep.join(p for p in parts if p))]
    adv = rec.advice
    pairs = (("channel", "service_level"), ("strategy",), ("account_manager", "managing_level"))
    for kinds in pairs:
        shown = [message(f"advice.{k}", lang, name=name_of(c, lang)) for k in kinds
                 if (c := getattr(adv, k)) is not None]
        if shown:
            out.append(message("list.clauses", lang).join(shown))
    return out


def _bundle(rec: Recommendation, bundle: Bundle, lang: Lang) -> list[str]:
    out = [message("brief.bundle", lang, price=bundle_price(bundle, lang))]
    whys = reasons(rec, bundle, lang)
    out += [message("brief.product", lang, product=name_of(p, lang), why=whys[p.id], price=product_price(p, lang))
            for p in bundle.products]
    return out


def bundle_price(bundle: Bundle, lang: Lang) -> str:
    """The bundle's monthly charge, its one-time charges and the budget it keeps to, in words."""
    price = bundle.price
    total = money(price.recurring_monthly, lang, "money.month")
    if price.one_time:
        total = message("brief.price_both", lang, month=total, once=money(price.one_time, lang))
    if price.budget_monthly is not None:
        total = message("brief.with_budget", lang, price=total, budget=money(price.budget_monthly, lang))
    return total


def reasons(rec: Recommendation, bundle: Bundle, lang: Lang) -> dict[str, str]:
    """Product id -> why the customer needs it, in business words."""
    need_names = {n.id: (n.weight, name_of(n, lang)) for n in rec.needs}
    names = {p.id: name_of(p, lang) for p in bundle.products}
    return {p.id: _why(p, need_names, names, lang) for p in bundle.products}


def _why(p: BundleProduct, needs: dict[str, tuple[float, str]], products: dict[str, str], lang: Lang) -> str:
    """Why the customer needs ``p``: the needs it covers, heaviest first; else what brought it in."""
    covered = sorted({r.need for r in p.reasons if r.kind == "need" and r.need in needs},
                     key=lambda n: (-needs[n][0], n))
    sep = message("list.sep", lang)
    if covered:
        shown = sep.join(needs[n][1] for n in covered[:_MAX_NEEDS])
        if len(covered) > _MAX_NEEDS + 1:  # "and 1 more" would be no shorter than the name
            # Chinese counts them all (A、B、C等5项), English the rest (A, B, C and 2 more)
            shown = message("brief.and_more", lang, names=shown, total=len(covered), more=len(covered) - _MAX_NEEDS)
        return message("why.needs", lang, needs=shown)
    for r in p.reasons:
        if r.kind == "win_back":
            return message("why.win_back", lang)
        if r.kind in ("dependency", "add_on") and r.product in products:
            return message(f"why.{r.kind}", lang, product=products[r.product])
    rules = [r.text.get(lang) for r in p.reasons if r.kind == "rule"]
    return rules[0] if rules else message("why.fit", lang)


def product_price(p: BundleProduct, lang: Lang) -> str:
    """The product's sized price in the brief: monthly, one-time, or both; starred when illustrative."""
    star = "*" if p.illustrative_price else ""
    parts = []
    if p.recurring or not p.one_time:
        parts.append(money(p.recurring, lang, "money.month") + star)
    if p.one_time:
        parts.append(message("brief.once", lang, amount=money(p.one_time, lang)) + star)
    text = message("list.plus", lang).join(parts)
    count = quantity_text(p, lang)
    if count is not None:
        key = "brief.quantity_assumed" if p.quantity_assumed else "brief.quantity"
        text = message(key, lang, price=text, quantity=count)
    return text


def quantity_text(p: BundleProduct, lang: Lang) -> str | None:
    """How many units ``p`` is sized for (300个站点, 4 users); None for a product bought once per customer."""
    if p.per == "customer":
        return None
    one = ".one" if p.quantity == 1 else ""
    return message(f"quantity.{p.per}{one}", lang, n=f"{p.quantity:,}")


def price_cells(p: BundleProduct, lang: Lang) -> tuple[str, str]:
    """The monthly and one-time price in a table's cells: starred when illustrative, a dash when there is none."""
    star = "*" if p.illustrative_price else ""
    none = message("proposal.none", lang)
    return (money(p.recurring, lang, "money.month") + star if p.recurring else none,
            money(p.one_time, lang) + star if p.one_time else none)


def quantity_cell(p: BundleProduct, lang: Lang) -> str:
    """The quantity in a table's cell: a dash when bought once, flagged when the profile did not give the count."""
    count = quantity_text(p, lang)
    if count is None:
        return message("proposal.none", lang)
    return message("proposal.quantity_assumed", lang, quantity=count) if p.quantity_assumed else count


def alternative(first: Bundle, other: Bundle, lang: Lang) -> str:
    """What sets ``other`` apart from bundle 1: products swapped, price, stated needs won or lost."""
    sep = message("list.sep", lang)
    mine, theirs = {p.id: p for p in other.products}, {p.id: p for p in first.products}
    added = sep.join(name_of(mine[p], lang) for p in sorted(mine.keys() - theirs.keys()))
    dropped = sep.join(name_of(theirs[p], lang) for p in sorted(theirs.keys() - mine.keys()))
    parts = []
    if added and dropped:
        parts.append(message("diff.instead", lang, added=added, dropped=dropped))
    elif added or dropped:
        parts.append(message("diff.adds" if added else "diff.without", lang, products=added or dropped))
    for kind, delta in (("", other.price.recurring_monthly - first.price.recurring_monthly),
                        ("_once", other.price.one_time - first.price.one_time)):
        if delta := round(delta, 2):
            parts.append(message(f"diff.{'more' if delta > 0 else 'less'}{kind}", lang, amount=money(abs(delta), lang)))
    first_gaps = {g.need: name_of(g, lang) for g in first.stated_gaps}
    other_gaps = {g.need: name_of(g, lang) for g in other.stated_gaps}
    gained = [first_gaps[n] for n in sorted(first_gaps.keys() - other_gaps.keys())]
    lost = [other_gaps[n] for n in sorted(other_gaps.keys() - first_gaps.keys())]
    if gained:
        parts.append(message("diff.gains", lang, needs=sep.join(gained)))
    if lost:
        parts.append(message("diff.loses", lang, needs=sep.join(lost)))
    if not parts:
        parts.append(message("diff.same", lang))
    return message("brief.alternative", lang, rank=other.rank,
                   price=money(other.price.recurring_monthly, lang, "money.month"),
                   distinction=message("list.clauses", lang).join(parts))


def offer_lines(rec: Recommendation, bundle: Bundle, lang: Lang) -> list[str]:
    """The offers and tiers the customer and bundle 1 qualify for, their benefits, and bundle 1's discounts."""
    out = []
    sep = message("list.clauses", lang)
    for o in [*rec.advice.offers, *bundle.offers]:
        benefits = sep.join(b.get(lang) for b in o.benefits)
        key = "brief.offer_benefits" if benefits else "brief.offer"
        out.append(message(key, lang, offer=name_of(o, lang), benefits=benefits))
    names = {p.id: name_of(p, lang) for p in bundle.products}
    for d in bundle.discounts:
        key = "brief.discount_month" if d.priceType == "recurring" else "brief.discount_once"
        out.append(message(key, lang, product=names.get(d.product, d.product), percent=f"{d.percent:g}",
                           amount=money(d.amount, lang)))
    return out


def phases(bundle: Bundle, lang: Lang) -> list[str]:
    """The deployment phases of ``bundle``, one text each (one text when all deploy at once)."""
    names = {p.id: name_of(p, lang) for p in bundle.products}
    sep = message("list.sep", lang)
    if len(bundle.phases) == 1:
        return [message("brief.one_phase", lang, products=sep.join(names[p] for p in bundle.phases[0]))]
    return [message("brief.phase", lang, n=i + 1, products=sep.join(names[p] for p in layer))
            for i, layer in enumerate(bundle.phases)]
