"""The durable-rules backend: the only module that imports durable-rules.

Each rule branch's neutral condition tree (:mod:`recommender.evaluation`) is
rendered as durable-rules JSON, with one small Python action per branch that
hands the firing to the engine-neutral :class:`~recommender.evaluation.Session`.
Derived needs and products are asserted back as facts, so rules chain inside
durable-rules. Each rule stage is its own ruleset in the same Host; every guard
below holds for both.

durable-rules 2.0.28 has sharp edges (see DESIGN.md); each is handled here and
pinned by a regression test in ``tests/test_engine_pitfalls.py`` and
``tests/test_engine_guards.py``:

* A session whose facts fire no action segfaults on ``delete_state``, and a fact
  no rule condition matches makes ``assert_facts`` raise before running actions.
  So every evaluation asserts a customer fact that a catch-all rule
  (``_session``) always fires on, and need, product and key-person facts are
  asserted only when some condition can match them (``referenced_ids``). The
  bundle fact, whose spend may meet none of the conditions, has a catch-all of
  its own (``_bundle``) in the bundle-stage ruleset.
* durable-rules parses numbers only in some spellings and cannot encode lone
  surrogates: :func:`~recommender.evaluation.engine_fact` puts every fact value
  in a form it parses.
* Deleting a state that was never created raises and hides the first error: only
  sessions the catch-all fired on are deleted.
* A ruleset holds at most 1,024 live sessions: each evaluation uses a fresh sid
  and deletes it in a ``finally``.
* Exceptions raised in actions are swallowed by durable-rules: actions catch
  them themselves and the evaluation re-raises them as :class:`EngineError`.
* Nothing is thread-safe: one lock per engine serialises evaluations, and the
  Host's two background timer threads are never started (they dispatch actions
  concurrently with the caller and are only needed for timers, which we do not
  use).
* Rulesets are never freed and ``durable.lang`` names are global: each engine
  owns a private Host and never touches ``durable.lang``.

durable-rules does not install on Python 3.13 and later; this module still
imports there (:data:`AVAILABLE` is then False), so that the JSON compiler serves
the limit checks and the compiled backend serves the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

from .errors import EngineError
from .evaluation import All, AnyOf, Branch, Node, RuleEngine, Session, compile_branches
from .knowledge.base import KnowledgeBase
from .knowledge.schema import Rule
from .vocabulary import BUNDLE_STAGE, CUSTOMER_STAGE

try:
    from durable import engine as _durable
except ImportError:  # Python 3.13+, or installed without it: the compiled backend serves
    _durable = None

__all__ = ["AVAILABLE", "DurableEngine", "compile_rules", "definition"]

AVAILABLE = _durable is not None


def compile_rules(rules: tuple[Rule, ...], stage: str = CUSTOMER_STAGE) -> tuple[dict[str, Any], dict[str, Branch]]:
    """durable-rules ruleset definition (without actions) of one stage's rules, and the branch behind
    each engine rule name (``r<index>_<branch>``, the index among all ``rules``)."""
    branches = compile_branches(rules, stage)
    return definition(branches, stage), {b.name: b for b in branches}


def definition(branches: tuple[Branch, ...], stage: str) -> dict[str, Any]:
    """The ruleset JSON: the catch-all rules every session needs (see above), then one rule per branch."""
    out: dict[str, Any] = {"_session": {"all": [{"m": {"kind": "customer"}}]}}
    if stage == BUNDLE_STAGE:  # the bundle fact's spend may meet no condition: it must still match a rule
        out["_bundle"] = {"all": [{"m": {"kind": "bundle"}}]}
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


if _durable is not None:
    _STORED_THEN_REFUSED: tuple[type[Exception], ...] = (
        _durable.MessageNotHandledException, _durable.MessageObservedException)

    class _QuietHost(_durable.Host):  # type: ignore[misc]
        """A durable-rules Host without its background dispatch threads."""

        def _run(self) -> None:
            # The stock Host starts two timer threads that run pending actions behind
            # the caller's back; we evaluate synchronously and need neither.
            pass


class _Running:
    """The durable-rules side of one evaluation: whether its state exists, and errors actions raised."""

    def __init__(self, session: Session):
        self.session = session
        self.opened = False
        self.errors: list[BaseException] = []


class DurableEngine(RuleEngine):
    """One knowledge base's rules, compiled into a private durable-rules Host."""

    name = "durable"

    def __init__(self, kb: KnowledgeBase):
        if _durable is None:
            raise EngineError("durable-rules is not installed (it installs on Python 3.11 and 3.12 only); "
                              "use the compiled engine")
        super().__init__(kb)
        self._running: _Running | None = None
        self.ruleset_name = f"kb_{kb.fingerprint}"
        self.definition = definition(self.branches, CUSTOMER_STAGE)
        self.bundle_definition = definition(self.bundle_branches, BUNDLE_STAGE)
        self.bundle_ruleset_name = self.ruleset_name + "_bundle"
        self._rulesets: dict[str, str] = {CUSTOMER_STAGE: self.ruleset_name, BUNDLE_STAGE: self.bundle_ruleset_name}
        self._host = _QuietHost()
        rulesets = {self.ruleset_name: self._with_actions(self.definition, self.branches)}
        if self.has_bundle_stage:
            rulesets[self.bundle_ruleset_name] = self._with_actions(self.bundle_definition, self.bundle_branches)
        try:
            self._host.register_rulesets(rulesets)
        except Exception as exc:  # the load-time limit checks should make this unreachable
            raise EngineError(f"durable-rules refused the rule base: {exc}") from exc

    def _with_actions(self, definition: dict[str, Any], branches: tuple[Branch, ...]) -> dict[str, Any]:
        by_name = {b.name: b for b in branches}
        rules: dict[str, Any] = {}
        for name, body in definition.items():
            branch = by_name.get(name)
            run = self._action(branch) if branch else self._opened if name == "_session" else _noop
            rules[name] = dict(body, run=run)
        return rules

    def _opened(self, c: Any) -> None:
        # The catch-all fired, so durable-rules holds a state for this sid that
        # must be deleted (and deleting it is safe: one of its facts matched).
        if self._running is not None:
            self._running.opened = True

    def _action(self, branch: Branch) -> Callable[[Any], None]:
        conditions = [(c.alias, c.kind, c.fields) for c in branch.conditions]

        def action(c: Any) -> None:
            running = self._running
            if running is None:  # pragma: no cover - only reachable if durable-rules dispatched late
                return
            try:
                matched = [(kind, fields, c._m[alias]) for alias, kind, fields in conditions]
                running.session.fire(branch.rule, matched, c.assert_fact)
            except BaseException as exc:  # noqa: BLE001 - durable-rules would swallow it
                running.errors.append(exc)
        return action

    def _run(self, stage: str, session: Session, facts: list[dict[str, Any]]) -> None:
        ruleset = self._rulesets[stage]
        running = _Running(session)
        self._running = running
        failure: Exception | None = None
        try:
            self._host.assert_facts(ruleset, facts)
        except Exception as exc:
            failure = exc
            # durable-rules raises these only after it stored the facts: the state exists.
            running.opened |= isinstance(exc, _STORED_THEN_REFUSED)
        finally:
            self._running = None
            self._close(running, ruleset, quiet=failure is not None or bool(running.errors))
        if failure is not None:
            raise EngineError(f"durable-rules refused the facts: {failure}") from failure
        if running.errors:
            raise EngineError(f"a rule action failed: {running.errors[0]!r}") from running.errors[0]

    def _close(self, running: _Running, ruleset: str, quiet: bool) -> None:
        """Delete the session's durable-rules state, if it was ever created.

        Deleting a state that was never created raises (error 309), and deleting
        one none of whose facts matched segfaults: the catch-all's firing proves
        neither applies. When ``quiet``, a failure here must not hide the error
        that brought us here.
        """
        if not running.opened:
            return
        try:
            self._host.delete_state(ruleset, running.session.sid)
        except Exception as exc:
            if not quiet:
                raise EngineError(f"durable-rules could not delete a session: {exc}") from exc

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


def _noop(c: Any) -> None:
    pass
