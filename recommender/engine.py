"""Rule engine adapter: the only module that imports durable-rules.

Rules are data (``when`` / ``then`` in YAML). This module compiles each ``when``
into durable-rules JSON conditions and attaches one small Python action per rule
that records the firing and applies its declared effects. Derived needs and
proposed products are asserted back as facts, so rules chain.

Rules run in two stages, each its own ruleset in the same Host. The *customer*
stage (:meth:`RuleEngine.evaluate`) runs on the customer, its needs and key
persons, before the bundle search. The *bundle* stage
(:meth:`RuleEngine.evaluate_bundle`) runs on each chosen bundle: the customer, one
fact per product in the bundle and one bundle fact (its spend); its effects are
add-ons, offer tiers, discounts and notes for that bundle. Every guard below
holds for both rulesets.

durable-rules 2.0.28 has sharp edges (see DESIGN.md); each is handled here and
pinned by a regression test in ``tests/test_engine_pitfalls.py``:

* A session whose facts fire no action segfaults on ``delete_state``, and a fact
  no rule condition matches makes ``assert_facts`` raise before running actions.
  So every evaluation asserts a customer fact that a catch-all rule
  (``_session``) always fires on, and need, product and key-person facts are
  asserted only when some condition can match them (``referenced_ids``). The
  bundle fact, whose spend may meet none of the conditions, has a catch-all of
  its own (``_bundle``) in the bundle-stage ruleset.
* durable-rules parses numbers only in some spellings and cannot encode lone
  surrogates: :func:`engine_fact` puts every fact value in a form it parses.
* Deleting a state that was never created raises and hides the first error: only
  sessions the catch-all fired on are deleted.
* A ruleset holds at most 1,024 live sessions: each evaluation uses a fresh sid
  and deletes it in a ``finally``.
* Exceptions raised in actions are swallowed by durable-rules: actions catch
  them themselves and :meth:`RuleEngine.evaluate` re-raises them as
  :class:`EngineError`.
* Nothing is thread-safe: one lock per engine serialises evaluations, and the
  Host's two background timer threads are never started (they dispatch actions
  concurrently with the caller and are only needed for timers, which we do not
  use).
* Rulesets are never freed and ``durable.lang`` names are global: each engine
  owns a private Host and never touches ``durable.lang``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Any, NamedTuple, TypeAlias

from durable import engine as _durable

from .errors import EngineError
from .knowledge.base import KnowledgeBase, lineage
from .knowledge.schema import KeyPersonCondition, Op, Rule, Text, When
from .numbers import engine_number
from .vocabulary import BUNDLE_STAGE, CUSTOMER_STAGE, SINGLE_ADVICE, STATED

_CACHE_SIZE = 1024
_STORED_THEN_REFUSED = (_durable.MessageNotHandledException, _durable.MessageObservedException)


class _QuietHost(_durable.Host):  # type: ignore[misc]
    """A durable-rules Host without its background dispatch threads."""

    def _run(self) -> None:
        # The stock Host starts two timer threads that run pending actions behind
        # the caller's back; we evaluate synchronously and need neither.
        pass


class Input(NamedTuple):
    """One input fact a firing matched: ``customer.industry = logistics``."""

    kind: str  # "customer" | "need" | "product" | "key_person" | "bundle"
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
    kept only when some condition can match it: an unmatched fact would crash durable-rules (see above)."""
    out = []
    for i, person in enumerate(persons):
        p = {"rank": person} if isinstance(person, str) else person
        for j, relation in enumerate(p.get("relations") or [""]):
            fact = {"id": f"kp{i}_{j}", "rank": p["rank"], "relation": relation, "vip": bool(p.get("vip"))}
            if any(t.matches(fact) for t in tests):
                out.append(engine_fact(fact))  # texts durable-rules can take, like every other fact
    return tuple(out)


@dataclass(frozen=True)
class Referenced:
    needs: frozenset[str]
    products: frozenset[str]
    key_persons: tuple[KeyPersonTest, ...]
    rivals: frozenset[str] = frozenset()  # products a rival condition names
    bundle: bool = False  # some condition tests the bundle fact


@dataclass
class _Compiled:
    rule_index: int
    conditions: list[tuple[str, str, tuple[str, ...]]]  # (name, kind, tested fields)


class RuleEngine:
    """One knowledge base's rules, compiled into a private durable-rules Host."""

    def __init__(self, kb: KnowledgeBase):
        self._kb = kb
        self._rules = kb.rules
        self._lock = threading.Lock()
        self._sids = count(1)
        self._session: _Session | None = None
        self._cache: OrderedDict[Any, Evaluation | BundleEvaluation] = OrderedDict()
        self.definition, self._compiled = compile_rules(kb.rules)
        self.referenced = referenced_ids(kb.rules, kb.need_group)
        self.ruleset_name = f"kb_{kb.fingerprint}"
        # The bundle stage: its own ruleset (none when no rule runs on bundles).
        self.spend_fields = spend_fields(kb.rules)
        self.bundle_definition, self._bundle_compiled = compile_rules(kb.rules, BUNDLE_STAGE)
        self.bundle_referenced = referenced_ids(kb.rules, kb.need_group, BUNDLE_STAGE)
        self.bundle_ruleset_name = self.ruleset_name + "_bundle"
        self.has_bundle_stage = bool(self._bundle_compiled)
        self._host = _QuietHost()
        rulesets = {self.ruleset_name: self._with_actions(self.definition, self._compiled)}
        if self.has_bundle_stage:
            rulesets[self.bundle_ruleset_name] = self._with_actions(self.bundle_definition, self._bundle_compiled)
        try:
            self._host.register_rulesets(rulesets)
        except Exception as exc:  # the load-time limit checks should make this unreachable
            raise EngineError(f"durable-rules refused the rule base: {exc}") from exc

    def _with_actions(self, definition: dict[str, Any], compiled_rules: dict[str, _Compiled]) -> dict[str, Any]:
        rules: dict[str, Any] = {}
        for name, body in definition.items():
            compiled = compiled_rules.get(name)
            run = self._action(compiled) if compiled else self._opened if name == "_session" else _noop
            rules[name] = dict(body, run=run)
        return rules

    def _opened(self, c: Any) -> None:
        # The catch-all fired, so durable-rules holds a state for this sid that
        # must be deleted (and deleting it is safe: one of its facts matched).
        if self._session is not None:
            self._session.opened = True

    def _action(self, compiled: _Compiled) -> Callable[[Any], None]:
        def action(c: Any) -> None:
            session = self._session
            if session is None:  # pragma: no cover - only reachable if durable-rules dispatched late
                return
            try:
                matched = [(kind, fields, c._m[name]) for name, kind, fields in compiled.conditions]
                session.fire(compiled.rule_index, matched, c.assert_fact)
            except BaseException as exc:  # noqa: BLE001 - durable-rules would swallow it
                session.errors.append(exc)
        return action

    def evaluate(self, customer: Mapping[str, Any], needs: Mapping[str, float],
                 key_persons: Sequence[KeyPersonInput] = (), rivals: tuple[str, ...] = ()) -> Evaluation:
        """Run the customer-stage rules on one customer fact, its stated needs (weight 1.0 each), key persons
        and the products it buys from rivals."""
        persons = key_person_facts(key_persons, self.referenced.key_persons)
        held = _referenced(rivals, self.referenced.rivals)
        key = (tuple(sorted(customer.items())), tuple(sorted(needs.items())),
               tuple(tuple(sorted(p.items())) for p in persons), held)

        def facts(session: _Session) -> list[dict[str, Any]]:
            out = [session.need_fact(n) for n in sorted(needs) if n in self.referenced.needs]
            return out + _person_and_rival_facts(session.sid, persons, held)

        result = self._evaluate(key, self.ruleset_name, customer, dict(needs), facts, _Session.result)
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

        def facts(session: _Session) -> list[dict[str, Any]]:
            sid = session.sid
            out = [{"sid": sid, "kind": "product", "id": p} for p in sorted(lines) if p in ref.products]
            if ref.bundle:
                out.append(dict(engine_fact(bundle_fact(lines, self.spend_fields)), sid=sid, kind="bundle"))
            return out + _person_and_rival_facts(sid, persons, held)

        result = self._evaluate(key, self.bundle_ruleset_name, customer, {}, facts,
                                lambda session, _: session.bundle_result())
        assert isinstance(result, BundleEvaluation)
        return result

    def _evaluate(self, key: Any, ruleset: str, customer: Mapping[str, Any], needs: dict[str, float],
                  more_facts: Callable[[_Session], list[dict[str, Any]]],
                  finish: Callable[[_Session, list[dict[str, Any]]], Evaluation | BundleEvaluation],
                  ) -> Evaluation | BundleEvaluation:
        """One evaluation of ``ruleset`` in a fresh session: the customer fact and ``more_facts``, cached by ``key``."""
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            sid = str(next(self._sids))
            session = _Session(self, sid, needs)
            facts = [dict(engine_fact(customer), sid=sid, kind="customer"), *more_facts(session)]
            self._session = session
            failure: Exception | None = None
            try:
                self._host.assert_facts(ruleset, facts)
            except Exception as exc:
                failure = exc
                # durable-rules raises these only after it stored the facts: the state exists.
                session.opened |= isinstance(exc, _STORED_THEN_REFUSED)
            finally:
                self._session = None
                self._close(session, ruleset, quiet=failure is not None or bool(session.errors))
            if failure is not None:
                raise EngineError(f"durable-rules refused the facts: {failure}") from failure
            if session.errors:
                raise EngineError(f"a rule action failed: {session.errors[0]!r}") from session.errors[0]
            result = finish(session, facts)
            self._cache[key] = result
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
            return result

    def _close(self, session: _Session, ruleset: str, quiet: bool) -> None:
        """Delete the session's durable-rules state, if it was ever created.

        Deleting a state that was never created raises (error 309), and deleting
        one none of whose facts matched segfaults: the catch-all's firing proves
        neither applies. When ``quiet``, a failure here must not hide the error
        that brought us here.
        """
        if not session.opened:
            return
        try:
            self._host.delete_state(ruleset, session.sid)
        except Exception as exc:
            if not quiet:
                raise EngineError(f"durable-rules could not delete a session: {exc}") from exc

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def bare_floor(self) -> Callable[[list[dict[str, Any]]], None]:
        """The cost floor for benchmarks: the same rules with do-nothing actions.

        Returns a function that asserts the given facts into a fresh session of a
        separate Host and deletes it, which is the least any evaluation pays.
        """
        host = _QuietHost()
        name = self.ruleset_name + "_floor"
        host.register_rulesets({name: {n: dict(b, run=_noop) for n, b in self.definition.items()}})
        sids = count(1)

        def run(facts: list[dict[str, Any]]) -> None:
            sid = f"f{next(sids)}"
            try:
                host.assert_facts(name, [dict(f, sid=sid) for f in facts])
            finally:
                host.delete_state(name, sid)
        return run


def _referenced(ids: tuple[str, ...], referenced: frozenset[str]) -> tuple[str, ...]:
    """The ids some condition can match, once each and sorted: the rest would only widen the cache key."""
    return tuple(sorted(set(ids) & referenced))


def _person_and_rival_facts(sid: str, persons: tuple[dict[str, Any], ...],
                            rivals: tuple[str, ...]) -> list[dict[str, Any]]:
    return ([dict(p, sid=sid, kind="key_person") for p in persons]
            + [{"sid": sid, "kind": "rival", "id": r} for r in rivals])


def _noop(c: Any) -> None:
    pass


def engine_fact(fact: Mapping[str, Any]) -> dict[str, Any]:
    """``fact`` with every value in a form durable-rules parses; EngineError for any other.

    Profiles are validated long before this, so an error here is a bug in the
    caller, caught before it can crash the process.
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


def _merge(weights: dict[str, float], sources: dict[str, set[str]], key: str, weight: float, rule: str) -> bool:
    """Record a weighted conclusion (the highest weight wins); True when ``key`` is new."""
    is_new = key not in weights
    weights[key] = max(weight, weights.get(key, 0.0))
    sources.setdefault(key, set()).add(rule)
    return is_new


class _Session:
    """Collects one evaluation's effects; order-independent so results are deterministic."""

    def __init__(self, engine: RuleEngine, sid: str, needs: dict[str, float]):
        self.engine = engine
        self.sid = sid
        self.errors: list[BaseException] = []
        self.opened = False
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
        module = self.engine._kb.need_group[need]  # what a module condition matches
        group = ".".join(need.split(".")[:2])  # what a coarse-item condition matches (office.meeting)
        return {"sid": self.sid, "kind": "need", "id": need, "module": module, "group": group}

    def fire(self, index: int, matched: list[tuple[str, tuple[str, ...], Any]],
             assert_fact: Callable[[dict[str, Any]], None]) -> None:
        inputs = tuple(Input(kind, f, fact.get(f))
                       for kind, fields, fact in matched for f in fields)
        first = index not in self.firings
        self.firings.setdefault(index, []).append(inputs)
        if first:  # a rule's effects apply once, however many fact combinations match it
            for new_fact in self.apply(index, self.engine._rules[index]):
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
        rules = self.engine._rules
        return tuple(Firing(rules[i].id, inp) for i in sorted(self.firings)
                     for inp in sorted(set(self.firings[i]), key=repr))

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
            facts=tuple(facts) + tuple(self.derived),
        )


# --- compiling `when` into durable-rules JSON --------------------------------

def compile_rules(rules: tuple[Rule, ...], stage: str = CUSTOMER_STAGE) -> tuple[dict[str, Any], dict[str, _Compiled]]:
    """durable-rules ruleset definition (without actions) and per-rule metadata of one stage's rules.

    Engine rule names keep the rule's index among all ``rules`` (``r<index>_<branch>``).
    """
    definition: dict[str, Any] = {
        "_session": {"all": [{"m": {"kind": "customer"}}]},
    }
    if stage == BUNDLE_STAGE:  # the bundle fact's spend may meet no condition: it must still match a rule
        definition["_bundle"] = {"all": [{"m": {"kind": "bundle"}}]}
    compiled: dict[str, _Compiled] = {}
    spends = spend_fields(rules)
    for index, rule in enumerate(rules):
        if rule.stage != stage:
            continue
        for b, branch in enumerate(_branches(rule.when)):
            name = f"r{index}_{b}"
            conditions, meta = _conditions(branch, spends)
            definition[name] = {"all": conditions}
            compiled[name] = _Compiled(index, meta)
    return definition, compiled


def spend_fields(rules: tuple[Rule, ...]) -> dict[frozenset[str], str]:
    """The bundle fact's spend fields: ``spend`` counts every product, and each set of
    products some condition leaves out (``not_counting``) gets its own field."""
    fields = {frozenset[str](): "spend"}
    for rule in rules:
        for branch in _branches(rule.when):
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


def _branches(when: When) -> list[When]:
    if when.any:
        return [leaf for branch in when.any for leaf in _branches(branch)]
    return [when]


def _conditions(when: When, spends: Mapping[frozenset[str], str] | None = None
                ) -> tuple[list[dict[str, Any]], list[tuple[str, str, tuple[str, ...]]]]:
    conditions: list[dict[str, Any]] = []
    meta: list[tuple[str, str, tuple[str, ...]]] = []
    if when.customer:
        tests = [{"kind": "customer"}] + [_constraint(f, c) for f, c in sorted(when.customer.items())]
        conditions.append({"c": {"$and": tests}})
        meta.append(("c", "customer", tuple(sorted(when.customer))))
    if when.need:
        tests = [{"module": n} if "." not in n else _any([*({"id": x} for x in lineage(n)), {"group": n}])
                 for n in _ids(when.need)]
        conditions.append({"n": {"$and": [{"kind": "need"}, _any(tests)]}})
        meta.append(("n", "need", ("id",)))
    if when.product:
        conditions.append({"p": {"$and": [{"kind": "product"}, _any([{"id": p} for p in _ids(when.product)])]}})
        meta.append(("p", "product", ("id",)))
    if when.key_person:
        test = key_person_test(when.key_person)
        parts: list[tuple[str, list[Any]]] = [
            ("rank", sorted(test.ranks or ())), ("relation", sorted(test.relations or ())),
            ("vip", [] if test.vip is None else [test.vip])]
        tests = [_any([{name: v} for v in values]) for name, values in parts if values]
        conditions.append({"k": {"$and": [{"kind": "key_person"}, *tests]}})
        meta.append(("k", "key_person", tuple(name for name, values in parts if values)))
    if when.rival:
        conditions.append({"r": {"$and": [{"kind": "rival"}, _any([{"id": p} for p in _ids(when.rival)])]}})
        meta.append(("r", "rival", ("id",)))
    if when.bundle:
        names = {"spend": (spends or {}).get(frozenset(when.bundle.not_counting), "spend")}
        tested = {names.get(f, f): c for f, c in when.bundle.fields.items()}
        tests = [{"kind": "bundle"}] + [_constraint(f, c) for f, c in sorted(tested.items())]
        conditions.append({"b": {"$and": tests}})
        meta.append(("b", "bundle", tuple(sorted(tested))))
    return conditions, meta


def _ids(value: str | list[str] | None) -> list[str]:
    return value if isinstance(value, list) else [value] if value else []


def _any(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return tests[0] if len(tests) == 1 else {"$or": tests}


def _constraint(name: str, constraint: Op | bool | int | float | str) -> dict[str, Any]:
    ops = constraint.operators if isinstance(constraint, Op) else [("eq", constraint)]
    tests = [_comparison(name, op, value) for op, value in ops]
    return tests[0] if len(tests) == 1 else {"$and": tests}


def _comparison(name: str, op: str, value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        value = [_constant(v) for v in value]
    elif op != "exists":
        value = _constant(value)
    if op == "eq":
        return {name: value}
    if op == "ne":
        return {"$neq": {name: value}}
    if op == "in":
        return _any([{name: v} for v in value])
    if op == "not_in":
        return {"$and": [{"$neq": {name: v}} for v in value]}
    if op == "exists":
        return {"$ex" if value else "$nex": {name: 1}}
    return {f"${op}": {name: value}}


def _constant(value: Any) -> Any:
    """A rule constant as durable-rules parses it; loading refused numbers it cannot take."""
    return engine_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


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
        for branch in _branches(rule.when):
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
