"""The rule engine the facade runs: one knowledge base's rules behind one interface, two backends.

* ``durable``: durable-rules 2.0.28 (:mod:`recommender.engine_durable`), the engine
  this library is built on; it installs on Python 3.11 and 3.12 only.
* ``compiled``: an in-process matcher with indexed conditions
  (:mod:`recommender.engine_compiled`), byte-identical in its results and
  available on every Python.
* ``auto`` (the default): durable-rules where it is installed, else compiled.

What an evaluation is (facts, effects, firings, chaining) does not depend on the
backend and lives in :mod:`recommender.evaluation`; its result types are
re-exported here for the modules that consume them.
"""

from __future__ import annotations

from typing import Literal, TypeAlias, get_args

from .engine_compiled import CompiledEngine
from .engine_durable import AVAILABLE as DURABLE_AVAILABLE
from .engine_durable import DurableEngine
from .evaluation import (
    BundleEvaluation,
    Choice,
    Evaluation,
    Firing,
    Input,
    KeyPersonInput,
    RuleEngine,
)
from .knowledge.base import KnowledgeBase

__all__ = [
    "DURABLE_AVAILABLE", "ENGINES", "BundleEvaluation", "Choice", "EngineName", "Evaluation", "Firing", "Input",
    "KeyPersonInput", "RuleEngine", "backend", "create_engine",
]

EngineName: TypeAlias = Literal["auto", "durable", "compiled"]
ENGINES: tuple[str, ...] = get_args(EngineName)


def backend(engine: str = "auto") -> str:
    """The backend ``engine`` names: ``auto`` is durable-rules where it is installed, else compiled."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "durable" if DURABLE_AVAILABLE else "compiled"
    return engine


def create_engine(kb: KnowledgeBase, engine: str = "auto") -> RuleEngine:
    """``kb``'s rules ready to evaluate on the chosen backend (:class:`EngineError` when it is not installed)."""
    return DurableEngine(kb) if backend(engine) == "durable" else CompiledEngine(kb)
