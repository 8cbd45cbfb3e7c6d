"""durable-rules' fixed C limits, checked before a rule base reaches the engine.

durable-rules 2.0.28 builds a ruleset into fixed-size C arrays and checks few of
their bounds. Past a bound, creating the ruleset spins forever holding the GIL,
evaluating a customer reads past an array (SIGSEGV), or a raw error code
surfaces. This module rebuilds the network ``rete.c`` would build from the
compiled definition (:func:`recommender.engine_durable.compile_rules`), sharing and
linking nodes the way it does, and reports every bound the rule base breaks as a
located issue, so such knowledge is refused and never reaches the engine.

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

Each rule stage compiles into its own ruleset (customer stage and bundle stage,
see :mod:`recommender.evaluation`), so every network limit is checked per stage;
the bundle fact's spend fields are bounded like the customer fact's.
``tests/test_engine_limits.py`` measures each limit against the real engine,
just below and just above; ``benchmarks/limits_check.py`` cross-checks the
whole check on random rule bases.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine_durable import compile_rules
from ..errors import Issue
from ..evaluation import spend_fields
from ..numbers import MAX_NUMBER, number_problem
from ..profile import RULE_FIELDS
from ..vocabulary import CUSTOMER_STAGE, RULE_STAGES, STEP_SCORE_FIELDS
from .schema import Assessment, Op, RulesFile, When
from .yamlpos import Document

# Largest sizes that work; one more hangs, crashes or fails (durable-rules error code).
MAX_TESTS_AT_NODE = 511  # 512 slots, one kept empty: 512 hangs evaluation, 513 hangs creation
MAX_CONDITIONS_AT_NODE = 255  # 256 slots, one kept empty: 256 crash or fire a wrong rule, 257: error 108
MAX_ENGINE_RULES = 4096  # 4,097 gives error 106
MAX_GROUPS_PER_CONDITION = 15  # each $and/$or takes 2 of 31 expression slots: 16 give error 113
MAX_PENDING_TESTS = 64  # tests one fact can have waiting at once: 65 give error 303
MAX_FACT_FIELDS = 253  # fields of one fact (sid included; the engine adds an id): 254 crash (SIGSEGV)

# The customer fact: customer_fact's own fields (see assess.customer_fact), the
# sid and kind the engine adds, and one <step>_score field per assessment step.
# [C] Counted from RULE_FIELDS (every field a rule tests is one of the fact's), so a new
# profile field cannot leave the count behind.
CUSTOMER_FACT_FIELDS = len(RULE_FIELDS) - len(STEP_SCORE_FIELDS) + 2
MAX_ASSESSMENT_STEPS = MAX_FACT_FIELDS - CUSTOMER_FACT_FIELDS
# The bundle fact: sid, kind, one_time, size and one spend field per not_counting set.
BUNDLE_FACT_FIELDS = 4
MAX_SPEND_FIELDS = MAX_FACT_FIELDS - BUNDLE_FACT_FIELDS

_KEYS = {"c": "customer", "n": "need", "p": "product", "k": "key_person", "r": "rival", "b": "bundle"}
_SYMBOLS = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "ex": "exists", "nex": "absent"}
_HINT_SPLIT = "or move some of these rules to another catalog"

Test = tuple[str, str, str, Any]  # field, operator, JSON type, value


def check_limits(rules: RulesFile | None, assessment: Assessment | None,
                 docs: Mapping[str, Document]) -> list[Issue]:
    """Every durable-rules limit the rules or the assessment break, located in their files."""
    issues: list[Issue] = []
    if assessment is not None and "assessment" in docs:
        issues += _fact_fields(assessment, docs["assessment"])
    if rules is not None and "rules" in docs:
        numbers = list(_rule_numbers(rules, docs["rules"]))
        issues += numbers
        issues += _spend_fields(rules, docs["rules"])
        if not numbers:  # compiling needs numbers the engine can take
            for stage in RULE_STAGES:
                issues += _network_limits(rules, docs["rules"], stage)
    return issues


# --- the customer fact ------------------------------------------------------

def _fact_fields(assessment: Assessment, doc: Document) -> Iterator[Issue]:
    ids: dict[str, int] = {}
    for index, step in enumerate(assessment.steps):
        ids.setdefault(step.id, index)
    if len(ids) > MAX_ASSESSMENT_STEPS:
        first_over = list(ids.values())[MAX_ASSESSMENT_STEPS]
        yield doc.issue(("steps", first_over), "engine-limit",
                        f"{len(ids)} assessment steps give the customer fact {CUSTOMER_FACT_FIELDS + len(ids)} "
                        f"fields (one score per step); the rule engine takes at most {MAX_FACT_FIELDS} "
                        f"fields, so at most {MAX_ASSESSMENT_STEPS} steps",
                        "merge steps: put more indicators in one step")


def _spend_fields(rules: RulesFile, doc: Document) -> Iterator[Issue]:
    spends = spend_fields(tuple(rules.rules))
    if len(spends) <= MAX_SPEND_FIELDS:
        return
    seen = 0
    for i, rule in enumerate(rules.rules):
        for at, branch in branch_paths(rule.when, ("rules", i, "when")):
            if branch.bundle is None or branch.bundle.spend is None:
                continue
            seen = max(seen, list(spends).index(frozenset(branch.bundle.not_counting)))
            if seen == MAX_SPEND_FIELDS:
                yield doc.issue(at + ("bundle", "not_counting"), "engine-limit",
                                f"the rules leave {len(spends) - 1} different sets of products out of the "
                                f"bundle's spend; each is a field of the bundle fact, which the rule engine "
                                f"takes with at most {MAX_FACT_FIELDS} fields, so at most {MAX_SPEND_FIELDS - 1} "
                                "sets", "reuse the same not_counting lists")
                return


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
                            f"compare {name} with a finite number below {MAX_NUMBER:,} in size; the rule "
                            "engine cannot take others")


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

def _network_limits(rules: RulesFile, doc: Document, stage: str = CUSTOMER_STAGE) -> Iterator[Issue]:
    definition, _ = compile_rules(tuple(rules.rules), stage)
    net = build_network(definition)
    names = list(definition)
    if len(names) > MAX_ENGINE_RULES:
        first_over = names[MAX_ENGINE_RULES]
        which = "rules" if stage == CUSTOMER_STAGE else "bundle-stage rules"
        yield _issue(rules, doc, first_over, "", "",
                     f"the {which} make {len(names):,} engine rules (one per 'any' branch, plus "
                     f"{len(names) - _branch_count(rules, stage)} internal); the rule engine holds at most "
                     f"{MAX_ENGINE_RULES:,}",
                     "use 'in' lists instead of 'any' branches that differ in one value, " + _HINT_SPLIT)
    for place, groups in net.groups:
        if groups > MAX_GROUPS_PER_CONDITION:
            rule, alias, _ = net.places[place]
            yield _issue(rules, doc, rule, alias, "",
                         f"this condition has {groups} groups (the condition itself, and each 'in' list, "
                         f"'not_in' list and field with several operators); the rule engine takes at most "
                         f"{MAX_GROUPS_PER_CONDITION}",
                         "test fewer fields with lists or ranges in one condition, or split it into "
                         "separate rules")
    for node in net.nodes:
        yield from _node_limits(rules, doc, net, node)
    pending, walk = _pending(net.root, {})
    if pending > MAX_PENDING_TESTS:
        widest = max(walk, key=lambda step: _width(step[0], _ranked_fields(step[0]), step[1])[0])[0]
        kind = walk[1][0].label if len(walk) > 1 else "fact"
        rule, alias, name = net.places[_latest_place(net, walk)]
        yield _issue(rules, doc, rule, alias, name,
                     f"one {kind} can pass {pending} tests at once"
                     + (f" after '{widest.label}'" if widest.label else "")
                     + " (such as overlapping thresholds on one field, or one value in many 'in' lists); "
                     f"the rule engine keeps at most {MAX_PENDING_TESTS} waiting and would fail on it",
                     "use fewer distinct thresholds or repeated values at this point, " + _HINT_SPLIT)


def _node_limits(rules: RulesFile, doc: Document, net: _Network, node: _Node) -> Iterator[Issue]:
    after = f"after '{node.label}'" if node.label else "at the start of a condition"
    checks = (
        ([n.owner for n in node.tests.values()], MAX_TESTS_AT_NODE,
         f"different tests come right {after} (each value of an 'in' list counts)", "would hang",
         "test fewer distinct values here (a coarser field, fewer 'in' values), "),
        (node.ends, MAX_CONDITIONS_AT_NODE, f"rule conditions end {after} (the same tests)", "would crash",
         "merge rules with the same condition into one rule with several effects, "),
    )
    for owners, limit, what, outcome, hint in checks:
        if len(owners) > limit:
            rule, alias, name = net.places[owners[limit]]
            yield _issue(rules, doc, rule, alias, name,
                         f"{len(owners)} {what}; the rule engine holds at most {limit} there and {outcome}",
                         hint + _HINT_SPLIT)


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


def _ranked(tests: list[Test]) -> list[tuple[int, Any]]:
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
    return sorted(((passed(v), v) for v in values), key=lambda pair: -pair[0])


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

def _branch_count(rules: RulesFile, stage: str = CUSTOMER_STAGE) -> int:
    return sum(1 for rule in rules.rules if rule.stage == stage for _ in branch_paths(rule.when, ()))


def _issue(rules: RulesFile, doc: Document, engine_rule: str, alias: str, name: str,
           message: str, hint: str) -> Issue:
    """An issue at the rule (and condition field) an engine rule came from."""
    return doc.issue(_rule_path(rules, engine_rule, alias, name), "engine-limit", message, hint)


def _rule_path(rules: RulesFile, engine_rule: str, alias: str, name: str) -> tuple[str | int, ...]:
    if not engine_rule.startswith("r"):  # an internal rule: no place in the file
        return ("rules",)
    index, branch = (int(n) for n in engine_rule[1:].split("_"))
    at, _ = list(branch_paths(rules.rules[index].when, ("rules", index, "when")))[branch]
    if alias not in _KEYS:
        return at
    at += (_KEYS[alias],)
    if alias == "b" and name.startswith("spend"):
        name = "spend"  # spend_<n> is the spend field of one not_counting set
    return at + (name,) if alias in ("c", "b") and name and name != "kind" else at
