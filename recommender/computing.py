"""Where the service computes recommendations: one thread of its own, or a pool of worker processes.

The service is one process that reads the requests; recommendations are computed first come first
served, each by the next free worker. Letting ``uvicorn --workers N`` spread the load instead does not
work for a CRM: a process accepts a keep-alive connection for the connection's life, so a client's
pool of 16 connections was measured to land on one of two processes while the other idled, and an
admin reload reached only the process that took it. Within one process one thread computes: sixteen
requests time-sliced by the GIL each took sixteen times as long.

A worker process gets the knowledge by content (as :meth:`Recommender.recommend_many`'s workers do)
and sends each result back as its JSON, which the service passes on without parsing it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import date
from functools import partial
from typing import Any

from .batch import worker_pool, worker_state
from .errors import Issue, ProfileError
from .profile import Source
from .recommender import Recommender

__all__ = ["Computed", "Computing"]

Computed = tuple[str | None, tuple[Issue, ...]]  # the result's JSON, or the profile's problems


class Computing:
    """The executor of one knowledge's recommendations: a thread when ``processes`` is 1, else a pool."""

    def __init__(self, serving: Mapping[str, Recommender], processes: int):
        self.serving, self.processes = dict(serving), processes
        self.executor: Executor = self._executor()

    def _executor(self) -> Executor:
        if self.processes == 1:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="recommend")
        pool = worker_pool(self.processes, self.serving)
        # every worker up and its knowledge loaded before the service says it is healthy
        for ready in [pool.submit(_ready) for _ in range(self.processes)]:
            ready.result()
        return pool

    def submit(self, catalog: str, data: Any, top_k: int, day: date) -> Future[Computed]:
        """Recommend for the profile ``data`` with the catalog ``catalog`` (a key of ``serving``)."""
        if self.processes == 1:
            # the thread runs in the caller's context, as run_in_threadpool would
            job = partial(contextvars.copy_context().run, computed, self.serving[catalog], data, top_k, day)
            return self.executor.submit(job)
        return self.executor.submit(_in_worker, catalog, data, top_k, day)

    def restart(self) -> None:
        """A fresh pool after a worker process died (the rest of a broken pool fails too)."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._executor()

    def close(self) -> None:
        """Stop taking work; what was submitted still finishes (a reload lets requests under way end)."""
        self.executor.shutdown(wait=False)

    def stop(self) -> None:
        """Stop at once, workers included: the service is shutting down."""
        self.executor.shutdown(wait=True, cancel_futures=True)


def computed(rec: Recommender, data: Any, top_k: int, day: date) -> Computed:
    """The recommendation for ``data`` as JSON, or the profile's problems."""
    try:
        profile = rec.parse_profile(data, source=Source(file="request"))
    except ProfileError as exc:
        return None, exc.issues
    return rec.recommend(profile, top_k=top_k, as_of=day).model_dump_json(), ()


def _ready() -> bool:
    return bool(worker_state())


def _in_worker(catalog: str, data: Any, top_k: int, day: date) -> Computed:
    return computed(worker_state()[catalog], data, top_k, day)
