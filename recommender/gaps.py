"""What it would take to cover a stated need a bundle leaves open, and what sets a bundle apart.

Stated needs come first in the ranking, so a stated need a bundle leaves open
means no bundle within the hard constraints covers it (for bundle 1) or the
alternative chose another way. The account manager is told what would change
that: the monthly budget that would fit the cheapest product covering it, or the
exclusion, conflict or policy that blocks every product that could.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

from .bundling import Constraints, Exclusion, added_price, covered_by, covers
from .engine import Evaluation
from .knowledge.base import KnowledgeBase
from .knowledge.schema import Text
from .messages import listed, priced, text
from .remembered import remembered
from .result import Bundle, BundleProduct, NeedGap
from .vocabulary import STATED

# Left-out reasons that a bigger budget would not cure.
_BLOCKING = ("rule_exclusion", "customer_excluded", "retired", "out_of_period", "portfolio", "ineligible",
             "conflict", "dependency_unavailable")


def needs_met(kb: KnowledgeBase, pid: str) -> frozenset[str]:
    """The framework's needs ``pid`` covers: looked up for every product of every bundle."""
    product = kb.products[pid]
    return remembered(kb, ("needs met", id(product)), product, lambda: frozenset(
        need for need in kb.need_module if covers(product, need)))


def covered_needs(kb: KnowledgeBase, needs: Iterable[str], present: frozenset[str]) -> list[str]:
    """The ``needs`` that the products ``present`` cover, in order.

    A bundle covers a need when one of its products does (coverage is a product listing an item of the need),
    so the framework's needs each product meets say it without matching items again.
    """
    met = frozenset().union(*(needs_met(kb, pid) for pid in present))
    items: frozenset[str] | None = None
    covered = []
    for need in needs:
        if need in met:
            covered.append(need)
        elif need not in kb.need_module:  # not the framework's: match its items
            items = items if items is not None else frozenset(i for p in present for i in kb.products[p].need_items)
            if covered_by(need, items):
                covered.append(need)
    return covered


def stated_gaps(kb: KnowledgeBase, ev: Evaluation, products: frozenset[str], cons: Constraints,
                left_out: Mapping[str, Exclusion]) -> list[NeedGap]:
    """Each stated need ``products`` (with what the customer owns) leaves open, with its remedy."""
    present = products | (cons.owned & kb.products.keys())
    stated = [need for need, sources in ev.need_sources.items() if STATED in sources]
    covered = set(covered_needs(kb, stated, present))
    gaps = []
    for need in stated:
        if need in covered:
            continue
        name = kb.names[need]
        gaps.append(NeedGap(need=need, name=name.name,
                            remedy=_remedy(kb, need, present, cons, left_out)))
    return gaps


def _remedy(kb: KnowledgeBase, need: str, present: frozenset[str], cons: Constraints,
            left_out: Mapping[str, Exclusion]) -> Text:
    candidates = [p for p in _covering(kb, need) if p not in present]
    open_ = [p for p in candidates if p not in left_out or left_out[p].reason not in _BLOCKING]
    clashing = [p for p in open_ if kb.graph.clashes(p) & present]
    fitting = [p for p in open_ if p not in clashing]
    if fitting:
        cost = {p: added_price(kb, p, present, cons) for p in fitting}
        pid = min(fitting, key=lambda p: (cost[p].recurring, cost[p].one_time, p))
        extra = cost[pid].recurring
        prices = cons.prices(kb)
        spend = sum(prices.product(p).recurring for p in sorted(present - cons.owned)) + extra
        if cons.budget is not None and spend > cons.budget + 1e-9:
            return text("gap.raise_budget", budget=priced(spend), product=partial(kb.name, pid),
                        month=priced(extra, "money.month"))
        return text("gap.other_way", product=partial(kb.name, pid), month=priced(extra, "money.month"))
    if clashing:
        pid = clashing[0]
        other = sorted(kb.graph.clashes(pid) & present)[0]
        return text("gap.clash", product=partial(kb.name, pid), other=partial(kb.name, other))
    if candidates:
        pid = candidates[0]
        return text("gap.blocked", product=partial(kb.name, pid), why=left_out[pid].text)
    return text("gap.no_product")


def _covering(kb: KnowledgeBase, need: str) -> tuple[str, ...]:
    """The catalog's products covering ``need``, sorted: a remedy looks them up, whatever the catalog's size."""
    # the need's index holds every product covering it (and a few that do not): not the whole catalog
    return remembered(kb, ("covering", id(kb.products), need), kb.products, lambda: tuple(
        sorted(p for p in kb.needs_covering.get(need, kb.products.keys()) if covers(kb.products[p], need))))


def distinction(first: Bundle, other: Bundle) -> Text:
    """One line on what sets ``other`` apart from bundle 1 (or what bundle 1 is)."""
    if other.rank == first.rank:
        return text("distinction.first" if not first.stated_gaps else "distinction.first_most")
    mine, theirs = {p.id: p for p in other.products}, {p.id: p for p in first.products}
    added = [mine[p] for p in sorted(mine.keys() - theirs.keys())]
    dropped = [theirs[p] for p in sorted(theirs.keys() - mine.keys())]
    delta = round(other.price.recurring_monthly - first.price.recurring_monthly, 2)
    parts = []
    if added and dropped:
        parts.append(text("distinction.instead", added=_names(added), dropped=_names(dropped)))
    elif added or dropped:
        parts.append(text("distinction.adds" if added else "distinction.without", products=_names(added or dropped)))
    if delta:
        parts.append(text("diff.more" if delta > 0 else "diff.less", amount=priced(abs(delta))))
    for key, mine_gaps, theirs_gaps in (("gains", first.stated_gaps, other.stated_gaps),
                                        ("loses", other.stated_gaps, first.stated_gaps)):
        names = {g.need: g for g in mine_gaps}
        needs = [names[n] for n in sorted(names.keys() - {g.need for g in theirs_gaps})]
        if needs:
            parts.append(text(f"distinction.{key}", needs=_names(needs)))
    return text("distinction.compared", parts=listed(parts, _in, "list.clauses"))


def _names(entries: Sequence[BundleProduct | NeedGap]) -> Callable[[str], str]:
    """The entries' names, listed as each language lists them."""
    return listed([e.name for e in entries], _in)


def _in(written: Text, lang: str) -> str:
    # a module's function, not a lambda: a list it names is remembered with its sentence (messages.text)
    return written.get(lang)
