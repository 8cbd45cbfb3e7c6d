"""Bundle invariants on the shipped knowledge, and optimality against brute force."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender import CustomerProfile, Recommender
from recommender.bundling import (
    MAX_NODES,
    MAX_OVERLAP,
    Constraints,
    _Node,
    _problem,
    _Space,
    classify,
    covered_by,
    jaccard,
    need_units,
    score_bundle,
    search,
)
from recommender.engine import Evaluation
from recommender.knowledge.base import KnowledgeBase
from recommender.knowledge.schema import Price, Product, Relation, Text

from .conftest import EXAMPLES, example_recommender


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundle_respects_the_hard_constraints(path: Path) -> None:
    rec = example_recommender(path)
    profile = rec.load_profile(path)
    result = rec.recommend(profile, top_k=5)
    kb = rec.knowledge
    assert result.bundles
    seen = set()
    for bundle in result.bundles:
        ids = {p.id for p in bundle.products}
        assert frozenset(ids) not in seen  # distinct
        seen.add(frozenset(ids))
        for pid in ids:  # closed under requires (owned products satisfy requirements)
            assert kb.graph.required_by(pid) <= ids | set(profile.existing_products)
            assert kb.products[pid].sellable
        assert not kb.graph.excluded_pairs(ids | set(profile.existing_products))
        assert not ids & set(profile.existing_products)  # never sold twice
        assert not ids & set(profile.excluded_products)
        if profile.budget_monthly is not None:
            assert bundle.price.recurring_monthly <= profile.budget_monthly
        assert bundle.covered_needs
    keys = [(b.stated_coverage, b.score) for b in result.bundles]
    assert keys[0] == max(keys)  # alternatives are other ways, not necessarily next best


def test_owned_products_are_built_on_not_sold_again(rec: Recommender) -> None:
    base = {"name": "x", "industry": "manufacturing", "employees": 300, "needs": ["production.monitoring"],
            "budget_monthly": 20000}
    without = rec.recommend(base, top_k=5)
    assert any("dedicated_line" in {p.id for p in b.products} for b in without.bundles)
    owned = rec.recommend(dict(base, existing_products=["dedicated_line"]), top_k=5)
    surveillance = [b for b in owned.bundles if "video_surveillance" in {p.id for p in b.products}]
    assert surveillance  # video surveillance requires the dedicated line the customer already has
    assert all("dedicated_line" not in {p.id for p in b.products} for b in owned.bundles)


def test_excluded_and_over_budget_products_are_left_out_with_reasons(rec: Recommender) -> None:
    result = rec.recommend({"name": "x", "industry": "finance", "employees": 500,
                            "needs": ["office.meeting", "transmission"], "excluded_products": ["qixintong"],
                            "budget_monthly": 2500}, top_k=1)
    left = {x.product: x.reason for x in result.bundles[0].left_out}
    assert left["qixintong"] == "customer_excluded"
    assert left["video_conference"] == "over_budget"  # 1500 + its dedicated line 2000 > 2500


def test_retired_product_is_never_offered(rec: Recommender) -> None:
    result = rec.recommend({"name": "x", "industry": "retail", "employees": 40, "needs": ["office.daily"]}, top_k=5)
    assert all("mobile_msn" not in {p.id for p in b.products} for b in result.bundles)
    left = {x.product: x for x in result.bundles[0].left_out}
    assert left["mobile_msn"].reason == "rule_exclusion" and left["mobile_msn"].rule == "no_dogs"


def test_ineligible_product_is_left_out(rec: Recommender) -> None:
    result = rec.recommend({"name": "x", "industry": "retail", "employees": 20,
                            "needs": ["infrastructure.hosting", "office.daily"]}, top_k=1)
    left = {x.product: x for x in result.bundles[0].left_out}
    assert left["idc_hosting"].reason == "ineligible"
    assert "50" in left["idc_hosting"].text["en"]


def test_portfolio_policy_needs_a_reason_for_question_marks(rec: Recommender) -> None:
    # seed 001 四.1: question-mark products only when a rule gives a reason
    plain = rec.recommend({"name": "x", "industry": "hospitality", "employees": 40, "needs": ["office.admin"]},
                          top_k=1)
    left = {x.product: x for x in plain.bundles[0].left_out}
    assert left["mobile_map"].reason == "portfolio"  # a question mark nobody proposed
    assert all(p.portfolio != "question_mark" or any(r.kind == "rule" for r in p.reasons)
               for b in plain.bundles for p in b.products)


# --- optimality: the search against brute force on random small catalogs ------------

ITEMS = ["office.meeting", "office.meeting.notice", "office.daily", "hr.training", "hr.recruiting"]
# more needs make deeper trees, where the search's pruning has more to get wrong
MORE_ITEMS = ITEMS + ["office.daily.schedule", "office.daily.dispatch", "hr.training.needs", "office.admin",
                      "customer.marketing", "finance.payment", "access.wlan"]


def _product(i: int, items: list[str], recurring: int, one_time: int, stage: str,
             requires: list[int], excludes: list[int]) -> Product:
    def rel(j: int) -> Relation:
        return Relation(product=f"p{j}", reason=Text(zh="测试", en="test"))

    modules = sorted({x.split(".")[0] for x in items}) or ["office"]
    prices = [Price(priceType="recurring", amount=float(recurring))]
    if one_time:
        prices.append(Price(priceType="one_time", amount=float(one_time), unit="yuan"))
    return Product(id=f"p{i}", name=Text(zh=f"产品{i}", en=f"Product {i}"), category="office_management",
                   modules=modules, need_items=items, portfolio=stage, prices=prices,  # type: ignore[arg-type]
                   requires=[rel(j) for j in requires], excludes=[rel(j) for j in excludes])


@st.composite
def small_problems(draw: st.DrawFn, most: int = 7, items: list[str] = ITEMS,
                   fewest: int = 1) -> tuple[KnowledgeBase, Evaluation, Constraints, str | None, int]:
    n = draw(st.integers(fewest, most))
    products = {}
    for i in range(n):
        products[f"p{i}"] = _product(
            i, draw(st.lists(st.sampled_from(items), unique=True, min_size=fewest > 1, max_size=3)),
            draw(st.integers(0, 1000)), draw(st.sampled_from([0, 0, 3000])),
            draw(st.sampled_from(["star", "cash_cow", "question_mark", "dog"])),
            sorted(draw(st.sets(st.integers(0, i - 1), max_size=2))) if i else [],
            sorted(draw(st.sets(st.integers(0, n - 1).filter(lambda j, i=i: j != i), max_size=1))))
    needs = draw(st.dictionaries(st.sampled_from(items + ["office"]), st.sampled_from([0.4, 0.7, 1.0]),
                                 min_size=min(fewest, 4), max_size=len(items) // 2 + 1))
    proposals = draw(st.dictionaries(st.sampled_from(sorted(products)), st.sampled_from([0.5, 0.9]), max_size=3))
    stated = draw(st.sets(st.sampled_from(sorted(needs))))
    sources = {n: ("stated",) if n in stated else ("some_rule",) for n in sorted(needs)}
    ev = Evaluation(needs=dict(sorted(needs.items())), need_sources=sources, proposals=proposals, proposal_sources={},
                    exclusions={}, offers={}, notes=(), firings=())
    owned = frozenset(draw(st.sets(st.sampled_from(sorted(products)), max_size=1)))
    cons = Constraints(budget=draw(st.sampled_from([None, 300.0, 1500.0])), excluded=frozenset(), owned=owned)
    strategy = draw(st.sampled_from([None, "trial", "cross_sell", "retain", "upgrade", "win_back"]))
    return products, ev, cons, strategy, draw(st.integers(1, 3))  # type: ignore[return-value]


def brute_force(kb: KnowledgeBase, ev: Evaluation, cons: Constraints, seeds: list[str],
                strategy: str | None) -> dict[frozenset[str], tuple[float, float]]:
    """Every valid bundle with its rank key, by enumerating all seed subsets."""
    owned = cons.owned
    units = need_units(kb, ev)

    def own(product: str) -> set[int]:
        return {i for i, (_, item, _) in enumerate(units) if covered_by(item, kb.products[product].need_items)}

    def covered(products: set[str]) -> set[int]:
        return set().union(*(own(p) for p in products | owned))

    bundles = {}
    for r in range(1, len(seeds) + 1):
        for chosen in combinations(seeds, r):
            bundle = set(chosen).union(*(kb.graph.required_by(s) for s in chosen)) - owned
            if kb.graph.excluded_pairs(bundle | owned):
                continue
            if cons.budget is not None and sum(kb.products[p].recurring for p in bundle) > cons.budget:
                continue
            redundant = False
            for s in chosen:
                rest = {o for o in chosen if o != s}
                rest_closure = rest.union(*(kb.graph.required_by(o) for o in rest))
                if own(s) <= covered(rest_closure):
                    redundant = True
            if not redundant:
                bundles[frozenset(bundle)] = score_bundle(kb, ev, cons, bundle, strategy)[0]
    return bundles


def pick_as_documented(kb: KnowledgeBase, ev: Evaluation, bundles: dict[frozenset[str], tuple[float, float]],
                       top_k: int) -> list[frozenset[str]]:
    """Bundle 1 has the best key; each next one the best that shares at most half its products with each
    bundle before it and covers some stated need with other products; failing that, the best sharing at
    most half; failing that, the best distinct one."""
    units = need_units(kb, ev)
    stated = [item for need, item, _ in units if "stated" in ev.need_sources.get(need, ())]
    ways = stated or [item for _, item, _ in units]

    def cover(b: frozenset[str], item: str) -> set[str]:
        return {p for p in b if covered_by(item, kb.products[p].need_items)}

    def half(b: frozenset[str], c: frozenset[str]) -> bool:
        return len(b & c) / len(b | c) <= 0.5

    def another_way(b: frozenset[str], c: frozenset[str]) -> bool:
        return half(b, c) and any(cover(b, u) and not cover(b, u) & cover(c, u) for u in ways)

    def best(allowed: Callable[[frozenset[str]], bool]) -> frozenset[str] | None:
        pool = [b for b in bundles if allowed(b)]
        if not pool:
            return None
        top = max(bundles[b] for b in pool)
        return min((b for b in pool if bundles[b] == top), key=lambda b: (len(b), sorted(b)))

    chosen: list[frozenset[str]] = []
    while len(chosen) < top_k:
        pick = None
        for rule in (another_way, half, lambda b, c: True):
            pick = best(lambda b: b not in chosen and all(rule(b, c) for c in chosen))  # noqa: B023
            if pick is not None or not chosen:
                break
        if pick is None:
            break
        chosen.append(pick)
    return chosen


def _seeded(rec: Recommender, products: dict, ev: Evaluation, cons: Constraints,  # type: ignore[type-arg]
            ) -> tuple[KnowledgeBase | None, list[str]]:
    """The shipped knowledge with only ``products`` and no rules, and its seeds; None when requires cycle."""
    kb = dataclasses.replace(rec.knowledge, products=products, rules=())
    if kb.graph.cycles():
        return None, []
    profile = CustomerProfile(name="x", industry="retail", employees=10)
    return kb, classify(kb, profile, rec.recommend(profile).assessment, ev, cons)[0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems())
def test_search_finds_the_brute_force_optimum(rec: Recommender, problem: tuple) -> None:  # type: ignore[type-arg]
    products, ev, cons, strategy, top_k = problem
    kb, seeds = _seeded(rec, products, ev, cons)
    if kb is None:
        return
    searched = search(kb, ev, cons, seeds, top_k, strategy)
    bundles = brute_force(kb, ev, cons, seeds, strategy)
    assert searched.exact and searched.gap is None
    assert [f.products for f in searched.bundles] == pick_as_documented(kb, ev, bundles, top_k)
    for f in searched.bundles:
        assert score_bundle(kb, ev, cons, f.products, strategy)[0] == (f.stated, f.score)


def plain_walk(space: _Space, admissible: Callable[[int], bool]) -> tuple[int, tuple[float, float]] | None:
    """The admissible bundle with the highest key among every irredundant bundle of ``space``, walked
    without any bound; ties to fewer products, then lower bits, as documented."""
    found: list[tuple[tuple[float, float], int]] = []

    def walk(node: _Node, start: int) -> None:
        for i, kid in space._kids(node, start):
            if kid.irredundant and admissible(kid.mask):
                found.append((space._key(kid)[0], kid.mask))
            walk(kid, i + 1)

    walk(space.root, 0)
    if not found:
        return None
    top = max(key for key, _ in found)
    mask = min((m for key, m in found if key == top), key=lambda m: (m.bit_count(), [b for b in range(m.bit_length())
                                                                                      if m >> b & 1]))
    return mask, top


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(most=18, items=MORE_ITEMS, fewest=10))
def test_every_pass_finds_what_the_plain_walk_finds(rec: Recommender, problem: tuple) -> None:  # type: ignore[type-arg]
    """The passes prune by bounds; on catalogs too big for brute force they must still return the bundle an
    unbounded walk finds, ties broken alike: bundle 1 and alternatives under the kinds of admissibility
    the search asks (another bundle, little overlap with it) and an arbitrary one."""
    products, ev, cons, strategy, _ = problem
    kb, seeds = _seeded(rec, products, ev, cons)
    if kb is None:
        return
    space = _problem(kb, ev, cons, seeds, strategy).space
    first = space.best(None, MAX_NODES)
    assert (first and first[:2]) == plain_walk(_problem(kb, ev, cons, seeds, strategy).space, lambda m: True)
    if first is None:
        return
    # the later passes share the first pass's nodes, as in the search
    for admissible in (lambda m: m != first[0], lambda m: jaccard(m, first[0]) <= MAX_OVERLAP,
                       lambda m: m % 3 != 1 and m != first[0]):
        found = space.best(admissible, MAX_NODES)
        assert (found and found[:2]) == plain_walk(_problem(kb, ev, cons, seeds, strategy).space, admissible)
    assert not space.stopped


def test_retired_product_left_out_as_retired_when_no_rule_excludes_it(rec: Recommender) -> None:
    # a module-level need matches no item-level rule, so only the lifecycle status keeps Mobile MSN out
    result = rec.recommend({"name": "x", "industry": "retail", "employees": 40, "needs": ["office"]}, top_k=1)
    left = {x.product: x for x in result.bundles[0].left_out}
    assert left["mobile_msn"].reason == "retired"
    assert "Retired" in left["mobile_msn"].text["en"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(), data=st.data())
def test_adding_a_product_for_an_open_stated_need_never_lowers_the_rank(rec: Recommender, problem: tuple,  # type: ignore[type-arg]
                                                                       data: st.DataObject) -> None:
    products, ev, cons, strategy, _ = problem
    kb = dataclasses.replace(rec.knowledge, products=products, rules=())
    if kb.graph.cycles():
        return
    bundles = brute_force(kb, ev, cons, sorted(products), strategy)
    if not bundles:
        return
    bundle = data.draw(st.sampled_from(sorted(bundles, key=sorted)))
    items = {i for p in bundle | cons.owned for i in kb.products[p].need_items}
    open_stated = {item for need, item, _ in need_units(kb, ev)
                   if "stated" in ev.need_sources[need] and not covered_by(item, items)}
    for pid in sorted(set(products) - bundle - cons.owned):
        bigger = (bundle | {pid} | kb.graph.required_by(pid)) - cons.owned
        fits = cons.budget is None or sum(kb.products[p].recurring for p in bigger) <= cons.budget
        if fits and not kb.graph.excluded_pairs(bigger | cons.owned) and any(
                covered_by(item, kb.products[pid].need_items) for item in open_stated):
            assert score_bundle(kb, ev, cons, bigger, strategy)[0] > score_bundle(kb, ev, cons, bundle, strategy)[0]


def test_alternatives_are_other_ways_not_bundle_1_minus_a_product() -> None:
    """Mean Jaccard overlap of bundles 1 and 2 over every shipped scenario is at most 0.5."""
    from recommender.recommender import default_knowledge_dir
    from recommender.scenarios import load_scenarios

    overlaps = []
    recs: dict[str | None, Recommender] = {}
    for loaded in load_scenarios(default_knowledge_dir()):
        scenario = loaded.scenario
        rec = recs.setdefault(scenario.catalog, Recommender.default(scenario.catalog))
        bundles = rec.recommend(dict(scenario.profile), top_k=3).bundles
        if len(bundles) >= 2:
            a, b = ({p.id for p in x.products} for x in bundles[:2])
            overlaps.append(len(a & b) / len(a | b))
    assert overlaps and sum(overlaps) / len(overlaps) <= 0.5, sum(overlaps) / len(overlaps)


def test_a_stated_module_means_the_items_the_rules_inferred_for_it(rec: Recommender) -> None:
    """A logistics firm's 'production' is its field force; a key person's needs never narrow 'office'."""
    kb = rec.knowledge
    meeting = [sub.id for sub in kb.modules["office"].items[2].items]
    ev = Evaluation(needs={"office": 1.0, "office.meeting": 0.5, "key_person.power": 0.5, "production": 1.0},
                    need_sources={"office": ("stated",), "production": ("stated",)}, proposals={},
                    proposal_sources={}, exclusions={}, offers={}, notes=(), firings=())
    by_need: dict[str, list[str]] = {}
    for need, item, _ in need_units(kb, ev):
        by_need.setdefault(need, []).append(item)
    assert by_need["office"] == by_need["office.meeting"] == meeting  # the meeting group's sub-items
    assert by_need["production"] == [i.id for i in kb.modules["production"].items]  # nothing inferred: all items


def test_a_coarse_item_spreads_over_its_sub_items(rec: Recommender) -> None:
    """Seed 004's OA table: 'office.meeting' is five sub-items; a meeting-notice SMS covers the
    notice, not the meeting group as a whole, and a product listing the group covers each sub-item."""
    kb = rec.knowledge
    ev = Evaluation(needs={"office.meeting": 1.0, "office.meeting.notice": 0.5}, need_sources={}, proposals={},
                    proposal_sources={}, exclusions={}, offers={}, notes=(), firings=())
    units = need_units(kb, ev)
    assert [item for need, item, _ in units if need == "office.meeting"] == ["office.meeting.notice"]
    bare = dataclasses.replace(ev, needs={"office.meeting": 1.0})
    spread = need_units(kb, bare)
    assert len(spread) == 5 and sum(w for _, _, w in spread) == pytest.approx(1.0)
    assert covered_by("office.meeting", ["office.meeting.notice"])  # part of the group
    assert covered_by("office.meeting.notice", ["office.meeting"])  # the group listed whole
    assert not covered_by("office.meeting.arrangement", ["office.meeting.notice"])
    assert covered_by("office", ["office.meeting.notice"]) and not covered_by("office.meeting", ["office.daily"])
    assert kb.need_module["office.meeting.notice"] == "office"


def test_a_rule_on_a_coarse_item_fires_for_its_sub_items(kb_copy: Path) -> None:
    """A condition `need: office.meeting` matches a customer who states only 会议通知."""
    rules = kb_copy / "catalogs" / "group" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + """
  - id: test_meeting_group
    description: {zh: 会议, en: meeting}
    source: "test"
    when: {need: office.meeting}
    then:
      - note: {zh: 会议, en: meeting}
""", encoding="utf-8")
    rec = Recommender.from_path(kb_copy)
    fired = rec.recommend(CustomerProfile(name="x", industry="retail", employees=40,
                                          needs=["office.meeting.notice"])).fired_rules
    assert "test_meeting_group" in {f.rule for f in fired}
