"""The compiled backend: an in-process matcher with indexed conditions.

It runs the same branches as durable-rules (:func:`recommender.evaluation.compile_branches`)
with the same meaning, so results are byte-identical
(``tests/test_engine_differential.py`` compares the two); it needs no C extension and
serves on every Python, and past durable-rules' fixed limits.

How a condition is matched. Each condition tree becomes one Python predicate. A
branch fires once per combination of facts, one per condition, that pass their
predicates, exactly as a durable-rules join does; a field the fact lacks fails
every test but ``nex`` (``exists: false``), again as in durable-rules.

How only candidate branches are tested. When the knowledge is compiled, each
branch gets one *anchor*: a test some fact must pass for the branch to fire, put
in an index the facts look themselves up in:

* an equality or ``in`` test (``customer.industry``, a need's module, a product
  id): a hash index from (kind, field, value) to branches;
* otherwise a threshold (``employees >= 500``): per (kind, field, operator), the
  thresholds sorted, so one bisection finds every branch the value passes;
* otherwise (``exists``, ``ne`` only) the branch is always a candidate.

Chaining. The needs and products that effects derive are new facts; each is
looked up in a second index (every condition of its kind, keyed the same way)
and only the combinations that hold the new fact are formed, so each combination
is seen once and the evaluation ends when no effect derives anything new.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from itertools import product
from typing import Any, NamedTuple

from .errors import EngineError
from .evaluation import All, AnyOf, Branch, Condition, Node, RuleEngine, Session, Test, share
from .knowledge.base import KnowledgeBase
from .vocabulary import BUNDLE_STAGE, CUSTOMER_STAGE

__all__ = ["CompiledEngine"]

Fact = Mapping[str, Any]
Predicate = Callable[[Fact], bool]
_THRESHOLDS = ("gt", "gte", "lt", "lte")
_DERIVED = ("need", "product")  # the kinds of fact effects derive (Session.apply)


class CompiledEngine(RuleEngine):
    """One knowledge base's rules, compiled into indexed in-process matchers (one per stage)."""

    name = "compiled"

    def __init__(self, kb: KnowledgeBase):
        super().__init__(kb)
        self._matchers: dict[str, _Matcher] = {CUSTOMER_STAGE: _Matcher(self.branches),
                                               BUNDLE_STAGE: _Matcher(self.bundle_branches)}

    def _run(self, stage: str, session: Session, facts: list[dict[str, Any]]) -> None:
        try:
            self._matchers[stage].run(session, facts)
        except EngineError:
            raise
        except Exception as exc:  # a bug in an effect: typed, like the durable backend's
            raise EngineError(f"a rule action failed: {exc!r}") from exc


class _Rule:
    """One branch as the matcher runs it, with the rules it fires: all those sharing its conditions."""

    __slots__ = ("conditions", "fired")

    def __init__(self, branch: Branch, fired: tuple[int, ...]):
        self.conditions = tuple((c.kind, c.fields, predicate(c.test)) for c in branch.conditions)
        self.fired = fired


class _Matcher:
    """One stage's branches with their anchor index (initial facts) and reaction index (derived facts)."""

    def __init__(self, branches: tuple[Branch, ...]):
        branches, fired = share(branches)  # rules of one condition are matched once
        self.rules = tuple(_Rule(b, fired[b.name]) for b in branches)
        self.anchors = _Index()
        self.reactions = _Index()
        for position, branch in enumerate(branches):
            self.anchors.add(position, anchor(branch.conditions))
            for condition in branch.conditions:
                if condition.kind in _DERIVED:
                    self.reactions.add_reaction(position, condition)

    def run(self, session: Session, facts: list[dict[str, Any]]) -> None:
        store: dict[str, list[Fact]] = {}
        for fact in facts:
            store.setdefault(fact["kind"], []).append(fact)
        derived: deque[dict[str, Any]] = deque()
        for position in sorted(self.anchors.candidates(facts)):
            self._fire(self.rules[position], store, None, session, derived.append)
        while derived:  # each combination holding a derived fact is formed once, when its last fact arrives
            fact = derived.popleft()
            store.setdefault(fact["kind"], []).append(fact)
            for position in sorted(self.reactions.candidates((fact,))):
                self._fire(self.rules[position], store, fact, session, derived.append)

    @staticmethod
    def _fire(rule: _Rule, store: Mapping[str, list[Fact]], new: Fact | None, session: Session,
              assert_fact: Callable[[dict[str, Any]], None]) -> None:
        """Fire ``rule`` on every combination of passing facts (holding ``new`` when given)."""
        options: list[list[tuple[str, tuple[str, ...], Fact]]] = []
        for kind, fields, test in rule.conditions:
            pool: Iterable[Fact] = (new,) if new is not None and new["kind"] == kind else store.get(kind, ())
            passing = [(kind, fields, f) for f in pool if test(f)]
            if not passing:
                return
            options.append(passing)
        for matched in product(*options):
            session.fire(rule.fired, matched, assert_fact)


# --- indexes ---------------------------------------------------------------------

Pairs = tuple[tuple[str, Any], ...]  # (field, value): a fact passes only if it has one of them


class Anchor(NamedTuple):
    """What makes a branch a candidate: a fact of ``kind`` with one of ``pairs``, or whose ``field`` passes
    the threshold ``op value``."""

    kind: str
    pairs: Pairs = ()
    field: str = ""
    op: str = ""
    value: Any = None


def anchor(conditions: Iterable[Condition]) -> Anchor | None:
    """A test some fact must pass for the branch to fire: an equality first (the most selective),
    non-customer conditions first (their facts are few), else a threshold; None: no indexable test."""
    ordered = sorted(conditions, key=lambda c: c.kind == "customer")
    for c in ordered:
        for item in _conjuncts(c.test):
            pairs = equal_pairs(item)
            if pairs:
                return Anchor(c.kind, pairs)
    for c in ordered:
        for item in _conjuncts(c.test):
            if isinstance(item, Test) and item.op in _THRESHOLDS:
                return Anchor(c.kind, field=item.field, op=item.op, value=item.value)
    return None


def _conjuncts(node: Node) -> tuple[Node, ...]:
    """The tests all of which must hold, after the kind test every condition starts with."""
    items = node.items if isinstance(node, All) else (node,)
    return tuple(i for i in items if not (isinstance(i, Test) and i.field == "kind"))


def equal_pairs(node: Node) -> Pairs | None:
    """The (field, value) pairs one of which a fact must have to pass ``node``; None when it is not
    made of equalities alone."""
    if isinstance(node, Test):
        return ((node.field, node.value),) if node.op == "eq" else None
    if isinstance(node, AnyOf):
        parts = [equal_pairs(i) for i in node.items]
        return None if any(p is None for p in parts) else tuple(pair for p in parts if p for pair in p)
    return None


class _Index:
    """Branch positions by the facts that can make them candidates."""

    def __init__(self) -> None:
        self.equal: dict[tuple[str, str, Any], set[int]] = {}
        self.fields: dict[str, set[str]] = {}  # kind -> fields looked up by equality
        self.thresholds: dict[str, dict[tuple[str, str], tuple[list[Any], list[int]]]] = {}  # kind -> (field, op)
        self.kinds: dict[str, set[int]] = {}  # kind -> positions every fact of that kind makes candidates
        self.always: set[int] = set()

    def add(self, position: int, found: Anchor | None) -> None:
        if found is None:
            self.always.add(position)
        elif found.pairs:
            self.fields.setdefault(found.kind, set()).update(name for name, _ in found.pairs)
            for name, value in found.pairs:
                self.equal.setdefault((found.kind, name, value), set()).add(position)
        else:
            ordered, positions = self.thresholds.setdefault(found.kind, {}).setdefault((found.field, found.op),
                                                                                      ([], []))
            at = bisect_right(ordered, found.value)
            ordered.insert(at, found.value)
            positions.insert(at, position)

    def add_reaction(self, position: int, condition: Condition) -> None:
        """Index a condition derived facts may pass: by its equalities, else every fact of its kind."""
        found = anchor([condition])
        if found is not None and found.pairs:
            self.add(position, found)
        else:
            self.kinds.setdefault(condition.kind, set()).add(position)

    def candidates(self, facts: Iterable[Fact]) -> set[int]:
        out = set(self.always)
        for fact in facts:
            kind = fact["kind"]
            out |= self.kinds.get(kind, set())
            for name in self.fields.get(kind, ()):
                if name in fact:
                    out |= self.equal.get((kind, name, fact[name]), set())
            for (name, op), entry in self.thresholds.get(kind, {}).items():
                if name in fact:
                    out.update(_passing(entry, op, fact[name]))
        return out


def _passing(entry: tuple[list[Any], list[int]], op: str, value: Any) -> list[int]:
    """The positions whose threshold ``value`` passes: a prefix (value above) or a suffix (value below)."""
    ordered, positions = entry
    try:
        if op == "gte":  # threshold <= value
            return positions[:bisect_right(ordered, value)]
        if op == "gt":  # threshold < value
            return positions[:bisect_left(ordered, value)]
        if op == "lte":  # threshold >= value
            return positions[bisect_left(ordered, value):]
        return positions[bisect_right(ordered, value):]  # lt: threshold > value
    except TypeError:  # a value of another type: the predicate decides (validation rules it out)
        return positions


# --- predicates ------------------------------------------------------------------

def predicate(node: Node) -> Predicate:
    """``node`` as a function of one fact, with durable-rules' meaning.

    The kind test every condition starts with is left out: the matcher only
    offers a condition facts of its kind.
    """
    if isinstance(node, (All, AnyOf)):
        parts = tuple(predicate(n) for n in node.items if not (isinstance(n, Test) and n.field == "kind"))
        if len(parts) == 1:
            return parts[0]
        if isinstance(node, All):
            def every(fact: Fact) -> bool:
                for part in parts:  # noqa: SIM110 - a loop, not all(genexpr): no generator per fact (hot path)
                    if not part(fact):
                        return False
                return True
            return every

        def some(fact: Fact) -> bool:
            for part in parts:  # noqa: SIM110 - a loop, not any(genexpr): no generator per fact (hot path)
                if part(fact):
                    return True
            return False
        return some
    return _test(node)


def _test(test: Test) -> Predicate:
    name, op, value = test
    if op == "ex":
        return lambda fact: name in fact
    if op == "nex":
        return lambda fact: name not in fact
    if op == "eq":  # durable-rules tests only the fields a fact has
        return lambda fact: name in fact and bool(fact[name] == value)
    if op == "neq":
        return lambda fact: name in fact and bool(fact[name] != value)
    compare = _ORDER[op]

    def check(fact: Fact) -> bool:
        if name not in fact:
            return False
        try:
            return compare(fact[name], value)
        except TypeError:  # text against a number: validation refuses such rules
            return False
    return check


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "lt": lambda a, b: bool(a < b), "lte": lambda a, b: bool(a <= b),
    "gt": lambda a, b: bool(a > b), "gte": lambda a, b: bool(a >= b),
}
