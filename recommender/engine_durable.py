"""The durable-rules backend: the only module that imports durable-rules.

Each rule branch's neutral condition tree (:mod:`recommender.evaluation`) is
rendered as durable-rules JSON, with one small Python action per branch that
hands the firing to the engine-neutral :class:`~recommender.evaluation.Session`.
Each rule stage runs in its own rulesets of one private Host: one ruleset when the
stage fits durable-rules' fixed limits, else as many as they need
(:mod:`recommender.durable_split`). Facts go into every ruleset of the stage, cut to
the fields its conditions test; the needs and products the rules derive go into
every ruleset again, until none gets a new fact, so rules chain inside and across
rulesets to the same fixpoint. Every guard below holds for every ruleset.

durable-rules 2.0.28 has sharp edges (see DESIGN.md); each is handled here and
pinned by a regression test in ``tests/test_engine_pitfalls.py`` and
``tests/test_engine_guards.py``:

* A session whose facts fire no action segfaults on ``delete_state``, and a fact
  no rule condition matches makes ``assert_facts`` raise before running actions.
  So every evaluation asserts into each ruleset a customer fact that a catch-all
  rule (``_session``) always fires on, and need, product and key-person facts are
  asserted only when some condition can match them (``referenced_ids``). The
  bundle fact, whose spend may meet none of the conditions, has a catch-all of
  its own (``_bundle``) in the bundle-stage rulesets, and so has each kind of fact
  a split ruleset takes (``_need``, ...).
* A fact of more than 253 fields crashes the engine: each ruleset gets facts cut
  to the fields its conditions test (so 240 assessment steps work).
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
* durable-rules never frees a ruleset by itself (about 1 MB each) and
  ``durable.lang`` names are global: each engine owns a private Host, never touches
  ``durable.lang``, and deletes its rulesets in the C engine when it is garbage
  (:func:`weakref.finalize`). No action refers to the engine, so dropping the last
  reference frees it at once, even where ``gc.freeze()`` keeps cycles alive; reloading
  knowledge a thousand times keeps memory flat (``benchmarks/bench_reload.py``).

durable-rules does not install on Python 3.13 and later; this module still
imports there (:data:`AVAILABLE` is then False), so that the JSON compiler serves
the limit checks and the compiled backend serves the rules.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from contextlib import suppress
from itertools import count
from typing import Any

from .durable_json import compile_rules, definition
from .durable_split import RulesetPlan, split
from .errors import EngineError
from .evaluation import Branch, RuleEngine, Session
from .knowledge.base import KnowledgeBase
from .vocabulary import BUNDLE_STAGE, CUSTOMER_STAGE

try:
    from durable import engine as _durable
except ImportError:  # Python 3.13+, or installed without it: the compiled backend serves
    _durable = None

__all__ = ["AVAILABLE", "DurableEngine", "compile_rules", "definition"]

AVAILABLE = _durable is not None


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
    """The durable-rules side of one evaluation: the rulesets holding its state, the facts still to send,
    and errors actions raised."""

    def __init__(self, session: Session, facts: list[dict[str, Any]]):
        self.session = session
        self.facts = facts  # the stage's facts, then the ones rules derive (each ruleset gets each once)
        self.opened: list[str] = []  # rulesets whose catch-all fired: a state to delete
        self.errors: list[BaseException] = []


class _Dispatch:
    """What the actions reach: the evaluation under way. Actions hold this, never the engine, so the engine
    is freed (and its rulesets deleted) as soon as nothing else holds it."""

    def __init__(self) -> None:
        self.running: _Running | None = None


class DurableEngine(RuleEngine):
    """One knowledge base's rules, compiled into rulesets of a private durable-rules Host."""

    name = "durable"

    def __init__(self, kb: KnowledgeBase):
        if _durable is None:
            raise EngineError("durable-rules is not installed (it installs on Python 3.11 and 3.12 only); "
                              "use the compiled engine")
        super().__init__(kb)
        self._dispatch = _Dispatch()
        self.ruleset_name = f"kb_{kb.fingerprint}"
        stages = {CUSTOMER_STAGE: self.branches}
        if self.has_bundle_stage:
            stages[BUNDLE_STAGE] = self.bundle_branches
        # stage -> (ruleset name, plan), in the order facts are sent
        self.rulesets: dict[str, tuple[tuple[str, RulesetPlan], ...]] = {
            stage: tuple((self._name(stage, i), plan) for i, plan in enumerate(split(branches, stage)))
            for stage, branches in stages.items()}
        self._host = _QuietHost()
        self._finalizer = _freeing(self, self._host)
        try:
            self._host.register_rulesets({name: _with_actions(self._dispatch, name, plan)
                                          for plans in self.rulesets.values() for name, plan in plans})
        except Exception as exc:  # the load-time limit checks should make this unreachable
            raise EngineError(f"durable-rules refused the rule base: {exc}") from exc

    def _name(self, stage: str, index: int) -> str:
        return self.ruleset_name + ("_bundle" if stage == BUNDLE_STAGE else "") + (f"_{index}" if index else "")

    def _run(self, stage: str, session: Session, facts: list[dict[str, Any]]) -> None:
        """Send each ruleset of ``stage`` the facts it has not had, until none gets a new one."""
        rulesets = self.rulesets[stage]
        running = _Running(session, list(facts))
        sent = [0] * len(rulesets)
        self._dispatch.running = running
        failure: Exception | None = None
        try:
            while not running.errors and any(n < len(running.facts) for n in sent):
                for i, (name, plan) in enumerate(rulesets):
                    batch = [plan.cut(f) for f in running.facts[sent[i]:] if plan.takes(f)]
                    sent[i] = len(running.facts)
                    if batch:
                        self._assert(name, batch, running)
                    if running.errors:
                        break
        except Exception as exc:
            failure = exc
        finally:
            self._dispatch.running = None
            self._close(running, quiet=failure is not None or bool(running.errors))
        if failure is not None:
            raise EngineError(f"durable-rules refused the facts: {failure}") from failure
        if running.errors:
            raise EngineError(f"a rule action failed: {running.errors[0]!r}") from running.errors[0]

    def _assert(self, ruleset: str, batch: list[dict[str, Any]], running: _Running) -> None:
        try:
            self._host.assert_facts(ruleset, batch)
        except Exception as exc:
            # durable-rules raises these only after it stored the facts: the state exists.
            if isinstance(exc, _STORED_THEN_REFUSED) and ruleset not in running.opened:
                running.opened.append(ruleset)
            raise

    def _close(self, running: _Running, quiet: bool) -> None:
        """Delete the session's durable-rules state in each ruleset where it was created.

        Deleting a state that was never created raises (error 309), and deleting
        one none of whose facts matched segfaults: the catch-all's firing proves
        neither applies. When ``quiet``, a failure here must not hide the error
        that brought us here.
        """
        for ruleset in running.opened:
            try:
                self._host.delete_state(ruleset, running.session.sid)
            except Exception as exc:
                if not quiet:
                    raise EngineError(f"durable-rules could not delete a session: {exc}") from exc

    def bare_floor(self) -> Callable[[list[dict[str, Any]]], None]:
        """The cost floor for benchmarks: the same customer-stage rules with do-nothing actions.

        Returns a function that asserts the given facts into a fresh session of each
        customer-stage ruleset of a separate Host and deletes it, which is the least any
        evaluation pays.
        """
        host = _QuietHost()
        plans = [(name + "_floor", plan) for name, plan in self.rulesets[CUSTOMER_STAGE]]
        host.register_rulesets({name: {n: dict(b, run=_noop) for n, b in plan.definition.items()}
                                for name, plan in plans})
        sids = count(1)

        def run(facts: list[dict[str, Any]]) -> None:
            sid = f"f{next(sids)}"
            for name, plan in plans:
                try:
                    host.assert_facts(name, [dict(plan.cut(f), sid=sid) for f in facts if plan.takes(f)])
                finally:
                    host.delete_state(name, sid)
        _freeing(run, host)
        return run


def _with_actions(dispatch: _Dispatch, ruleset: str, plan: RulesetPlan) -> dict[str, Any]:
    by_name = {b.name: b for b in plan.branches}
    rules: dict[str, Any] = {}
    for name, body in plan.definition.items():
        branch = by_name.get(name)
        run = (_action(dispatch, branch, plan.rules[name]) if branch else
               _opened(dispatch, ruleset) if name == "_session" else _noop)
        rules[name] = dict(body, run=run)
    return rules


def _opened(dispatch: _Dispatch, ruleset: str) -> Callable[[Any], None]:
    def opened(c: Any) -> None:
        # The catch-all fired, so durable-rules holds a state for this sid that
        # must be deleted (and deleting it is safe: one of its facts matched).
        running = dispatch.running
        if running is not None and ruleset not in running.opened:
            running.opened.append(ruleset)
    return opened


def _action(dispatch: _Dispatch, branch: Branch, fired: tuple[int, ...]) -> Callable[[Any], None]:
    """The action of ``branch``'s durable-rules rule: it fires the rules ``fired``, which share its conditions."""
    conditions = [(c.alias, c.kind, c.fields) for c in branch.conditions]

    def action(c: Any) -> None:
        running = dispatch.running
        if running is None:  # pragma: no cover - only reachable if durable-rules dispatched late
            return
        try:
            matched = [(kind, fields, c._m[alias]) for alias, kind, fields in conditions]
            running.session.fire(fired, matched, running.facts.append)
        except BaseException as exc:  # noqa: BLE001 - durable-rules would swallow it
            running.errors.append(exc)
    return action


def _freeing(owner: object, host: Any) -> weakref.finalize:  # type: ignore[type-arg]
    """Delete ``host``'s rulesets in the C engine once ``owner`` is garbage; nothing can evaluate them then."""
    finalizer = weakref.finalize(owner, _delete_rulesets, host)
    finalizer.atexit = False  # the process is ending: nothing to give back
    return finalizer


def _delete_rulesets(host: Any) -> None:
    for ruleset in host._ruleset_list:
        with suppress(Exception):  # freeing is best effort: a leak, never an error
            _durable.durable_rules_engine.delete_ruleset(ruleset._handle)
    host._ruleset_list.clear()
    host._ruleset_directory.clear()


def _noop(c: Any) -> None:
    pass
