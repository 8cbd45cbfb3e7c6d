"""Engine-neutral rule evaluation: facts, conditions, effects, firings and chaining.

Rules are data (``when`` / ``then`` in YAML). Whatever runs them, an evaluation
is the same: the customer fact and its need, key-person and rival facts go in;
every rule branch whose conditions all match some combination of facts fires
once per combination; the first firing of a rule applies its declared effects,
and the needs and products those effects derive are asserted as new facts, so
rules chain until nothing new follows (a fixpoint). This module holds all of
that except the matching itself, which a backend does:

* :mod:`recommender.engine_durable` hands the compiled conditions to
  durable-rules (the reference: its semantics are what the results show);
* :mod:`recommender.engine_compiled` matches them in-process with indexes.

Both see the same :class:`Branch` list, compiled here once from each ``when``
into a small condition tree (:class:`Test`, :class:`All`, :class:`AnyOf`) that
mirrors the durable-rules JSON node for node, so the two cannot drift apart in
what a condition means. The effects collector (:class:`Session`) keeps results
independent of firing order: firings are sorted by rule and input, single-valued
advice goes to the highest priority, weights to the highest weight.

Rules run in two stages. The *customer* stage (:meth:`RuleEngine.evaluate`) runs
on the customer, its needs and key persons, before the bundle search. The
*bundle* stage (:meth:`RuleEngine.evaluate_bundle`) runs on each chosen bundle:
the customer, one fact per product in the bundle and one bundle fact (its spend);
its effects are add-ons, offer tiers, discounts and notes for that bundle.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Literal, NamedTuple, TypeAlias

from .errors import EngineError
from .knowledge.base import KnowledgeBase, lineage
from .knowledge.schema import KeyPersonCondition, Op, Rule, Text, When
from .numbers import engine_number
from .vocabulary import BUNDLE_STAGE, CUSTOMER_STAGE, SINGLE_ADVICE, STATED

__all__ = [
    "All", "AnyOf", "BackendName", "Branch", "BundleEvaluation", "Choice", "Condition", "Discount", "Evaluation",
    "Firing", "Input", "KeyPersonInput", "KeyPersonTest", "Node", "Referenced", "RuleEngine", "Session", "Test",
    "bundle_fact", "compile_branches", "engine_fact", "key_person_facts", "key_person_test", "referenced_ids",
    "rule_branches", "share", "spend_fields",
]

_CACHE_SIZE = 1024
BackendName: TypeAlias = Literal["durable", "compiled"]


class Input(NamedTuple):
    """One input fact a firing matched: ``customer.industry = logistics``."""

    kind: str  # "customer" | "need" | "product" | "key_person" | "rival" | "bundle"
    field: str
    value: Any

    def shown(self) -> str:
        """How the rationale writes it: ``customer.industry = logistics``, ``need = hr.performance``."""
        if self.kind == "bundle":  # spend_<n> is the spend of one not_counting set of a bundle-stage rule
            return f"bundle.{'spend' if self.field.startswith('spend') else self.field} = {self.value}"
        if self.kind == "key_person" and self.field != "rank":  # [B] a key person's relation or VIP status
            return f"key-person.{self.field} = {self.value}"
        if self.kind == "customer":
            return f"customer.{self.field} = {self.value}"
        return f"{self.kind.replace('_', '-')} = {self.value}"


class Firing(NamedTuple):
    rule: str
    inputs: tuple[Input, ...]


class Choice(NamedTuple):
    """A single-valued piece of advice and the rule that set it."""

    value: str
    rule: str


@dataclass(frozen=True)
class Evaluation:
    """Everything the rules concluded for one customer; plain, immutable data."""

    needs: dict[str, float]
    need_sources: dict[str, tuple[str, ...]]
    proposals: dict[str, float]
    proposal_sources: dict[str, tuple[str, ...]]
    exclusions: dict[str, tuple[tuple[str, Text], ...]]
    offers: dict[str, Choice]
    notes: tuple[tuple[str, Text], ...]
    firings: tuple[Firing, ...]
    facts: tuple[dict[str, Any], ...] = field(repr=False, default=())
    # [B] single-valued advice by kind (vocabulary.SINGLE_ADVICE): channel, service level, strategy ...
    choices: Mapping[str, Choice] = field(default_factory=dict)

    @property
    def channel(self) -> Choice | None:
        return self.choices.get("channel")

    @property
    def service_level(self) -> Choice | None:
        return self.choices.get("service_level")

    @property
    def strategy(self) -> Choice | None:
        return self.choices.get("strategy")


class Discount(NamedTuple):
    """A bundle-stage discount: ``percent`` off ``product``'s ``price_type`` price, set by ``rule``."""

    product: str
    price_type: str  # "recurring" | "one_time"
    percent: float
    rule: str
    reason: Text


@dataclass(frozen=True)
class BundleEvaluation:
    """What the bundle-stage rules concluded for one bundle; plain, immutable data."""

    add_ons: dict[str, tuple[str, ...]]  # product -> the rules that add it, in file order
    discounts: tuple[Discount, ...]  # one per product and price type: the largest wins
    offers: dict[str, Choice]
    notes: tuple[tuple[str, Text], ...]
    firings: tuple[Firing, ...]


# --- facts -------------------------------------------------------------------

class KeyPersonTest(NamedTuple):
    """[B] What one key-person condition tests; None: any value."""

    ranks: frozenset[str] | None
    relations: frozenset[str] | None
    vip: bool | None

    def matches(self, fact: Mapping[str, Any]) -> bool:
        return ((self.ranks is None or fact["rank"] in self.ranks)
                and (self.relations is None or fact["relation"] in self.relations)
                and (self.vip is None or fact["vip"] == self.vip))


def key_person_test(value: str | list[str] | KeyPersonCondition) -> KeyPersonTest:
    """A ``key_person`` condition as a test: ranks alone, or a mapping of rank, relation and vip."""
    if not isinstance(value, KeyPersonCondition):
        return KeyPersonTest(frozenset(_ids(value)), None, None)
    ranks, relations = _ids(value.rank), _ids(value.relation)
    return KeyPersonTest(frozenset(ranks) if ranks else None, frozenset(relations) if relations else None, value.vip)


KeyPersonInput: TypeAlias = str | Mapping[str, Any]  # a rank id, or a key person's rank, relations and vip


def key_person_facts(persons: Sequence[KeyPersonInput], tests: tuple[KeyPersonTest, ...]) -> tuple[dict[str, Any], ...]:
    """One fact per key person and relation their work involves (one without a relation when none is given),
    kept only when some condition can match it: durable-rules refuses a batch holding an unmatched fact."""
    out = []
    for i, person in enumerate(persons):
        p = {"rank": person} if isinstance(person, str) else person
        for j, relation in enumerate(p.get("relations") or [""]):
            fact = {"id": f"kp{i}_{j}", "rank": p["rank"], "relation": relation, "vip": bool(p.get("vip"))}
            if any(t.matches(fact) for t in tests):
                out.append(engine_fact(fact))  # texts every backend can take, like every other fact
    return tuple(out)


def engine_fact(fact: Mapping[str, Any]) -> dict[str, Any]:
    """``fact`` with every value in a form durable-rules parses; EngineError for any other.

    Profiles are validated long before this, so an error here is a bug in the
    caller, caught before it can crash the process. Every backend gets the same
    values, so the inputs a firing records do not depend on the backend.
    """
    out: dict[str, Any] = {}
    for key, value in fact.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                value = engine_number(value)
            except ValueError as exc:
                raise EngineError(f"fact {key!r}: {exc}") from None
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise EngineError(f"fact {key!r}: the text cannot be written as UTF-8") from None
        elif not isinstance(value, bool):
            raise EngineError(f"fact {key!r}: {type(value).__name__} is not a value rules can test")
        out[key] = value
    return out


def spend_fields(rules: tuple[Rule, ...]) -> dict[frozenset[str], str]:
    """The bundle fact's spend fields: ``spend`` counts every product, and each set of
    products some condition leaves out (``not_counting``) gets its own field."""
    fields = {frozenset[str](): "spend"}
    for rule in rules:
        for branch in rule_branches(rule.when):
            if branch.bundle is not None and branch.bundle.spend is not None:
                left_out = frozenset(branch.bundle.not_counting)
                fields.setdefault(left_out, f"spend_{len(fields)}")
    return fields


def bundle_fact(lines: Mapping[str, tuple[float, float]], spends: Mapping[frozenset[str], str]) -> dict[str, Any]:
    """The bundle fact: its spend fields, one-time charges and size, from per-product (monthly, one-time)."""
    fact: dict[str, Any] = {name: round(sum(m for p, (m, _) in lines.items() if p not in left_out), 2)
                            for left_out, name in spends.items()}
    fact["one_time"] = round(sum(o for _, o in lines.values()), 2)
    fact["size"] = len(lines)
    return fact


@dataclass(frozen=True)
class Referenced:
    needs: frozenset[str]
    products: frozenset[str]
    key_persons: tuple[KeyPersonTest, ...]
    rivals: frozenset[str] = frozenset()  # products a rival condition names
    bundle: bool = False  # some condition tests the bundle fact


def referenced_ids(rules: tuple[Rule, ...], need_module: Mapping[str, str],
                   stage: str = CUSTOMER_STAGE) -> Referenced:
    """Needs, products, key persons, rival products and the bundle fact some condition of one stage can match;
    only these become facts.

    A need condition on a module matches every need of that module; one on a coarse
    item (``office.meeting``) every sub-item of it; one on a sub-item also its coarse item
    (which spreads over it); so all of those count as referenced.
    """
    needs: set[str] = set()
    products: set[str] = set()
    persons: set[KeyPersonTest] = set()
    rivals: set[str] = set()
    bundle = False
    for rule in rules:
        if rule.stage != stage:
            continue
        for branch in rule_branches(rule.when):
            bundle |= branch.bundle is not None
            for n in _ids(branch.need):
                needs.update(k for k, m in need_module.items()
                             if k in lineage(n) or (k.startswith(n + ".") if "." in n else m == n))
            products.update(_ids(branch.product))
            if branch.key_person:
                persons.add(key_person_test(branch.key_person))
            rivals.update(_ids(branch.rival))
    return Referenced(frozenset(needs), frozenset(products), tuple(sorted(persons, key=repr)), frozenset(rivals),
                      bundle)


# --- conditions: one neutral tree per `when` branch ----------------------------

class Test(NamedTuple):
    """One test of a fact's field; ``op`` is eq, neq, lt, lte, gt, gte, ex (present) or nex (absent).

    A field the fact lacks fails every test but ``nex``, as in durable-rules.
    """

    field: str
    op: str
    value: Any


class All(NamedTuple):
    """Every item holds (durable-rules ``$and``)."""

    items: tuple[Node, ...]


class AnyOf(NamedTuple):
    """Some item holds (durable-rules ``$or``)."""

    items: tuple[Node, ...]


Node: TypeAlias = Test | All | AnyOf


class Condition(NamedTuple):
    """One fact a branch needs: its ``alias`` (c, n, p, k, r, b), the fact ``kind``, the fields a firing
    records as inputs, and the test a fact of that kind must pass (which includes its kind)."""

    alias: str
    kind: str
    fields: tuple[str, ...]
    test: Node


class Branch(NamedTuple):
    """One ``any`` branch of a rule (or the rule itself): fires once per combination of facts,
    one per condition, that pass their tests. Named ``r<rule index>_<branch>``."""

    name: str
    rule: int
    conditions: tuple[Condition, ...]


def compile_branches(rules: tuple[Rule, ...], stage: str = CUSTOMER_STAGE) -> tuple[Branch, ...]:
    """The branches of one stage's rules, in file order; each keeps its rule's index among all ``rules``."""
    spends = spend_fields(rules)
    return tuple(Branch(f"r{index}_{b}", index, _conditions(when, spends))
                 for index, rule in enumerate(rules) if rule.stage == stage
                 for b, when in enumerate(rule_branches(rule.when)))


def share(branches: Sequence[Branch]) -> tuple[tuple[Branch, ...], dict[str, tuple[int, ...]]]:
    """The first branch of each distinct list of conditions, in file order, and the rules each one fires.

    Rules with the same conditions (a campaign cloned for many products) fire on the same facts, so a
    backend matches them once and fires them all. Conditions are the same when their aliases, kinds,
    recorded fields and tests are, values compared with their types (``1``, ``1.0`` and ``True`` stay apart).
    """
    first: dict[str, Branch] = {}
    rules: dict[str, list[int]] = {}
    for branch in branches:
        rules.setdefault(first.setdefault(repr(branch.conditions), branch).name, []).append(branch.rule)
    return tuple(first.values()), {name: tuple(indexes) for name, indexes in rules.items()}


def rule_branches(when: When) -> list[When]:
    """A ``when`` as the conjunctions its ``any`` branches (nested too) spread into."""
    if when.any:
        return [leaf for branch in when.any for leaf in rule_branches(branch)]
    return [when]


def _conditions(when: When, spends: Mapping[frozenset[str], str]) -> tuple[Condition, ...]:
    out: list[Condition] = []
    if when.customer:
        tests = [_kind("customer"), *(_constraint(f, c) for f, c in sorted(when.customer.items()))]
        out.append(Condition("c", "customer", tuple(sorted(when.customer)), All(tuple(tests))))
    if when.need:
        needs = [Test("module", "eq", n) if "." not in n
                 else _any([*(Test("id", "eq", x) for x in lineage(n)), Test("group", "eq", n)])
                 for n in _ids(when.need)]
        out.append(Condition("n", "need", ("id",), All((_kind("need"), _any(needs)))))
    if when.product:
        out.append(Condition("p", "product", ("id",), _one_of("product", _ids(when.product))))
    if when.key_person:
        test = key_person_test(when.key_person)
        parts: list[tuple[str, list[Any]]] = [
            ("rank", sorted(test.ranks or ())), ("relation", sorted(test.relations or ())),
            ("vip", [] if test.vip is None else [test.vip])]
        tests = [_any([Test(name, "eq", v) for v in values]) for name, values in parts if values]
        out.append(Condition("k", "key_person", tuple(name for name, values in parts if values),
                             All((_kind("key_person"), *tests))))
    if when.rival:
        out.append(Condition("r", "rival", ("id",), _one_of("rival", _ids(when.rival))))
    if when.bundle:
        names = {"spend": spends.get(frozenset(when.bundle.not_counting), "spend")}
        tested = {names.get(f, f): c for f, c in when.bundle.fields.items()}
        tests = [_kind("bundle"), *(_constraint(f, c) for f, c in sorted(tested.items()))]
        out.append(Condition("b", "bundle", tuple(sorted(tested)), All(tuple(tests))))
    return tuple(out)


def _kind(kind: str) -> Test:
    return Test("kind", "eq", kind)


def _one_of(kind: str, ids: list[str]) -> All:
    return All((_kind(kind), _any([Test("id", "eq", i) for i in ids])))


def _ids(value: str | list[str] | None) -> list[str]:
    return value if isinstance(value, list) else [value] if value else []


def _any(tests: list[Node]) -> Node:
    return tests[0] if len(tests) == 1 else AnyOf(tuple(tests))


def _constraint(name: str, constraint: Op | bool | int | float | str) -> Node:
    ops = constraint.operators if isinstance(constraint, Op) else [("eq", constraint)]
    tests = [_comparison(name, op, value) for op, value in ops]
    return tests[0] if len(tests) == 1 else All(tuple(tests))


def _comparison(name: str, op: str, value: Any) -> Node:
    if op == "exists":
        return Test(name, "ex" if value else "nex", 1)
    value = [_constant(v) for v in value] if isinstance(value, list) else _constant(value)
    if op == "eq":
        return Test(name, "eq", value)
    if op == "ne":
        return Test(name, "neq", value)
    if op == "in":
        return _any([Test(name, "eq", v) for v in value])
    if op == "not_in":
        return All(tuple(Test(name, "neq", v) for v in value))
    return Test(name, op, value)


def _constant(value: Any) -> Any:
    """A rule constant as durable-rules parses it; loading refused numbers it cannot take."""
    return engine_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


# --- effects -------------------------------------------------------------------

def _merge(weights: dict[str, float], sources: dict[str, set[str]], key: str, weight: float, rule: str) -> bool:
    """Record a weighted conclusion (the highest weight wins); True when ``key`` is new."""
    is_new = key not in weights
    weights[key] = max(weight, weights.get(key, 0.0))
    sources.setdefault(key, set()).add(rule)
    return is_new


class Session:
    """Collects one evaluation's firings and effects; order-independent so results are deterministic
    and equal whichever backend matched the rules."""

    def __init__(self, engine: RuleEngine, sid: str, needs: dict[str, float]):
        self.engine = engine
        self.sid = sid
        self.needs = needs
        self.need_sources: dict[str, set[str]] = {n: {STATED} for n in needs}
        self.proposals: dict[str, float] = {}
        self.proposal_sources: dict[str, set[str]] = {}
        self.exclusions: dict[str, list[tuple[int, str, Text]]] = {}
        self.single: dict[str, list[tuple[int, int, str, str]]] = {}
        self.notes: list[tuple[int, str, Text]] = []
        self.add_ons: dict[str, list[tuple[int, str]]] = {}
        self.discounts: dict[tuple[str, str], list[tuple[float, int, int, str, Text]]] = {}
        self.firings: dict[int, list[tuple[Input, ...]]] = {}
        self.derived: list[dict[str, Any]] = []

    def need_fact(self, need: str) -> dict[str, Any]:
        module = self.engine.kb.need_group[need]  # what a module condition matches
        group = ".".join(need.split(".")[:2])  # what a coarse-item condition matches (office.meeting)
        return {"sid": self.sid, "kind": "need", "id": need, "module": module, "group": group}

    def fire(self, indexes: Sequence[int], matched: Sequence[tuple[str, tuple[str, ...], Mapping[str, Any]]],
             assert_fact: Callable[[dict[str, Any]], None]) -> None:
        """Rules ``indexes`` (one, or several sharing their conditions) fired on ``matched`` (kind, recorded
        fields, fact) facts; the first firing of a rule applies its effects and hands the facts they derive
        to ``assert_fact``, so rules chain."""
        inputs = tuple(Input(kind, f, fact.get(f))
                       for kind, fields, fact in matched for f in fields)
        for index in indexes:
            first = index not in self.firings
            self.firings.setdefault(index, []).append(inputs)
            if first:  # a rule's effects apply once, however many fact combinations match it
                for new_fact in self.apply(index, self.engine.kb.rules[index]):
                    self.derived.append(new_fact)
                    assert_fact(new_fact)

    def apply(self, index: int, rule: Rule) -> list[dict[str, Any]]:
        new_facts = []
        for effect in rule.then:
            if effect.add_on:  # bundle stage: nothing to chain on, the bundle is given
                self.add_ons.setdefault(effect.add_on.product, []).append((index, rule.id))
            elif effect.discount:
                d = effect.discount
                self.discounts.setdefault((d.product, d.priceType), []).append(
                    (d.percent, rule.priority, -index, rule.id, d.reason))
            elif effect.infer_need:
                need = effect.infer_need.need
                if _merge(self.needs, self.need_sources, need, effect.infer_need.weight, rule.id) \
                        and need in self.engine.referenced.needs:
                    new_facts.append(self.need_fact(need))
            elif effect.propose:
                product = effect.propose.product
                if _merge(self.proposals, self.proposal_sources, product, effect.propose.weight, rule.id) \
                        and product in self.engine.referenced.products:
                    new_facts.append({"sid": self.sid, "kind": "product", "id": product})
            elif effect.exclude:
                self.exclusions.setdefault(effect.exclude.product, []).append(
                    (index, rule.id, effect.exclude.reason))
            elif effect.offer:
                self.single.setdefault("offer:" + effect.offer.offer, []).append(
                    (rule.priority, -index, effect.offer.tier, rule.id))
            elif effect.note:
                self.notes.append((index, rule.id, effect.note))
            elif effect.quantity:
                pass  # sizes a price: pricing.rule_quantities reads it from the firings
            else:
                kind = effect.kind
                self.single.setdefault(kind, []).append((rule.priority, -index, getattr(effect, kind), rule.id))
        return new_facts

    def choice(self, key: str) -> Choice | None:
        options = self.single.get(key)
        if not options:
            return None
        _, _, value, rule = max(options)
        return Choice(value, rule)

    def offers(self) -> dict[str, Choice]:
        return {k.split(":", 1)[1]: c for k in sorted(self.single) if k.startswith("offer:")
                if (c := self.choice(k)) is not None}

    def fired(self) -> tuple[Firing, ...]:
        rules = self.engine.kb.rules
        return tuple(Firing(rules[i].id, inp) for i in sorted(self.firings) for inp in _in_order(self.firings[i]))

    def bundle_result(self) -> BundleEvaluation:
        discounts = []
        for (product, price_type), options in sorted(self.discounts.items()):
            percent, _, _, rule, reason = max(options, key=lambda o: o[:3])
            discounts.append(Discount(product, price_type, percent, rule, reason))
        return BundleEvaluation(
            add_ons={p: tuple(r for _, r in sorted(v)) for p, v in sorted(self.add_ons.items())},
            discounts=tuple(discounts), offers=self.offers(),
            notes=tuple((r, t) for _, r, t in sorted(self.notes, key=lambda n: n[0])),
            firings=self.fired())

    def result(self, facts: list[dict[str, Any]]) -> Evaluation:
        choice = self.choice
        return Evaluation(
            needs=dict(sorted(self.needs.items())),
            need_sources={k: tuple(sorted(v)) for k, v in sorted(self.need_sources.items())},
            proposals=dict(sorted(self.proposals.items())),
            proposal_sources={k: tuple(sorted(v)) for k, v in sorted(self.proposal_sources.items())},
            exclusions={k: tuple((r, t) for _, r, t in sorted(v, key=lambda e: e[0]))
                        for k, v in sorted(self.exclusions.items())},
            offers=self.offers(),
            choices={k: c for k in SINGLE_ADVICE if (c := choice(k)) is not None},
            notes=tuple((r, t) for _, r, t in sorted(self.notes, key=lambda n: n[0])),
            firings=self.fired(),
            # derived facts in a fixed order: the order rules fired in is the backend's own
            facts=tuple(facts) + tuple(sorted(self.derived, key=lambda f: (f["kind"], f["id"]))),
        )


def _in_order(firings: list[tuple[Input, ...]]) -> list[tuple[Input, ...]]:
    """A rule's distinct firings in a fixed order; most rules fire once, and one needs no sorting."""
    return firings if len(firings) == 1 else sorted(set(firings), key=repr)


# --- the engine: facts in, a cached evaluation out -------------------------------

class RuleEngine(ABC):
    """One knowledge base's rules, ready to evaluate; a backend supplies :meth:`_run`.

    Thread-safe: one lock serialises evaluations (no backend is re-entrant, and
    durable-rules holds the GIL anyway). Results are cached by the rule-relevant
    inputs, so repeated customers cost a dictionary lookup.
    """

    name: BackendName  # which backend this is

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self._lock = threading.Lock()
        self._sids = count(1)
        self._cache: OrderedDict[Any, Evaluation | BundleEvaluation] = OrderedDict()
        self.branches = compile_branches(kb.rules)
        self.referenced = referenced_ids(kb.rules, kb.need_group)
        self.spend_fields = spend_fields(kb.rules)
        self.bundle_branches = compile_branches(kb.rules, BUNDLE_STAGE)
        self.bundle_referenced = referenced_ids(kb.rules, kb.need_group, BUNDLE_STAGE)
        self.has_bundle_stage = bool(self.bundle_branches)

    @abstractmethod
    def _run(self, stage: str, session: Session, facts: list[dict[str, Any]]) -> None:
        """Fire ``stage``'s rules on ``facts`` through ``session.fire`` until nothing new follows;
        raise :class:`EngineError` when the backend or a rule action fails."""

    def evaluate(self, customer: Mapping[str, Any], needs: Mapping[str, float],
                 key_persons: Sequence[KeyPersonInput] = (), rivals: tuple[str, ...] = ()) -> Evaluation:
        """Run the customer-stage rules on one customer fact, its stated needs (weight 1.0 each), key persons
        and the products it buys from rivals."""
        persons = key_person_facts(key_persons, self.referenced.key_persons)
        held = _referenced(rivals, self.referenced.rivals)
        key = (tuple(sorted(customer.items())), tuple(sorted(needs.items())),
               tuple(tuple(sorted(p.items())) for p in persons), held)

        def facts(session: Session) -> list[dict[str, Any]]:
            out = [session.need_fact(n) for n in sorted(needs) if n in self.referenced.needs]
            return out + _person_and_rival_facts(session.sid, persons, held)

        result = self._evaluate(key, CUSTOMER_STAGE, customer, dict(needs), facts, Session.result)
        assert isinstance(result, Evaluation)
        return result

    def evaluate_bundle(self, customer: Mapping[str, Any], lines: Mapping[str, tuple[float, float]],
                        key_persons: Sequence[KeyPersonInput] = (), rivals: tuple[str, ...] = ()) -> BundleEvaluation:
        """Run the bundle-stage rules on one chosen bundle.

        ``lines`` maps each product in the bundle to its sized (monthly, one-time)
        list price; the bundle fact's spend fields are summed from them.
        """
        if not self.has_bundle_stage:
            return BundleEvaluation({}, (), {}, (), ())
        ref = self.bundle_referenced
        persons = key_person_facts(key_persons, ref.key_persons)
        held = _referenced(rivals, ref.rivals)
        key = (BUNDLE_STAGE, tuple(sorted(customer.items())), tuple(sorted(lines.items())),
               tuple(tuple(sorted(p.items())) for p in persons), held)

        def facts(session: Session) -> list[dict[str, Any]]:
            sid = session.sid
            out = [{"sid": sid, "kind": "product", "id": p} for p in sorted(lines) if p in ref.products]
            if ref.bundle:
                out.append(dict(engine_fact(bundle_fact(lines, self.spend_fields)), sid=sid, kind="bundle"))
            return out + _person_and_rival_facts(sid, persons, held)

        result = self._evaluate(key, BUNDLE_STAGE, customer, {}, facts, lambda session, _: session.bundle_result())
        assert isinstance(result, BundleEvaluation)
        return result

    def _evaluate(self, key: Any, stage: str, customer: Mapping[str, Any], needs: dict[str, float],
                  more_facts: Callable[[Session], list[dict[str, Any]]],
                  finish: Callable[[Session, list[dict[str, Any]]], Evaluation | BundleEvaluation],
                  ) -> Evaluation | BundleEvaluation:
        """One evaluation of ``stage`` in a fresh session: the customer fact and ``more_facts``, cached by ``key``."""
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            session = Session(self, str(next(self._sids)), needs)
            facts = [dict(engine_fact(customer), sid=session.sid, kind="customer"), *more_facts(session)]
            self._run(stage, session, facts)
            result = finish(session, facts)
            self._cache[key] = result
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
            return result

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


def _referenced(ids: tuple[str, ...], referenced: frozenset[str]) -> tuple[str, ...]:
    """The ids some condition can match, once each and sorted: the rest would only widen the cache key."""
    return tuple(sorted(set(ids) & referenced))


def _person_and_rival_facts(sid: str, persons: tuple[dict[str, Any], ...],
                            rivals: tuple[str, ...]) -> list[dict[str, Any]]:
    return ([dict(p, sid=sid, kind="key_person") for p in persons]
            + [{"sid": sid, "kind": "rival", "id": r} for r in rivals])
