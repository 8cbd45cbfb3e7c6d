"""The neutral condition trees (:mod:`recommender.evaluation`) as durable-rules JSON, and branches cut in parts.

A ruleset definition holds the catch-all rules every durable-rules session needs
(see :mod:`recommender.engine_durable`), then one rule per branch: each condition
tree is written node for node, ``All`` as ``$and``, ``AnyOf`` as ``$or``.

A branch whose ``AnyOf`` is longer than :data:`MAX_ALTERNATIVES` (an ``in`` list of
600 cities) cannot go into one durable-rules node, which holds at most 511 tests:
:func:`branch_parts` cuts such a list into disjoint parts, one branch each, with
the same rule and conditions. A fact passes the whole list exactly when it passes
one part, so the parts together fire on the same fact combinations as the branch
(a combination two parts both match fires twice, and the evaluation keeps a rule's
firings as a set and applies its effects once). This module imports no engine: the
limit checks (:mod:`recommender.knowledge.limits`) and the durable-rules backend both
build on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import product
from typing import Any

from .evaluation import All, AnyOf, Branch, Node, Test, compile_branches
from .knowledge.schema import Rule
from .vocabulary import BUNDLE_STAGE, CUSTOMER_STAGE

__all__ = ["MAX_ALTERNATIVES", "branch_parts", "compile_rules", "definition", "fields_tested", "kinds_tested"]

# Alternatives of one AnyOf in one part: half of a node's 511 tests, so a part leaves room for the tests
# other branches of its ruleset put at the same node.
MAX_ALTERNATIVES = 255


def compile_rules(rules: tuple[Rule, ...], stage: str = CUSTOMER_STAGE) -> tuple[dict[str, Any], dict[str, Branch]]:
    """durable-rules ruleset definition (without actions) of one stage's rules, and the branch behind
    each engine rule name (``r<index>_<branch>``, the index among all ``rules``)."""
    branches = compile_branches(rules, stage)
    return definition(branches, stage), {b.name: b for b in branches}


def definition(branches: Iterable[Branch], stage: str, catch_all: Iterable[str] = ()) -> dict[str, Any]:
    """The ruleset JSON: the catch-all rules every session needs, then one rule per branch.

    ``_session`` fires on the customer fact, ``_bundle`` on the bundle fact (its spend may meet no
    condition); ``catch_all`` names more kinds of fact that must match a rule whatever their values
    (``_need``, ...), for a ruleset that gets facts none of its own conditions may match.
    """
    out: dict[str, Any] = {"_session": {"all": [{"m": {"kind": "customer"}}]}}
    if stage == BUNDLE_STAGE:
        out["_bundle"] = {"all": [{"m": {"kind": "bundle"}}]}
    for kind in sorted(set(catch_all) - {"customer", "bundle"}):
        out[f"_{kind}"] = {"all": [{"m": {"kind": kind}}]}
    for branch in branches:
        out[branch.name] = {"all": [{c.alias: _json(c.test)} for c in branch.conditions]}
    return out


def _json(node: Node) -> dict[str, Any]:
    if isinstance(node, All):
        return {"$and": [_json(n) for n in node.items]}
    if isinstance(node, AnyOf):
        return {"$or": [_json(n) for n in node.items]}
    if node.op == "eq":
        return {node.field: node.value}
    return {f"${node.op}": {node.field: node.value}}


def branch_parts(branch: Branch, most: int = MAX_ALTERNATIVES) -> tuple[Branch, ...]:
    """``branch`` itself, or its parts (``<name>_<k>``) when some AnyOf has more than ``most`` alternatives."""
    options = [_parts(c.test, most) for c in branch.conditions]
    if all(len(o) == 1 for o in options):
        return (branch,)
    return tuple(Branch(f"{branch.name}_{k}", branch.rule,
                        tuple(c._replace(test=t) for c, t in zip(branch.conditions, tests, strict=True)))
                 for k, tests in enumerate(product(*options)))


def _parts(node: Node, most: int) -> list[Node]:
    """Nodes one of which a fact passes exactly when it passes ``node``; ``[node]`` when nothing is too long."""
    if isinstance(node, Test) or not _too_long(node, most):
        return [node]
    if isinstance(node, AnyOf):
        alternatives = [part for item in node.items for part in _parts(item, most)]
        chunks = [alternatives[i:i + most] for i in range(0, len(alternatives), most)]
        return [chunk[0] if len(chunk) == 1 else AnyOf(tuple(chunk)) for chunk in chunks]
    return [All(combination) for combination in product(*(_parts(item, most) for item in node.items))]


def _too_long(node: Node, most: int) -> bool:
    if isinstance(node, Test):
        return False
    return (isinstance(node, AnyOf) and len(node.items) > most) or any(_too_long(i, most) for i in node.items)


def kinds_tested(branches: Iterable[Branch]) -> frozenset[str]:
    """The kinds of fact the branches' conditions take."""
    return frozenset(c.kind for b in branches for c in b.conditions)


def fields_tested(branches: Iterable[Branch]) -> dict[str, frozenset[str]]:
    """Per kind of fact, the fields the branches' conditions test (``kind`` left out)."""
    out: dict[str, set[str]] = {}
    for branch in branches:
        for condition in branch.conditions:
            out.setdefault(condition.kind, set()).update(_fields(condition.test))
    return {kind: frozenset(names - {"kind"}) for kind, names in out.items()}


def _fields(node: Node) -> Iterable[str]:
    if isinstance(node, Test):
        return (node.field,)
    return (name for item in node.items for name in _fields(item))
