"""The facade: wires knowledge, engine, bundling, ranking and explanation together."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .assemble import recommendation
from .assess import assess, customer_fact
from .batch import BatchItem, Row, run_batch
from .bundle_stage import run_bundle_stage
from .bundling import Constraints, classify, search
from .diagnose import why_not
from .engine import EngineName, RuleEngine, create_engine
from .evaluation import BackendName
from .knowledge.base import KnowledgeBase
from .knowledge.loader import load_knowledge
from .messages import register, using
from .pricing import Pricing, one_time_budget, rule_quantities
from .profile import CustomerProfile, Source, load_profile, parse_profile
from .result import Recommendation
from .switches import switched_on
from .validity import checked_day
from .winback import with_former_products

if TYPE_CHECKING:
    import pandas as pd

# Engines of unpickled recommenders by knowledge fingerprint and engine choice: a worker process builds each once.
_ENGINES: dict[tuple[str, str], RuleEngine] = {}


def default_knowledge_dir() -> Path:
    """The knowledge shipped with the package (or the repository's, in a source checkout)."""
    packaged = Path(str(files("recommender"))) / "_knowledge"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "knowledge"


def _serving(kb: KnowledgeBase, engine: EngineName) -> tuple[KnowledgeBase, RuleEngine]:
    """The knowledge and its engine on the chosen backend; its sentences now render the results that name it."""
    register(kb.fingerprint, kb.messages)
    state = kb, create_engine(kb, engine)
    _settle()
    return state


def _settle() -> None:
    """Take what the process holds now (the knowledge and engine just built) out of the garbage collector's
    scans, unless ``RECOMMENDER_GC_FREEZE=0``.

    Knowledge and engine live as long as the recommender and are hundreds of thousands of objects at
    operator scale; every full collection would walk them all again (pauses of hundreds of milliseconds
    at 5,000 products). ``gc.freeze()`` moves every tracked object to a permanent generation the collector
    skips. That is safe in a long-lived process because it is undone here first: frozen objects are still
    freed by reference counting, and only reference cycles among them (durable-rules' engine has some)
    wait for a collection; so each time knowledge is built or swapped in (construction, reload, a batch
    worker receiving it), everything is unfrozen and collected once, which frees the knowledge and engine
    that were dropped since, and what survives is frozen again. A process that freezes objects itself
    (before forking workers, say) sees them unfrozen by this; ``RECOMMENDER_GC_FREEZE=0`` leaves the
    collector alone.

    The collection thresholds are raised to at least ``_THRESHOLDS`` (never lowered, and left alone while
    automatic collection is off): a call builds no reference cycle (tests/test_no_cycles.py), so the young
    collections it set off, about two a call at the default 700 allocations, only traced the search's
    live nodes, 0.78 ms of a 10 ms call; 0.29 ms at these thresholds.
    """
    if not switched_on("RECOMMENDER_GC_FREEZE"):
        return
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    current = gc.get_threshold()
    if current[0]:
        gc.set_threshold(*(max(now, ours) for now, ours in zip(current, _THRESHOLDS, strict=True)))


_THRESHOLDS = (20_000, 20, 20)


class Recommender:
    """Recommends ranked, explained product bundles for group customers.

    Thread-safe: calls may come from many threads; :meth:`reload` swaps the
    knowledge atomically and a failed reload keeps the old knowledge serving.
    """

    def __init__(self, knowledge: KnowledgeBase, engine: EngineName = "auto"):
        """``engine`` picks the rule engine: ``durable`` (durable-rules), ``compiled`` (the in-process
        matcher, same results) or ``auto``, durable-rules where it is installed (see :mod:`recommender.engine`)."""
        self._engine = engine
        self._state = _serving(knowledge, engine)
        self._reload_lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        # the knowledge travels by content; the engine (C state, a lock) is rebuilt where it lands, as chosen
        return {"knowledge": self._state[0], "engine": self._engine}

    def __setstate__(self, state: dict[str, Any]) -> None:
        kb: KnowledgeBase = state["knowledge"]
        self._engine = state["engine"]
        key = (kb.fingerprint, self._engine)
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = create_engine(kb, self._engine)
            _settle()
        self._state = (kb, engine)
        self._reload_lock = threading.Lock()

    @classmethod
    def default(cls, catalog: str | None = None, engine: EngineName = "auto") -> Recommender:
        """The default knowledge base; ``catalog`` picks one of its catalogs."""
        return cls.from_path(default_knowledge_dir(), catalog, engine)

    @classmethod
    def from_path(cls, path: str | Path, catalog: str | None = None, engine: EngineName = "auto") -> Recommender:
        """A product team's knowledge directory (raises :class:`KnowledgeError`)."""
        return cls(load_knowledge(path, catalog), engine)

    @property
    def engine(self) -> BackendName:
        """The backend serving this recommender's rules: ``durable`` or ``compiled``."""
        return self._state[1].name

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._state[0]

    def reload(self, path: str | Path | None = None, catalog: str | None = None) -> KnowledgeBase:
        """Load new knowledge and swap it in; on error raise and keep the current one."""
        with self._reload_lock:
            current = self._state[0]
            kb = load_knowledge(path or current.root, catalog or current.catalog.id)
            self._state = _serving(kb, self._engine)  # the backend chosen at construction
            return kb

    def parse_profile(self, data: Mapping[str, Any] | CustomerProfile, *, source: Source | None = None
                      ) -> CustomerProfile:
        """Check a profile's shape and ids against this knowledge; one :class:`ProfileError` lists all.

        ``source`` locates the problems: a file with positions, or a table's row (:class:`Source`).
        """
        return parse_profile(data, source=source, knowledge=self._state[0])

    def load_profile(self, path: str | Path) -> CustomerProfile:
        """Read a profile file; errors name file:line:column."""
        return load_profile(path, self._state[0])

    def recommend_many(self, profiles: Iterable[Mapping[str, Any] | CustomerProfile | Row], *,
                       processes: int | None = None, top_k: int = 3, as_of: date | None = None
                       ) -> Iterator[BatchItem]:
        """Recommend for a customer base, streaming one :class:`BatchItem` per input row in input order.

        Runs on ``processes`` worker processes (default: one per core; 1: in this process). A bad
        row comes back with its :class:`ProfileError` and the rest go on. Give a :class:`Row` to
        locate a row's problems in its file. Every row is recommended as of one day: ``as_of``, else today
        when the run starts.
        """
        return run_batch(self, profiles, processes=processes, top_k=top_k, as_of=as_of)

    def recommend_frame(self, df: pd.DataFrame, *, processes: int | None = 1, top_k: int = 3,
                        column_map: dict[str, str] | None = None, as_of: date | None = None) -> pd.DataFrame:
        """A DataFrame of customers in, one row per customer and bundle rank out (:mod:`recommender.frame`)."""
        from .frame import recommend_frame
        return recommend_frame(self, df, processes=processes, top_k=top_k, column_map=column_map, as_of=as_of)

    def recommend(self, profile: CustomerProfile | Mapping[str, Any], top_k: int = 3, *,
                  as_of: date | None = None) -> Recommendation:
        """The ``top_k`` best bundles for ``profile`` with rationale (raises :class:`ProfileError`).

        ``as_of`` is the day it is made for (default: today in the operator's time zone, see
        :mod:`recommender.validity`): only the products, prices and offers in force that day count, and the
        result records the day.
        """
        if top_k < 1:
            raise ValueError("top_k must be at least 1")
        day = checked_day(as_of)
        base, engine = self._state  # one snapshot, even if reload() runs meanwhile
        kb = base.on(day)
        # every sentence the result carries is written in each language the knowledge declares, from its messages
        with using(kb.messages):
            profile = parse_profile(profile, knowledge=kb)
            assessment = assess(profile, kb)
            fact, ranks = customer_fact(profile, assessment, kb), tuple(p.fact() for p in profile.key_persons)
            ev = engine.evaluate(fact, {n: 1.0 for n in profile.needs}, ranks, tuple(profile.rival_products))
            ev = with_former_products(kb, ev, profile.former_products, profile.existing_products)
            ev = replace(ev, offers=kb.offers_in_force(ev.offers))
            quantities = rule_quantities(kb, (f.rule for f in ev.firings))
            cons = Constraints(budget=profile.budget_monthly, excluded=frozenset(profile.excluded_products),
                               owned=frozenset(profile.existing_products), budget_one_time=one_time_budget(kb, profile),
                               pricing=Pricing.for_customer(kb, profile, quantities))
            strategy = kb.strategy_kind(ev.strategy.value if ev.strategy else None)
            seeds, left_out = classify(kb, profile, assessment, ev, cons)
            searched = search(kb, ev, cons, seeds, top_k, strategy)
            # the second rule stage, on each chosen bundle: add-ons, offer tiers, discounts, notes
            staged = [run_bundle_stage(kb, engine, fact, ranks, f, profile, assessment, ev, cons)
                      for f in searched.bundles]
            diagnosis = None if staged else why_not(kb, profile, assessment, ev, cons, strategy)
            result = recommendation(kb, profile, assessment, ev, cons, seeds, left_out, searched, staged, diagnosis)
            return result.model_copy(update={"as_of": day})
