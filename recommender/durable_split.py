"""A stage's rules split over as many durable-rules rulesets as its fixed limits need.

One durable-rules ruleset holds at most 4,096 rules, 511 distinct tests and 255
identical conditions under one node, and lets one fact wait on at most 64 tests
(:mod:`recommender.knowledge.limits`, which models its network exactly). A rule
base past any of these still runs, split:

* each branch is cut into parts where an ``in`` list is too long for one node
  (:func:`recommender.durable_json.branch_parts`);
* the parts are packed, in file order, into consecutive rulesets that each
  :func:`~recommender.knowledge.limits.fits`, each as long as it can be
  (:func:`~recommender.knowledge.limits.pack`);
* each ruleset gets the facts of the kinds its conditions take, cut to the fields
  they test, so a fact of hundreds of fields (one score per assessment step) reaches
  the engine small. A split ruleset has a catch-all rule per kind of fact it takes,
  as a fact that matches no rule of a ruleset makes durable-rules refuse the batch.

The backend asserts facts into every ruleset of the stage and the facts the rules
derive into every ruleset again, until no ruleset gets a new fact: chaining across
rulesets reaches the same fixpoint as chaining inside one, and the evaluation
(:class:`recommender.evaluation.Session`) keeps firings as sets and applies a rule's
effects once, so the result does not depend on how the rules were split.

Rules whose conditions are the same (a campaign cloned for many products, say) share one
durable-rules rule, as a Rete network shares their nodes: it is matched once and its action
fires each of them (:func:`recommender.evaluation.share`, :attr:`RulesetPlan.rules`). A big
catalog's thousands of rules are a few hundred distinct conditions, so they fit fewer rulesets
and cost one action per distinct condition, not one per rule.

A rule base that fits one ruleset is one ruleset. Knowledge holding a part that fits no ruleset on its own is
refused when it loads (``engine-limit``), so :func:`split` never meets one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .durable_json import branch_parts, definition, fields_tested, kinds_tested
from .errors import EngineError
from .evaluation import Branch, share
from .knowledge.limits import fits, pack

__all__ = ["RulesetPlan", "split"]

_ALWAYS_SENT = frozenset({"sid", "kind", "id"})  # a fact keeps its session, its kind and its identity


@dataclass(frozen=True)
class RulesetPlan:
    """One ruleset of a stage: its branches (or parts), its definition, and which facts it takes."""

    branches: tuple[Branch, ...]
    definition: dict[str, Any]
    kinds: frozenset[str]  # kinds of fact sent to it (the customer fact always: its _session rule fires)
    fields: Mapping[str, frozenset[str]]  # per kind, the fields a fact keeps on its way in
    rules: Mapping[str, tuple[int, ...]]  # per branch (or part), the rules it fires: all those sharing its conditions

    def takes(self, fact: Mapping[str, Any]) -> bool:
        return fact["kind"] in self.kinds

    def cut(self, fact: Mapping[str, Any]) -> dict[str, Any]:
        """``fact`` with only the fields this ruleset's conditions test: no test reads the others, and a fact
        of more than 253 fields would crash durable-rules."""
        keep = self.fields.get(fact["kind"], frozenset())
        return {k: v for k, v in fact.items() if k in keep or k in _ALWAYS_SENT}


def split(branches: tuple[Branch, ...], stage: str) -> tuple[RulesetPlan, ...]:
    """The rulesets ``stage``'s branches run in: one when they fit, else the fewest consecutive ones."""
    distinct, rules = share(branches)
    whole = definition(distinct, stage)
    if fits(whole):
        return (_plan(distinct, whole, stage, rules),)
    parts = tuple(part for branch in distinct for part in branch_parts(branch))
    rules = {part.name: rules[branch.name] for branch in distinct for part in branch_parts(branch)}
    groups, unplaceable = pack(parts, stage)
    if unplaceable:  # validation refuses such knowledge (limits.check_limits)
        part, broken = unplaceable[0]
        raise EngineError(f"durable-rules cannot take rule branch {part.name} even on its own: {broken.message}")
    return tuple(_plan(group, definition(group, stage, kinds_tested(group)), stage, rules) for group in groups)


def _plan(group: Sequence[Branch], body: dict[str, Any], stage: str,
          rules: Mapping[str, tuple[int, ...]]) -> RulesetPlan:
    kinds = kinds_tested(group) | {"customer"} | ({"bundle"} if "_bundle" in body else set())
    return RulesetPlan(tuple(group), body, frozenset(kinds), fields_tested(group),
                       {b.name: rules[b.name] for b in group})
