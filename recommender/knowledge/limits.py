"""durable-rules' fixed C limits: the exact model the backend splits rule bases by, and what it still refuses.

durable-rules 2.0.28 builds a ruleset into fixed-size C arrays and checks few of
their bounds. Past a bound, creating the ruleset spins forever holding the GIL,
evaluating a customer reads past an array (SIGSEGV), or a raw error code
surfaces. This module rebuilds the network ``rete.c`` would build from a ruleset
definition (:mod:`recommender.durable_json`), sharing and linking nodes the way it
does, and lists every bound the definition breaks (:func:`violations`).

How ``rete.c`` builds the network: each condition of a durable rule (``c``,
``n``, ...) is a chain of alpha nodes from one root, one node per test, and two
conditions share a node when the same tests lead to it. An ``$or`` adds a fresh
join node that each of its alternatives links to; the tests after the ``$or``
hang below the join. Each node keeps:

* its child tests in a hash table of 512 slots, probed up to the first empty
  slot: a full table makes every lookup spin forever;
* its ``$nex`` tests and its links to joins in a list of 128 slots, and the
  conditions ending at it in a list of 256 slots, both read up to the first
  empty slot: a full list is read past its end.

A fact walks the network depth first, keeping the nodes still to visit on a
stack of 64 (``handleAlpha`` in ``events.c``); a node's joins are always pushed,
so keeping that stack bounded keeps its list of 128 far from full too (129 links
give error 107). A fact with more than 253 fields crashes the parser.

These are limits of one ruleset, not of a rule base: the durable-rules backend
(:mod:`recommender.durable_split`) splits a stage's rules over as many rulesets as
:func:`fits` needs, cuts ``in`` lists too long for one node into parts, and sends
each ruleset the facts cut to the fields its conditions test. So loading refuses
only a rule that breaks a limit on its own, in every part: a condition with more
than 15 groups, or one that tests more than 250 fields of one fact.
``tests/test_engine_limits.py`` measures each limit against the real engine,
just below and just above, and shows knowledge past each one loading and giving
the compiled engine's results; ``benchmarks/limits_check.py`` cross-checks
:func:`fits` on random rule bases.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from ..durable_json import branch_parts, definition, kinds_tested
from ..errors import Issue, Said
from ..evaluation import Branch, compile_branches
from ..numbers import MAX_NUMBER, number_problem
from ..vocabulary import CUSTOMER_STAGE, RULE_STAGES
from .schema import Assessment, Op, RulesFile, When
from .yamlpos import Document

__all__ = [
    "MAX_CONDITIONS_AT_NODE", "MAX_ENGINE_RULES", "MAX_FACT_FIELDS", "MAX_GROUPS_PER_CONDITION",
    "MAX_PENDING_TESTS", "MAX_TESTED_FIELDS", "MAX_TESTS_AT_NODE", "Violation", "branch_paths", "build_network",
    "check_limits", "fits", "pack", "packed", "violations",
]

# Largest sizes that work in one ruleset; one more hangs, crashes or fails (durable-rules error code).
MAX_TESTS_AT_NODE = 511  # 512 slots, one kept empty: 512 hangs evaluation, 513 hangs creation
MAX_CONDITIONS_AT_NODE = 255  # 256 slots, one kept empty: 256 crash or fire a wrong rule, 257: error 108
MAX_ENGINE_RULES = 4096  # 4,097 gives error 106
MAX_GROUPS_PER_CONDITION = 15  # each $and/$or takes 2 of 31 expression slots: 16 give error 113
MAX_PENDING_TESTS = 64  # tests one fact can have waiting at once: 65 give error 303
MAX_FACT_FIELDS = 253  # fields of one fact (sid included; the engine adds an id): 254 crash (SIGSEGV)
# A fact reaches a ruleset as sid, kind, id and the fields its conditions test.
MAX_TESTED_FIELDS = MAX_FACT_FIELDS - 3

_KEYS = {"c": "customer", "n": "need", "p": "product", "k": "key_person", "r": "rival", "b": "bundle"}
_SYMBOLS = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "ex": "exists", "nex": "absent"}

Test = tuple[str, str, str, Any]  # field, operator, JSON type, value


def check_limits(rules: RulesFile | None, assessment: Assessment | None,
                 docs: Mapping[str, Document]) -> list[Issue]:
    """Every rule durable-rules cannot take even split into rulesets, located in its file.

    ``assessment`` is no longer limited (a fact reaches the engine cut to the fields rules
    test); it stays a parameter so callers need not know which files are checked.
    """
    issues: list[Issue] = []
    if rules is not None and "rules" in docs:
        numbers = list(_rule_numbers(rules, docs["rules"]))
        issues += numbers
        if not numbers:  # compiling needs numbers the engine can take
            for stage in RULE_STAGES:
                issues += _network_limits(rules, docs["rules"], stage)
    return issues


# --- numbers in rule conditions ---------------------------------------------

def _rule_numbers(rules: RulesFile, doc: Document) -> Iterator[Issue]:
    for i, rule in enumerate(rules.rules):
        for at, branch in branch_paths(rule.when, ("rules", i, "when")):
            tested = [(("customer", name), name, c) for name, c in (branch.customer or {}).items()]
            bundle = branch.bundle.fields if branch.bundle else {}
            tested += [(("bundle", name), name, c) for name, c in bundle.items()]
            for where, name, constraint in tested:
                path = at + where
                if not isinstance(constraint, Op):
                    yield from _number(name, constraint, doc, path)
                    continue
                for op, value in constraint.operators:
                    if isinstance(value, list):
                        for j, v in enumerate(value):
                            yield from _number(name, v, doc, path + (op, j))
                    elif op != "exists":
                        yield from _number(name, value, doc, path + (op,))


def _number(name: str, value: object, doc: Document, path: tuple[str | int, ...]) -> Iterator[Issue]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        problem = number_problem(value)
        if problem:
            yield doc.issue(path, "out-of-range", problem,
                            Said("hint.out-of-range.engine", field=name, limit=f"{MAX_NUMBER:,}"))


def branch_paths(when: When, at: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], When]]:
    """Each branch of ``when`` with its path, in the order compile_rules numbers them."""
    if when.any:
        for k, branch in enumerate(when.any):
            yield from branch_paths(branch, at + ("any", k))
    else:
        yield at, when


# --- the network ------------------------------------------------------------

@dataclass(eq=False)
class _Node:
    """One alpha node: a test (None for the root and for the join after an $or)."""

    test: Test | None
    label: str  # the tests leading here, for messages
    owner: int  # the place (condition and field) that made it
    tests: dict[Test, _Node] = field(default_factory=dict)
    links: list[tuple[_Node, int]] = field(default_factory=list)  # $nex tests and joins, with their places
    ends: list[int] = field(default_factory=list)  # places of the conditions ending here


_Walk = list[tuple[_Node, _Node | None]]  # the nodes a fact walks through, each with the child it takes


@dataclass
class _Network:
    root: _Node
    places: list[tuple[str, str, str]]  # (durable rule, condition alias, field)
    nodes: list[_Node]
    groups: list[tuple[int, int]]  # (place, number of $and/$or) per condition


def build_network(definition: Mapping[str, Any]) -> _Network:
    """The alpha network rete.c builds for a ruleset definition."""
    root = _Node(None, "", -1)
    net = _Network(root, [], [root], [])
    for name, body in definition.items():
        for condition in body.get("all", []) + body.get("any", []):
            for alias, expression in condition.items():
                place = _place(net, name, alias, expression)
                net.groups.append((place, _group_count(expression)))
                _alpha(net, name, alias, expression, root).ends.append(place)
    return net


def _place(net: _Network, rule: str, alias: str, expression: Any) -> int:
    net.places.append((rule, alias, _field_of(expression)))
    return len(net.places) - 1


def _field_of(expression: Any) -> str:
    """The field a test, or the first test of a group, is about."""
    key, value = next(iter(expression.items()))
    if key in ("$and", "$or"):
        return _field_of(value[0]) if value else ""
    if key.startswith("$"):
        return str(next(iter(value)))
    return str(key)


def _group_count(expression: Any) -> int:
    key, value = next(iter(expression.items()))
    if key in ("$and", "$or"):
        return 1 + sum(_group_count(e) for e in value)
    return 0


def _alpha(net: _Network, rule: str, alias: str, expression: Any, parent: _Node) -> _Node:
    """Add one expression below ``parent`` as createAlpha does; the node a condition continues from."""
    key, value = next(iter(expression.items()))
    if key == "$and":
        node = parent
        for part in value:
            node = _alpha(net, rule, alias, part, node)
        return node
    if key == "$or":
        join = _Node(None, _join_label(parent, value), _place(net, rule, alias, expression))
        net.nodes.append(join)
        for part in value:
            # every alternative links to the join, even one listed twice
            _alpha(net, rule, alias, part, parent).links.append((join, join.owner))
        return join
    op, name, constant = ("eq", key, value) if not key.startswith("$") else (key[1:], *next(iter(value.items())))
    test: Test = (str(name), op, _json_type(constant), constant)
    if op == "nex":
        for node, _ in parent.links:
            if node.test == test:
                return node
    elif test in parent.tests:
        return parent.tests[test]
    node = _Node(test, _join(parent.label, _test_text(test)), _place(net, rule, alias, {name: constant}))
    net.nodes.append(node)
    if op == "nex":
        parent.links.append((node, node.owner))
    else:
        parent.tests[test] = node
    return node


def _json_type(value: Any) -> str:
    # durable-rules compares a test's value only with values of the same JSON type
    if isinstance(value, bool):
        return "bool"
    return "int" if isinstance(value, int) else "double" if isinstance(value, float) else "string"


def _test_text(test: Test) -> str:
    name, op, _, value = test
    if name == "kind" and op == "eq":
        return str(value).replace("_", " ")
    if op in ("ex", "nex"):
        return f"{name} {_SYMBOLS[op]}"
    return f"{name} {_SYMBOLS.get(op, op)} {value}"


def _join(prefix: str, text: str) -> str:
    return f"{prefix}, {text}" if prefix else text


def _join_label(parent: _Node, alternatives: list[Any]) -> str:
    texts = [_test_text((_field_of(a), "eq", "", next(iter(a.values())))) for a in alternatives[:3]]
    more = ", ..." if len(alternatives) > 3 else ""
    return _join(parent.label, "one of (" + "; ".join(texts) + more + ")")


# --- limits of the network ---------------------------------------------------

class Violation(NamedTuple):
    """One limit a ruleset definition breaks, at the engine rule (and condition alias and field) to blame."""

    engine_rule: str
    alias: str
    field: str
    message: Said
    hint: Said


def fits(definition: Mapping[str, Any]) -> bool:
    """Whether durable-rules takes ``definition`` as one ruleset: no limit broken."""
    return next(violations(definition), None) is None


def violations(definition: Mapping[str, Any]) -> Iterator[Violation]:
    """Every limit one ruleset definition breaks; the cheap counts first, the walk of a fact last."""
    names = list(definition)
    if len(names) > MAX_ENGINE_RULES:
        internal = sum(1 for n in names if not n.startswith("r"))
        yield Violation(names[MAX_ENGINE_RULES], "", "",
                        Said("engine-limit.rules", n=f"{len(names):,}", internal=internal,
                             limit=f"{MAX_ENGINE_RULES:,}"),
                        Said("hint.engine-limit.rules"))
    yield from _field_counts(definition)
    net = build_network(definition)
    for place, groups in net.groups:
        if groups > MAX_GROUPS_PER_CONDITION:
            rule, alias, _ = net.places[place]
            yield Violation(rule, alias, "", Said("engine-limit.groups", n=groups, limit=MAX_GROUPS_PER_CONDITION),
                            Said("hint.engine-limit.groups"))
    for node in net.nodes:
        yield from _node_limits(net, node)
    pending, walk = _pending(net.root, {})
    if pending > MAX_PENDING_TESTS:
        widest = max(walk, key=lambda step: _width(step[0], _ranked_fields(step[0]), step[1])[0])[0]
        kind = walk[1][0].label if len(walk) > 1 else "fact"
        rule, alias, name = net.places[_latest_place(net, walk)]
        yield Violation(rule, alias, name,
                        Said("engine-limit.pending-after" if widest.label else "engine-limit.pending", kind=kind,
                             n=pending, label=widest.label, limit=MAX_PENDING_TESTS),
                        Said("hint.engine-limit.pending"))


def _field_counts(definition: Mapping[str, Any]) -> Iterator[Violation]:
    """A fact reaches a ruleset cut to the fields its conditions test: at most MAX_TESTED_FIELDS per kind."""
    seen: dict[str, set[str]] = {}
    for name, body in definition.items():
        for condition in body.get("all", []):
            for alias, expression in condition.items():
                tested = seen.setdefault(_KEYS.get(alias, alias), set())
                tested.update(_expression_fields(expression))
                tested -= {"kind", "id"}
                if len(tested) > MAX_TESTED_FIELDS:
                    kind = _KEYS.get(alias, alias).replace("_", " ")
                    yield Violation(name, alias, "",
                                    Said("engine-limit.fields", n=len(tested), kind=kind, fact=MAX_FACT_FIELDS,
                                         limit=MAX_TESTED_FIELDS),
                                    Said("hint.engine-limit.fields"))
                    return


def _expression_fields(expression: Any) -> Iterator[str]:
    key, value = next(iter(expression.items()))
    if key in ("$and", "$or"):
        for part in value:
            yield from _expression_fields(part)
    else:
        yield str(next(iter(value))) if key.startswith("$") else str(key)


def _network_limits(rules: RulesFile, doc: Document, stage: str = CUSTOMER_STAGE) -> Iterator[Issue]:
    """What durable-rules cannot take even split into rulesets: a branch part (see durable_json.branch_parts)
    that breaks a limit on its own. A rule base that fits one ruleset is checked once, as a whole."""
    branches = compile_branches(tuple(rules.rules), stage)
    if fits(definition(branches, stage)):
        return
    _, unplaceable = pack(tuple(part for branch in branches for part in branch_parts(branch)), stage)
    seen: set[tuple[str, str]] = set()
    for _, v in unplaceable:
        issue = _issue(rules, doc, v.engine_rule, v.alias, v.field, v.message, v.hint)
        if (issue.path, issue.message) not in seen:  # the parts of one branch break the same limit
            seen.add((issue.path, issue.message))
            yield issue


Packing = tuple[tuple[tuple[Branch, ...], ...], tuple[tuple[Branch, Violation], ...]]


def pack(parts: tuple[Branch, ...], stage: str) -> Packing:
    """:func:`packed`, kept for the last few rule bases: loading checks one, then the durable-rules backend
    splits the same one."""
    try:
        return _remembered(parts, stage)
    except TypeError:  # a constant that cannot be hashed: pack it again
        return packed(parts, stage)


def packed(parts: tuple[Branch, ...], stage: str) -> Packing:
    """``parts`` in consecutive groups that each fit one ruleset, each the longest that fits from where the
    last one ended; and the parts that fit none, even alone, with the limit each breaks.

    A group that breaks a limit names the branch to blame, and every group holding that branch breaks it
    too, so the longest group that fits ends before it: the next length tried is the blamed branch's
    position (where the first child over a node's limit comes from, that is the answer), as long as such
    jumps go far, else halving between the longest length known to fit and the shortest known not to.
    """
    groups: list[tuple[Branch, ...]] = []
    unplaceable: list[tuple[Branch, Violation]] = []
    start = 0
    while start < len(parts):
        low, high = 0, len(parts) - start + 1  # the group of length low fits, of length high does not
        n = min(len(parts) - start, MAX_ENGINE_RULES - len(definition([], stage)))
        jumped = n  # how far the last jump to a blamed branch went
        while True:
            group = parts[start:start + n]
            broken = next(violations(definition(group, stage, kinds_tested(group))), None)
            at = None
            if broken is None:
                low = n
            else:
                at = next((i for i, b in enumerate(group) if b.name == broken.engine_rule), None)
                high = min(n, high) if at is None else min(at + 1, high)
            if high - low <= 1:
                break
            if at is not None and at > low and n - at >= jumped // 4:
                n, jumped = at, n - at  # jump to the blamed branch while that gets far: it is often the answer
            else:
                n, jumped = (low + high) // 2, n
        if not low:  # the part breaks a limit on its own
            alone = parts[start:start + 1]
            broken = next(violations(definition(alone, stage, kinds_tested(alone))), None)
            if broken is not None:
                unplaceable.append((parts[start], broken))
            else:  # pragma: no cover - a blame is always in the group it breaks
                groups.append(alone)
        else:
            groups.append(parts[start:start + low])
        start += max(low, 1)
    return tuple(groups), tuple(unplaceable)


_remembered = lru_cache(maxsize=4)(packed)


def _node_limits(net: _Network, node: _Node) -> Iterator[Violation]:
    after = Said("engine-limit.after", label=node.label) if node.label else Said("engine-limit.at-start")
    checks = (([n.owner for n in node.tests.values()], MAX_TESTS_AT_NODE, "tests"),
              (node.ends, MAX_CONDITIONS_AT_NODE, "ends"))
    for owners, limit, what in checks:
        if len(owners) > limit:
            rule, alias, name = net.places[owners[limit]]
            yield Violation(rule, alias, name, Said("engine-limit." + what, n=len(owners), after=after, limit=limit),
                            Said("hint.engine-limit." + what))


def _pending(node: _Node, memo: dict[int, tuple[int, _Walk]]) -> tuple[int, _Walk]:
    """Most nodes waiting on the stack while one fact walks below ``node``, and the walk: (node, child) steps.

    Visiting a node pushes the children the fact passes, its links (joins and
    ``$nex`` tests) first; the last pushed is popped first and pushes its own
    while its siblings wait. Below a test child every other child passed may
    wait; below a link only the other links can, as the tests pushed after it
    are done by then. At each node the values are the ones passing the most
    children while passing the child walked into; they are chosen node by node,
    so this is an upper bound, reached when the fields along the walk do not
    conflict and the walked-into test is popped first.
    """
    if id(node) in memo:
        return memo[id(node)]
    ranked = _ranked_fields(node)
    best: tuple[int, _Walk] = (_width(node, ranked, None)[0], [(node, None)])
    links = [n for n, _ in node.links]
    for child in [*node.tests.values(), *links]:
        below, walk = _pending(child, memo)
        width = len(links) if child in links else _width(node, ranked, child)[0]
        if width - 1 + below > best[0]:
            best = (width - 1 + below, [(node, child), *walk])
    memo[id(node)] = best
    return best


_ABSENT = object()  # the fact lacks the field
_OTHER = object()  # a text equal to no constant


def _ranked_fields(node: _Node) -> dict[str, tuple[int, list[tuple[int, Any]]]]:
    """Per field: how many ``$nex`` children its absence passes, and values ranked by children passed."""
    by_field: dict[str, list[Test]] = {}
    for child in node.tests.values():
        if child.test is not None:
            by_field.setdefault(child.test[0], []).append(child.test)
    absent: dict[str, int] = {}
    for child, _ in node.links:
        if child.test is not None:
            absent[child.test[0]] = absent.get(child.test[0], 0) + 1
    return {name: (absent.get(name, 0), _ranked(by_field.get(name, [])))
            for name in by_field.keys() | absent.keys()}


def _ranked(tests: list[Test]) -> _Values:
    """Values of one field, each with the number of ``tests`` it passes, most first."""
    ex = sum(1 for t in tests if t[1] == "ex")
    eq = Counter(_key(t[3]) for t in tests if t[1] == "eq")
    neq = Counter(_key(t[3]) for t in tests if t[1] == "neq")
    neq_family = Counter(key[0] for key in neq.elements())
    bounds = {op: sorted(float(t[3]) for t in tests if t[1] == op and _is_number(t[3]))
              for op in ("gt", "gte", "lt", "lte")}

    def passed(value: Any) -> int:
        key = _key(value)
        count = ex + eq[key] + neq_family[key[0]] - neq[key]
        if _is_number(value):
            count += (bisect_left(bounds["gt"], value) + bisect_right(bounds["gte"], value)
                      + len(bounds["lt"]) - bisect_right(bounds["lt"], value)
                      + len(bounds["lte"]) - bisect_left(bounds["lte"], value))
        return count

    numbers = sorted({float(t[3]) for t in tests if _is_number(t[3])})
    values: list[Any] = [*numbers, *{t[3] for t in tests if not _is_number(t[3])}, _OTHER]
    if numbers:
        values += [numbers[0] - 1, numbers[-1] + 1] + [(a + b) / 2 for a, b in zip(numbers, numbers[1:], strict=False)]
    ranked = _Values(sorted(((passed(v), v) for v in values), key=lambda pair: -pair[0]))
    for pair in ranked:
        ranked.by_key.setdefault(_key(pair[1]), pair)
    return ranked


class _Values(list[tuple[int, Any]]):
    """Values ranked by children passed, and each by its key: the one an equality test passes is found
    at once (a node with hundreds of children is walked once per child)."""

    def __init__(self, pairs: list[tuple[int, Any]]):
        super().__init__(pairs)
        self.by_key: dict[tuple[str, Any], tuple[int, Any]] = {}


def _key(value: Any) -> tuple[str, Any]:
    if value is _OTHER:
        return ("text", value)
    if isinstance(value, bool):
        return ("bool", value)
    return ("number", float(value)) if _is_number(value) else ("text", value)


def _width(node: _Node, ranked: dict[str, tuple[int, list[tuple[int, Any]]]], given: _Node | None
           ) -> tuple[int, dict[str, Any]]:
    """Most children one fact passes at ``node`` (``given`` among them), and the value chosen per field."""
    total = sum(1 for child, _ in node.links if child.test is None)  # joins are always pushed
    chosen: dict[str, Any] = {}
    for name, (absent, values) in ranked.items():
        need = given.test if given is not None and given.test is not None and given.test[0] == name else None
        if need is not None and need[1] == "nex":
            count, value = absent, _ABSENT
        elif need is not None and need[1] == "eq" and isinstance(values, _Values):  # one value passes it
            count, value = values.by_key.get(_key(need[3]), (0, _ABSENT))
        elif need is not None:  # values are ranked, so the first one passing ``given`` is the best
            count, value = next(((n, v) for n, v in values if _passes(need, v)), (0, _ABSENT))
        else:
            count, value = max(values[0] if values else (0, _ABSENT), (absent, _ABSENT), key=lambda p: p[0])
        total, chosen[name] = total + count, value
    return total, chosen


def _latest_place(net: _Network, walk: _Walk) -> int:
    """The last place (in file order) that added a child the walk's fact passes: the one to blame."""
    latest = -1
    for node, given in walk:
        _, chosen = _width(node, _ranked_fields(node), given)
        for child, owner in node.links:
            if child.test is None or chosen.get(child.test[0]) is _ABSENT:
                latest = max(latest, owner)
        for child in node.tests.values():
            if child.test is not None and _passes(child.test, chosen.get(child.test[0], _ABSENT)):
                latest = max(latest, child.owner)
    return latest


def _passes(test: Test, value: Any) -> bool:
    _, op, _, constant = test
    if value is _ABSENT:
        return False
    if op == "ex":
        return True
    if _key(constant)[0] != _key(value)[0]:
        return False  # profiles give each field one type (profile.RULE_FIELDS)
    if op in ("eq", "neq"):
        return bool(constant == value) == (op == "eq")
    return bool({"gt": value > constant, "gte": value >= constant, "lt": value < constant,
                 "lte": value <= constant}.get(op, False))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- locating issues ---------------------------------------------------------

def _issue(rules: RulesFile, doc: Document, engine_rule: str, alias: str, name: str,
           message: Said, hint: Said) -> Issue:
    """An issue at the rule (and condition field) an engine rule came from."""
    return doc.issue(_rule_path(rules, engine_rule, alias, name), "engine-limit", message, hint)


def _rule_path(rules: RulesFile, engine_rule: str, alias: str, name: str) -> tuple[str | int, ...]:
    if not engine_rule.startswith("r"):  # an internal rule: no place in the file
        return ("rules",)
    index, branch = (int(n) for n in engine_rule[1:].split("_")[:2])  # r<index>_<branch>[_<part>]
    at, _ = list(branch_paths(rules.rules[index].when, ("rules", index, "when")))[branch]
    if alias not in _KEYS:
        return at
    at += (_KEYS[alias],)
    if alias == "b" and name.startswith("spend"):
        name = "spend"  # spend_<n> is the spend field of one not_counting set
    return at + (name,) if alias in ("c", "b") and name and name != "kind" else at
