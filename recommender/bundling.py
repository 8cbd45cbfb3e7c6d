"""Candidate products and the search for the k best bundles.

A *seed* is a sellable product that covers at least one of the customer's needs.
A bundle is a set of seeds closed under ``requires`` (owned products satisfy a
requirement and are never sold again), with no excluded pair (also against
owned products) and a recurring price within the budget. Every product the
search considered and left out keeps a reason for the rationale.

The search is branch and bound over irredundant seed sets with the bound from
:func:`ranking.upper_bound`, so the best bundle is optimal under the utility;
if the seed list or the node count grows past fixed limits, the search keeps a
shortlist of seeds / stops early and says it is no longer exact.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import NamedTuple

from .engine import Evaluation
from .knowledge.base import KnowledgeBase, lineage
from .knowledge.schema import Product, Text
from .messages import listed, text
from .pricing import Charge, OneTimeBudget, Pricing, budget_caps, over_budget, within_budget
from .profile import CustomerProfile
from .ranking import (
    COMPONENTS,
    NEUTRAL_FIT,
    STAGE_SCORE,
    Aggregate,
    Context,
    Item,
    Key,
    Parts,
    Pool,
    components,
    lifecycle_capable,
    rank_key,
    unit_price,
    upper_bound,
)
from .result import CustomerAssessment, LeftOutReason
from .validity import off_sale
from .vocabulary import CASH_COW, DOG, QUESTION_MARK, RETAIN, STAR, STATED
from .winback import WIN_BACK

EXACT_SEEDS = 32  # up to this many seeds the search is exhaustive
PER_UNIT = 3  # past it, each need unit keeps its best few products
MAX_NODES = 200_000
ALTERNATIVE_NODES = 5_000  # alternatives need not be optimal: a smaller budget keeps top_k cheap
KEPT_NODES = 20_000  # search nodes kept for the later passes: they walk at most ALTERNATIVE_NODES each
MAX_OVERLAP = 0.5  # an alternative shares at most this share of its products with each bundle before it


@dataclass(frozen=True)
class Constraints:
    """The customer's hard constraints; the why-not diagnosis relaxes them one by one.

    ``budget`` caps the sized recurring charges of a bundle (yuan per month),
    ``budget_one_time`` its sized one-time charges; ``pricing`` sizes every price
    for this customer (:mod:`pricing`; without it every product is priced for one unit).
    """

    budget: float | None
    excluded: frozenset[str]
    owned: frozenset[str]
    budget_one_time: OneTimeBudget | None = None
    pricing: Pricing | None = field(default=None, compare=False)

    def prices(self, kb: KnowledgeBase) -> Pricing:
        """The sized prices these constraints apply to."""
        return self.pricing if self.pricing is not None else Pricing(kb)

    def caps(self) -> tuple[float, float]:
        """The highest monthly and one-time totals a bundle may cost (see :func:`pricing.budget_caps`)."""
        return budget_caps(self.budget, self.budget_one_time)


@dataclass(frozen=True)
class Exclusion:
    """Why a product is left out. ``says`` is its sentence, or what writes it when asked: a big catalog
    leaves thousands of products out, and most are only counted (:mod:`recommender.left_out`)."""

    reason: LeftOutReason
    says: Text | Callable[[], Text]
    rule: str | None = None

    @property
    def text(self) -> Text:
        return self.says if isinstance(self.says, Text) else self.says()


@dataclass(frozen=True)
class Found:
    products: frozenset[str]
    parts: dict[str, float]
    score: float
    stated: float  # share of the stated need weight covered


def covers(product: Product, need: str) -> bool:
    """An item need is covered by products listing it; a module need by products listing any of its items."""
    return covered_by(need, product.need_items)


def covered_by(need: str, items: Collection[str]) -> bool:
    """Whether a product (or bundle) listing the need items ``items`` covers ``need``.

    A module or a coarse item is covered by any item under it; a sub-item also by its
    coarse item listed whole (``office.meeting`` covers ``office.meeting.notice``).
    """
    return _covered_by(need, frozenset(items))


@lru_cache(maxsize=4096)
def _covered_by(need: str, items: frozenset[str]) -> bool:
    # memoised: the same few (need, product items) pairs come back for every customer and bundle
    if need in items or any(item.startswith(need + ".") for item in items):
        return True
    parts = need.split(".")
    return any(".".join(parts[:k]) in items for k in range(2, len(parts)))


def added_price(kb: KnowledgeBase, pid: str, present: Collection[str] = (), cons: Constraints | None = None) -> Charge:
    """Sized monthly and one-time price of ``pid`` with what it requires, less what is already ``present``."""
    prices = cons.prices(kb) if cons is not None else Pricing(kb)
    if not kb.graph.required_by(pid) and pid not in present:  # most products require nothing: their own price
        own = prices.product(pid)
        return Charge(own.recurring, own.one_time)
    return prices.added(pid, present)


Unit = tuple[str, str, float]  # (need, need item, weight)


def need_units(kb: KnowledgeBase, ev: Evaluation) -> list[Unit]:
    """What coverage is scored on: a finest item need is one unit; a module or a coarse item
    (``office.meeting``) spreads its weight over its finest items (the sub-items of seed 004's
    tables), so a product covering more of them covers more.

    When the rules inferred items under that need for this customer (a logistics firm's
    field force within production), the need spreads over those items only:
    they say what the module means for this customer.
    """
    units: list[Unit] = []
    for need, weight in ev.needs.items():
        leaves = kb.leaves(need)
        items = [leaf for leaf in leaves
                 if any(n in ev.needs for n in lineage(leaf) if n != need)] or list(leaves)
        units += [(need, item, weight / len(items)) for item in items]
    return units


def ineligibility(product: Product, profile: CustomerProfile, assessment: CustomerAssessment) -> Text | None:
    """Why the customer may not buy ``product``, or None."""
    barrier = _barrier(product, profile, assessment)
    return None if barrier is None else barrier()


def _barrier(product: Product, profile: CustomerProfile,
             assessment: CustomerAssessment) -> Callable[[], Text] | None:
    """What writes why the customer may not buy ``product``, or None: the sentence is written only if shown."""
    e = product.eligibility
    if e.min_employees is not None and profile.employees < e.min_employees:
        return partial(text, "eligible.min_employees", n=e.min_employees)
    if e.max_employees is not None and profile.employees > e.max_employees:
        return partial(text, "eligible.max_employees", n=e.max_employees)
    if e.max_users is not None and profile.mobile_users is not None and profile.mobile_users > e.max_users:
        return partial(text, "eligible.max_users", n=e.max_users, users=profile.mobile_users)
    # the Chinese sentence names no ids; the English one lists the ones allowed
    if e.industries is not None and profile.industry not in e.industries:
        return partial(text, "eligible.industries", ids=", ".join(e.industries))
    if e.value_types is not None and assessment.value_type not in e.value_types:
        return partial(text, "eligible.value_types", ids=", ".join(e.value_types))
    if e.segments is not None and profile.segment not in e.segments:
        return partial(text, "eligible.segments", ids=", ".join(e.segments))
    return None


def classify(kb: KnowledgeBase, profile: CustomerProfile, assessment: CustomerAssessment,
             ev: Evaluation, cons: Constraints) -> tuple[list[str], dict[str, Exclusion]]:
    """Split the considered products into seeds and left-out ones with a reason.

    Considered are the products that cover one of the customer's need items or
    that a rule proposed; a seed must also be sellable to this customer with
    everything it requires, and fit the budget on its own.
    """
    graph = kb.graph
    wanted = frozenset(item for _, item, _ in need_units(kb, ev))
    considered = sorted(set(ev.proposals).union(*(kb.products_by_item.get(item, ()) for item in wanted)))
    blocked: dict[str, Exclusion | None] = {}

    def block(pid: str) -> Exclusion | None:
        if pid not in blocked:
            blocked[pid] = hard_reason(pid, kb.products[pid], kb, profile, assessment, ev, cons)
        return blocked[pid]

    for pid in _only_ways(kb, ev, cons, block):  # the policy yields; every other reason still holds
        blocked[pid] = hard_reason(pid, kb.products[pid], kb, profile, assessment, ev, cons, policy=False)

    seeds: list[str] = []
    left_out: dict[str, Exclusion] = {}
    serving: dict[frozenset[str], bool] = {}  # by need items: a big catalog's variants of a product share them
    for pid in considered:
        items = kb.need_item_sets[pid]
        serves = serving.get(items)
        if serves is None:
            serves = serving[items] = any(covered_by(item, items) for item in wanted)
        if pid in cons.owned:
            if serves:
                left_out[pid] = Exclusion("already_owned", text("left_out.already_owned"))
            continue
        reason = block(pid)
        if reason is not None:
            left_out[pid] = reason
            continue
        if not serves:
            left_out[pid] = Exclusion("no_need", text("left_out.no_need"))
            continue
        needed = graph.required_by(pid)
        bad = next((d for d in sorted(needed - cons.owned) if block(d) is not None), None) if needed else None
        if bad is not None:
            why = block(bad)
            assert why is not None
            left_out[pid] = Exclusion("dependency_unavailable", partial(_unavailable, kb, bad, why))
            continue
        charge = added_price(kb, pid, cons.owned, cons)
        if not within_budget(charge.recurring, charge.one_time, cons.budget, cons.budget_one_time):
            left_out[pid] = Exclusion("over_budget", partial(_over, charge, cons, Charge()))
            continue
        seeds.append(pid)
    return seeds, left_out


def _unavailable(kb: KnowledgeBase, dependency: str, why: Exclusion) -> Text:
    return text("left_out.dependency_unavailable", product=partial(kb.name, dependency), why=why.text)


def _over(charge: Charge, cons: Constraints, spent: Charge) -> Text:
    """The sentence for a charge that, with ``spent``, breaks one of the budgets (the caller has checked it does)."""
    why = over_budget(charge, cons.budget, cons.budget_one_time, spent)
    assert why is not None
    return why


def portfolio_reason(kb: KnowledgeBase, pid: str, ev: Evaluation) -> Exclusion | None:
    """Why the catalog's portfolio policy (seed 001) keeps ``pid`` out, or None."""
    product, policy = kb.products[pid], kb.catalog.portfolio_policy
    if product.portfolio == DOG and policy.dog == "exclude":
        return Exclusion("portfolio", text("left_out.dog"))
    if product.portfolio == QUESTION_MARK and policy.question_mark == "with_reason" and pid not in ev.proposals:
        return Exclusion("portfolio", text("left_out.question_mark"))
    return None


def _only_ways(kb: KnowledgeBase, ev: Evaluation, cons: Constraints,
               block: Callable[[str], Exclusion | None]) -> set[str]:
    """Products the portfolio policy alone keeps out that are the only way to cover a stated need.

    The policy steers the portfolio; it must not leave a need the customer stated
    open when nothing else covers it (the account manager is told, see ``portfolio_reason``).
    """
    out: set[str] = set()
    for need, item, _ in need_units(kb, ev):
        if STATED not in ev.need_sources.get(need, ()):
            continue
        covering = kb.products_by_item.get(item, ())
        if any(p in cons.owned or block(p) is None for p in covering):
            continue
        out.update(p for p in covering if (reason := block(p)) is not None and reason.reason == "portfolio")
    return out


def hard_reason(pid: str, product: Product, kb: KnowledgeBase, profile: CustomerProfile,
                assessment: CustomerAssessment, ev: Evaluation, cons: Constraints,
                policy: bool = True) -> Exclusion | None:
    """Why ``pid`` cannot be sold to this customer at all (budget aside), or None; ``policy=False``
    skips the portfolio policy, for the only way to a stated need."""
    if pid in cons.excluded:
        return Exclusion("customer_excluded", text("left_out.customer_excluded"))
    if pid in ev.exclusions:
        rule, because = ev.exclusions[pid][0]
        return Exclusion("rule_exclusion", because, rule)
    if pid in kb.unsellable:  # the view's index: off_sale and the status are asked only of these few
        off = off_sale(product)  # outside its validFor on the day of the recommendation
        if off is not None:
            return Exclusion("out_of_period", off)
        return Exclusion("retired", partial(text, "left_out.retired", status=product.lifecycleStatus))
    policy_reason = portfolio_reason(kb, pid, ev) if policy else None
    if policy_reason is not None:
        return policy_reason
    barrier = _barrier(product, profile, assessment)
    if barrier is not None:
        return Exclusion("ineligible", barrier)
    clashing = kb.graph.excludes_of.get(pid)
    if clashing and not clashing.isdisjoint(cons.owned):
        return Exclusion("conflict", partial(_owned_conflict, kb, pid, min(clashing & cons.owned)))
    return None


def _owned_conflict(kb: KnowledgeBase, pid: str, owned: str) -> Text:
    why = kb.graph.exclusion_reason(pid, owned)
    assert why is not None
    return text("left_out.owned_conflict", product=partial(kb.name, owned), why=why)


def bundle_exclusion(kb: KnowledgeBase, ev: Evaluation, pid: str, found: Found, cons: Constraints,
                     spent: Charge, uncovered: list[str]) -> Exclusion | None:
    """Why the usable product ``pid`` (a seed) is not in the bundle ``found``; None for a mere alternative.

    Alternatives for needs the bundle already covers are not listed unless a
    rule proposed them: the list stays about what an account manager may ask.
    ``spent`` is the bundle's price, ``uncovered`` the needs it leaves open.
    """
    if not kb.graph.clashes(pid).isdisjoint(found.products):
        return Exclusion("conflict", partial(_bundle_conflict, kb, pid, found, cons))
    # its own price is a floor for what it adds (prices are never negative): past the budget on it, no need
    # to price what it requires less what the bundle holds
    own = cons.prices(kb).product(pid)
    if within_budget(spent.recurring + own.recurring, spent.one_time + own.one_time, cons.budget,
                     cons.budget_one_time):
        charge = added_price(kb, pid, found.products | cons.owned, cons)
        if within_budget(spent.recurring + charge.recurring, spent.one_time + charge.one_time, cons.budget,
                         cons.budget_one_time):
            items = kb.need_item_sets[pid]
            would_add = [n for n in uncovered if _covered_by(n, items)]
            if would_add:
                return Exclusion("not_chosen", partial(text, "left_out.not_chosen", needs=listed(would_add, kb.name)))
            if pid in ev.proposals:
                return Exclusion("not_chosen", text("left_out.not_chosen_proposed"))
            return None
    return Exclusion("over_budget", partial(_bundle_over, kb, pid, found, cons, spent))


def _bundle_conflict(kb: KnowledgeBase, pid: str, found: Found, cons: Constraints) -> Text:
    graph = kb.graph
    added = ({pid} | graph.required_by(pid)) - found.products - cons.owned
    a, other = min((a, b) for a in added for b in graph.excludes_of[a] & found.products)
    why = graph.exclusion_reason(a, other)
    assert why is not None
    return text("left_out.conflict", product=partial(kb.name, other), why=why)


def _bundle_over(kb: KnowledgeBase, pid: str, found: Found, cons: Constraints, spent: Charge) -> Text:
    return _over(added_price(kb, pid, found.products | cons.owned, cons), cons, spent)


@dataclass(frozen=True)
class Searched:
    """The bundles a search found, best first, and how sure it is that the first is the best."""

    bundles: list[Found]
    exact: bool
    gap: tuple[float, float] | None  # (stated share, score) the optimum may exceed bundle 1 by; None when exact


def jaccard(a: int, b: int) -> float:
    """Overlap of two bundles given as product bit masks."""
    union = a | b
    return (a & b).bit_count() / union.bit_count() if union else 1.0


def search(kb: KnowledgeBase, ev: Evaluation, cons: Constraints, seeds: list[str], top_k: int,
           strategy: str | None) -> Searched:
    """Bundle 1, the best under :func:`ranking.rank_key`, then ``top_k - 1`` real alternatives.

    Bundles are generated by *irredundant* seed sets: each chosen seed covers a
    need that neither the other seeds, their dependencies nor owned products
    cover. That keeps every product explainable ("the only one covering X") and
    bounds the search depth by the number of needs. Branch and bound with
    :func:`ranking.upper_bound` then skips subtrees that cannot beat the best.

    Each alternative is the best bundle that shares at most ``MAX_OVERLAP`` of
    its products with every bundle before it (Jaccard), so the alternatives are
    other ways to meet the needs rather than bundle 1 minus a product; when no
    such bundle exists, the next best distinct one.

    Up to ``EXACT_SEEDS`` seeds the search is exhaustive, so bundle 1 is optimal.
    Past that it searches a shortlist (:func:`_shortlist`), or stops after
    ``MAX_NODES``, and reports ``exact=False`` with a bound on the gap.
    """
    space, universe, items, units, whole, exact = _problem(kb, ev, cons, seeds, strategy)
    ctx = space.ctx
    first = space.best(None, MAX_NODES)
    exact = exact and not space.stopped
    chosen: list[tuple[int, Key, Parts]] = [first] if first else []
    taken: list[int] = [first[0]] if first else []
    # The need units the alternatives must meet another way: the stated ones (or every unit when none is stated).
    ways = ctx.stated or (1 << len(units)) - 1
    covered: dict[int, int] = {}  # need units a product mask covers, memoised: the passes ask for the same masks

    def covers_of(m: int) -> int:
        if m not in covered:
            covered[m] = _sum_covers([items[b] for b in _bits(m)])
        return covered[m]

    def another_way(m: int) -> bool:
        # some such unit m covers only with products it does not share with t
        return all(jaccard(m, t) <= MAX_OVERLAP and covers_of(m) & ~covers_of(m & t) & ways for t in taken)

    while first and len(chosen) < top_k:
        best = None
        for admissible in (another_way, lambda m: all(jaccard(m, t) <= MAX_OVERLAP for t in taken), None):
            best = space.best(lambda m: m not in taken and (admissible is None or admissible(m)),  # noqa: B023
                              ALTERNATIVE_NODES)
            if best is not None:
                break
        if best is None:
            break
        chosen.append(best)
        taken.append(best[0])
    gap = None
    if not exact and chosen:
        bound = upper_bound(Aggregate(), whole, ctx)
        gap = (round(max(0.0, bound[0] - chosen[0][1][0]), 6), round(max(0.0, bound[1] - chosen[0][1][1]), 6))
    return Searched([Found(frozenset(universe[b] for b in _bits(mask)), dict(zip(COMPONENTS, parts, strict=True)),
                           key[1], key[0]) for mask, key, parts in chosen], exact, gap)


class _Problem(NamedTuple):
    """What :func:`search` searches: the seeds' space, best seed first, and what it reports from."""

    space: _Space
    universe: list[str]  # the products by bit
    items: list[Item]  # by bit
    units: list[Unit]
    whole: Pool  # what every seed can add, for the gap bound
    exhaustive: bool  # every seed is in the space (no shortlist)


def _problem(kb: KnowledgeBase, ev: Evaluation, cons: Constraints, seeds: list[str],
             strategy: str | None) -> _Problem:
    graph = kb.graph
    universe = sorted(set(seeds).union(*(graph.required_by(s) for s in seeds)) - cons.owned)
    owned = sorted(cons.owned & kb.products.keys())
    index = {pid: i for i, pid in enumerate(universe + owned)}
    units = need_units(kb, ev)
    unit_items = _unit_items(units)
    items = [_item(kb, pid, ev, unit_items, index, cons) for pid in universe]
    ctx = _context(kb, ev, units, cons, strategy, index, owned)
    n_universe = len(universe)
    closure = [sum(1 << index[p] for p in ({s} | graph.required_by(s)) - cons.owned) for s in seeds]
    # each product's own exclusions, not every pair of the catalog: a big catalog has thousands
    conflicts = [sum(1 << index[o] for o in graph.excludes_of[pid] if index.get(o, n_universe) < n_universe)
                 for pid in universe]
    closure_items = [[items[b] for b in _bits(m)] for m in closure]
    # Each seed alone (with what it requires) ranked: the search visits the best
    # first, so good bundles are found early and prune more.
    single = [rank_key(components(c, closure[j], ctx), _sum_covers(c), ctx) for j, c in enumerate(closure_items)]
    order = sorted(range(len(seeds)), key=lambda j: (-single[j][0], -single[j][1], seeds[j]))
    whole = _whole(closure_items, strategy)  # everything, for the gap bound
    if len(seeds) > EXACT_SEEDS:
        order = _shortlist(order, [items[index[s]].covers for s in seeds], len(units))
    space = _Space(ctx, items, [closure[j] for j in order], [closure_items[j] for j in order],
                   [items[index[seeds[j]]].covers for j in order], conflicts,
                   cons.caps(), [items[index[seeds[j]]] for j in order])
    return _Problem(space, universe, items, units, whole, len(seeds) <= EXACT_SEEDS)


def _whole(closure_items: list[list[Item]], strategy: str | None) -> Pool:
    """What all the seeds could add between them, for the gap bound (no limit on the products)."""
    pulled = [x for c in closure_items for x in c]
    return Pool(covers=_sum_covers(pulled), fit=max([0.0] + [x.fit for x in pulled]),
                stage=max([0.0] + [x.stage for x in pulled]), modules=_or(x.modules for x in pulled),
                capable=sum(lifecycle_capable(x, strategy) for x in pulled))


class _Node:
    """A bundle the search reached: seeds ``chosen`` (positions) with their closures, and its figures.

    Every pass of :meth:`_Space.best` walks the same tree in the same order; only what is
    admissible and the best key so far differ. So each node's figures (and which extensions
    are possible at all) are worked out once and kept for the later passes.
    """

    __slots__ = ("chosen", "mask", "agg", "conflict", "recurring", "once", "twice", "irredundant", "kids", "_key",
                 "_bound", "_reach")

    def __init__(self, chosen: tuple[int, ...], mask: int, agg: Aggregate, conflict: int, recurring: float,
                 once: float, twice: int, irredundant: bool):
        self.chosen, self.mask, self.agg, self.conflict = chosen, mask, agg, conflict
        self.recurring, self.once = recurring, once
        self.twice = twice  # need units two or more of the seeds' closures cover (agg.covers: at least one)
        self.irredundant = irredundant
        self.kids: list[tuple[int, _Node]] | None = None  # (seed position, node) for the seeds that can extend it
        self._key: tuple[Key, Parts] | None = None
        self._bound: Key | None = None  # on the subtree, as its parent's kid
        self._reach: Key | None = None  # on the subtree, from its own kids


class _Space:
    """The irredundant bundles over a list of seeds, searched by branch and bound."""

    def __init__(self, ctx: Context, items: list[Item], closure: list[int], closure_items: list[list[Item]],
                 own_cover: list[int], conflicts: list[int], caps: tuple[float, float],
                 seed_items: list[Item]):
        self.ctx, self.items, self.closure, self.closure_items = ctx, items, closure, closure_items
        self.own_cover, self.conflicts = own_cover, conflicts
        self.cap, self.cap_once = caps  # compared against directly: the search asks for every node
        self.closure_cover = [_sum_covers(c) for c in closure_items]
        self.seed_pool = [_seed_pool(c, ctx.strategy, m, x)
                          for c, m, x in zip(closure_items, closure, seed_items, strict=True)]
        self.stopped = False
        self.whole = [self._adding(m) for m in closure]
        self.kept = 0  # nodes kept so far (see KEPT_NODES)
        self.root = _Node((), 0, Aggregate(), 0, 0.0, 0.0, 0, True)  # no seed, none redundant

    def _kid(self, node: _Node, i: int) -> _Node | None:
        """``node`` with seed ``i`` added, or None when that conflicts or breaks the budget."""
        ctx, own_cover, agg = self.ctx, self.own_cover, node.agg
        new = self.closure[i] & ~node.mask
        if new & node.conflict:
            return None
        # most closures share no product with the bundle: their sums are the seed's own, precomputed
        added, add_conflict, recurring, once = (self.whole[i] if new == self.closure[i]
                                                 else self._adding(new))
        merged = node.mask | new
        price = node.recurring + recurring
        price_once = node.once + once
        if add_conflict & merged or price > self.cap or price_once > self.cap_once:
            return None
        # A seed is redundant when every need it covers is covered by another seed's closure or an owned
        # product; with the units covered twice or more counted as we go, that is one mask test per seed.
        # Covering only grows down the tree, so below a redundant seed every bundle stays redundant.
        # The seeds before i can only turn redundant when some unit is now covered twice for the first time.
        cover = self.closure_cover[i]
        again = agg.covers & cover & ~node.twice
        twice = node.twice | again
        taken = twice | ctx.owned_covers
        irredundant = bool(node.irredundant and own_cover[i] & ~taken
                           and (not again or all(own_cover[s] & ~taken for s in node.chosen)))
        return _Node(node.chosen + (i,), merged, agg.add(added), node.conflict | add_conflict, price, price_once, twice,
                     irredundant)

    def _adding(self, new: int) -> tuple[list[Item], int, float, float]:
        """The products of mask ``new``, the products they exclude, their recurring and one-time sums."""
        added = [self.items[b] for b in _bits(new)]
        add_conflict = 0
        for bit in _bits(new):
            add_conflict |= self.conflicts[bit]
        return added, add_conflict, sum(x.recurring for x in added), sum(x.one_time for x in added)

    def _key(self, node: _Node) -> tuple[Key, Parts]:
        if node._key is None:
            # only the retain strategy reads the members (it counts them, so bit order will do)
            members = [self.items[b] for b in _bits(node.mask)] if self.ctx.strategy == RETAIN else []
            parts = components(members, node.mask, self.ctx, node.agg)
            node._key = (rank_key(parts, node.agg.covers, self.ctx), parts)
        return node._key

    def _kids(self, node: _Node, start: int) -> list[tuple[int, _Node]]:
        """The seeds from position ``start`` on that can extend ``node``, with the bundles they make."""
        kids = node.kids
        if kids is None:
            # a seed covering nothing new would be redundant in every superset
            reach = node.agg.covers | self.ctx.owned_covers
            own_cover = self.own_cover
            kids = [(i, kid) for i in range(start, len(self.closure))
                    if own_cover[i] & ~reach and (kid := self._kid(node, i)) is not None]
            # A long first pass would keep far more nodes than the later passes can visit: past
            # KEPT_NODES the nodes are built afresh when visited again (same figures), bounding memory.
            if self.kept < KEPT_NODES:
                node.kids = kids
                self.kept += len(kids)
        return kids

    def best(self, admissible: Callable[[int], bool] | None, max_nodes: int) -> tuple[int, Key, Parts] | None:
        """The admissible bundle with the highest key (None: every bundle is); ties go to fewer products,
        then lower bits.

        Branch and bound over the seeds in order. A subtree is bounded by what the seeds that can still
        extend its root add (a seed that cannot extend a bundle, by a conflict, the budget or covering
        nothing new, cannot extend any superset either), not by every later seed; below a redundant
        bundle, where every bundle stays redundant, nothing is walked. Both bounds hold whatever is
        admissible, so every pass walks the same tree in the same order and only prunes more as its
        best key is higher.

        Nodes are counted as seed positions tried: each seed from ``start`` on counts at the node it
        could extend, whether it does or not, and a pruned node counts what trying its seeds would.
        Past ``max_nodes`` the search stops with the best found so far and sets ``stopped``. A walk
        that prunes more visits a subset of the nodes in the same order with a lower count at each,
        so it stops later, never with a lower best key.
        """
        n, ctx, seed_pool = len(self.closure), self.ctx, self.seed_pool
        best: list[tuple[Key, int, Parts]] = []  # every bundle tied for the best key
        nodes = 0

        def dfs(node: _Node, start: int) -> None:
            nonlocal nodes
            kids = self._kids(node, start)
            # rest[j]: what kids j, j + 1, ... can add between them. Worked out only for a bound not yet
            # known: the bounds are kept on the nodes for the later passes (the pools are not: kept, the
            # first pass ran slower, though its walk is the same).
            rest = None
            if kids and best and node.chosen:
                # the bound on the node's own extensions is tighter than the one it was entered on
                reach = node._reach
                if reach is None:
                    rest = _suffix_pools([seed_pool[i] for i, _ in kids])
                    reach = node._reach = upper_bound(node.agg, rest[0], ctx, node.mask)
                if reach < best[0][0]:
                    kids = []
            if not kids:
                nodes += n - start  # what trying each seed from start on counts
                self.stopped = self.stopped or nodes > max_nodes
                return
            last, more = start - 1, len(kids) - 1
            for j, (i, kid) in enumerate(kids):
                nodes += i - last  # the seeds that cannot extend the node count all the same
                last = i
                if nodes > max_nodes:
                    self.stopped = True
                    return
                if not kid.irredundant:
                    continue
                # the key is kept from earlier passes; admissibility is only asked of a bundle that could win
                key, parts = kid._key or self._key(kid)
                if not best or key > best[0][0]:
                    if admissible is None or admissible(kid.mask):
                        best[:] = [(key, kid.mask, parts)]
                elif key == best[0][0] and (admissible is None or admissible(kid.mask)):
                    best.append((key, kid.mask, parts))
                if j == more:
                    continue  # no later kid can extend it
                if best:
                    bound = kid._bound
                    if bound is None:
                        if rest is None:
                            rest = _suffix_pools([seed_pool[i] for i, _ in kids])
                        bound = kid._bound = upper_bound(kid.agg, rest[j + 1], ctx, kid.mask)
                    if bound < best[0][0]:
                        continue
                dfs(kid, i + 1)  # noqa: F821 - the name is deleted only once the walk is over
            nodes += n - 1 - last
            self.stopped = self.stopped or nodes > max_nodes

        dfs(self.root, 0)
        # dfs refers to itself, and through self to every node kept: unnamed, the walk's closure is freed by
        # reference counting now, not left for a full garbage collection (which then had tens of thousands of
        # nodes to trace and cost more than a quarter of a call)
        del dfs
        return _tie_break(best)


def _tie_break(best: list[tuple[Key, int, Parts]]) -> tuple[int, Key, Parts] | None:
    """Of the bundles tied for the best key, the one with the fewest products, then the lowest bits."""
    if not best:
        return None
    key, mask, parts = min(best, key=lambda b: (b[1].bit_count(), _bits(b[1])))
    return mask, key, parts


def _seed_pool(pulled: list[Item], strategy: str | None, mask: int, seed: Item) -> Pool:
    """What adding one seed (its closure ``pulled``, bits ``mask``) may contribute, for the tight bound.

    A seed extends a bundle only when it covers something new, so its own product is never in the
    bundle yet: whatever else the closure shares with it, the seed adds at least its own price.
    """
    return Pool(covers=_sum_covers(pulled), fit=max(x.fit for x in pulled), stage=max(x.stage for x in pulled),
                modules=_or(x.modules for x in pulled), capable=sum(lifecycle_capable(x, strategy) for x in pulled),
                products=mask, cheapest=seed.monthly)


def _suffix_pools(pools: list[Pool]) -> list[Pool]:
    """``out[j]``: what the seeds of ``pools[j:]`` may add between them."""
    out = pools[:]
    for j in range(len(pools) - 2, -1, -1):
        acc, p = out[j + 1], pools[j]
        out[j] = Pool._make((
            acc.covers | p.covers, max(acc.fit, p.fit), max(acc.stage, p.stage), acc.modules | p.modules,
            acc.capable + p.capable, (acc.products or 0) | (p.products or 0), min(acc.cheapest, p.cheapest)))
    return out


def _bits(mask: int) -> list[int]:
    """Positions of the set bits of ``mask``, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _or(masks: Iterable[int]) -> int:
    out = 0
    for mask in masks:
        out |= mask
    return out


def _sum_covers(members: list[Item]) -> int:
    covered = 0
    for m in members:
        covered |= m.covers
    return covered


def _shortlist(order: list[int], own_cover: list[int], n_units: int) -> list[int]:
    """Seeds kept when there are too many: every need unit's best, then every unit's second best, ...

    ``order`` lists seed positions best first; at most ``EXACT_SEEDS`` are kept.
    """
    keep: set[int] = set()
    for rank in range(PER_UNIT):
        for unit in range(n_units):
            covering = [j for j in order if own_cover[j] >> unit & 1]
            if rank < len(covering) and len(keep) < EXACT_SEEDS:
                keep.add(covering[rank])
    return [j for j in order if j in keep]


def _context(kb: KnowledgeBase, ev: Evaluation, units: list[Unit], cons: Constraints, strategy: str | None,
             index: dict[str, int], owned: list[str]) -> Context:
    modules = kb.module_index
    owned_covers = 0
    for pid in owned:
        owned_covers |= _covers_mask(kb.products[pid], _unit_items(units))
    weights = tuple(w for _, _, w in units)
    return Context(
        need_weights=weights,
        need_modules=sum(1 << modules[m] for m in {kb.need_module[n] for n in ev.needs}),
        owned_covers=owned_covers, owned=sum(1 << index[p] for p in owned),
        stated=sum(1 << i for i, (need, _, _) in enumerate(units) if STATED in ev.need_sources.get(need, ())),
        unit_price=unit_price(cons.budget, sum(weights), kb.framework.ranking.reference_price),
        strategy=strategy, weights=kb.ranking_weights)


def score_bundle(kb: KnowledgeBase, ev: Evaluation, cons: Constraints, products: Iterable[str],
                 strategy: str | None) -> tuple[Key, dict[str, float]]:
    """Rank any set of products: its key and components (the reference the search must agree with)."""
    chosen = sorted(set(products) - cons.owned)
    owned = sorted(cons.owned & kb.products.keys())
    index = {pid: i for i, pid in enumerate(chosen + owned)}
    units = need_units(kb, ev)
    ctx = _context(kb, ev, units, cons, strategy, index, owned)
    unit_items = _unit_items(units)
    members = [_item(kb, pid, ev, unit_items, index, cons) for pid in chosen]
    parts = components(members, (1 << len(chosen)) - 1, ctx)
    return rank_key(parts, _sum_covers(members), ctx), dict(zip(COMPONENTS, parts, strict=True))


def _unit_items(units: list[Unit]) -> tuple[str, ...]:
    """The need item of each unit, in unit order (what a product's covers mask is over)."""
    return tuple(item for _, item, _ in units)


def _covers_mask(product: Product, unit_items: tuple[str, ...]) -> int:
    """Bit i set when ``product`` covers need unit item ``unit_items[i]``."""
    items = frozenset(product.need_items)
    return sum(1 << i for i, item in enumerate(unit_items) if covered_by(item, items))



def _item(kb: KnowledgeBase, pid: str, ev: Evaluation, unit_items: tuple[str, ...], index: dict[str, int],
          cons: Constraints) -> Item:
    p = kb.products[pid]
    owned = cons.owned
    modules = kb.module_index
    sized = cons.prices(kb).product(pid)  # the budget and the cost score apply to the sized price
    return Item(
        id=pid, recurring=sized.recurring, one_time=sized.one_time,
        fit=ev.proposals.get(pid, NEUTRAL_FIT), stage=STAGE_SCORE[p.portfolio],
        covers=_covers_mask(p, unit_items), modules=sum(1 << modules[m] for m in p.modules),
        complements=sum(1 << index[c] for c in kb.graph.complements.get(pid, ()) if c in index),
        upgrades=bool(kb.graph.replaces.get(pid, frozenset()) & owned) or p.portfolio == STAR,
        proven=p.portfolio in (STAR, CASH_COW) or WIN_BACK in ev.proposal_sources.get(pid, ()))
