"""A customer base at once: :meth:`Recommender.recommend_many` over a pool of worker processes.

Threads cannot help (the engine serialises evaluations and the GIL the rest), so the
work goes to processes. The knowledge travels to them by content (the validated
:class:`KnowledgeBase`, pickled once per worker, not a path that may have changed), and a
worker builds the rule engine once per knowledge content. Rows go out in chunks, at most
a few chunks ahead of what the caller has read, and come back in input order: memory
stays flat however long the input. A row whose profile is bad comes back as an error
(every problem, as :class:`ProfileError` gives them) and the batch goes on; every input
row comes back exactly once.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import ProfileError
from .flat import flat_rows
from .profile import CustomerProfile, Source
from .result import Recommendation
from .validity import checked_day

if TYPE_CHECKING:
    from .recommender import Recommender

__all__ = ["BatchItem", "Row", "run_batch"]

CHUNK = 32  # rows per task: large enough to amortise the round trip, small enough to stream
AHEAD = 4  # chunks in flight per process


class Row(NamedTuple):
    """A profile with where it came from, so that its problems name the file and line (a CSV row).

    ``problem``: what was already wrong when the row was read (a cell that is not JSON); the row
    is then rejected with it.
    """

    data: Any
    source: Source
    problem: ProfileError | None = None


class BatchItem:
    """One input row's outcome: its recommendation, or the problems that refused it.

    From a worker process the result arrives as its JSON and its flat rows, and is read into a
    :class:`Recommendation` only when ``result`` is first asked for: a caller that writes JSON or
    Parquet (``recommender batch``) or a DataFrame takes :meth:`result_json` or :meth:`flat_rows`, and
    the caller's core, which the workers need, parses nothing.
    """

    __slots__ = ("row", "error", "_result", "_json", "_bundled", "_flat")

    def __init__(self, row: int, result: Recommendation | None, error: ProfileError | None, *,
                 json: str | None = None, bundled: bool = False, flat: list[dict[str, Any]] | None = None):
        self.row = row  # 1-based position in the input
        self.error = error
        self._result, self._json, self._flat = result, json, flat
        self._bundled = bool(result.bundles) if result is not None else bundled

    @property
    def bundled(self) -> bool:
        """Whether at least one bundle was recommended (False for a refused row)."""
        return self._bundled

    @property
    def result(self) -> Recommendation | None:
        if self._result is None and self._json is not None:
            self._result = Recommendation.model_validate_json(self._json)
        return self._result

    def result_json(self) -> str | None:
        """The recommendation as JSON (what ``result.model_dump_json()`` gives), or None for a refused row."""
        if self._json is None and self._result is not None:
            self._json = self._result.model_dump_json()
        return self._json

    def flat_rows(self) -> list[dict[str, Any]]:
        """The result as :func:`recommender.flat.flat_rows` gives it (the DataFrame and Parquet columns), or
        no row for a refused one."""
        if self._flat is None:
            result = self.result
            self._flat = flat_rows(self.row, result) if result is not None else []
        return self._flat

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BatchItem):
            return NotImplemented
        return (self.row, self.result, self.error) == (other.row, other.result, other.error)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"BatchItem(row={self.row!r}, result={self.result!r}, error={self.error!r})"


def run_batch(rec: Recommender, profiles: Iterable[Mapping[str, Any] | CustomerProfile | Row], *,
              processes: int | None = None, top_k: int = 3, as_of: date | None = None) -> Iterator[BatchItem]:
    """Recommend for every profile, in input order; ``processes=1`` stays in this process.

    The arguments are checked at once; the rows are read as the result is. Every row is recommended as of
    one day, ``as_of`` or today when the run starts, even if it runs past midnight.
    """
    day = checked_day(as_of)
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    workers = processes if processes is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise ValueError("processes must be at least 1")
    return _stream(rec, _chunks(enumerate(profiles, start=1)), workers, top_k, day)


def _stream(rec: Recommender, chunks: Iterator[list[tuple[int, Any]]], workers: int,
            top_k: int, day: date) -> Iterator[BatchItem]:
    if workers == 1:
        for chunk in chunks:
            yield from _recommend_chunk(rec, chunk, top_k, day)
        return
    with worker_pool(workers, rec) as pool:
        pending: deque[Future[list[_Shipped]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_worker_chunk, chunk, top_k, day))
            if len(pending) >= workers * AHEAD:
                yield from _received(pending.popleft().result())
        while pending:
            yield from _received(pending.popleft().result())


def _chunks(rows: Iterator[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _recommend_chunk(rec: Recommender, chunk: list[tuple[int, Any]], top_k: int, day: date) -> list[BatchItem]:
    out = []
    for row, item in chunk:
        data, source = (item.data, item.source) if isinstance(item, Row) else (item, None)
        issues = list(item.problem.issues) if isinstance(item, Row) and item.problem else []
        try:
            profile = rec.parse_profile(data, source=source)
        except ProfileError as exc:
            issues += exc.issues
        if issues:
            out.append(BatchItem(row, None, ProfileError(issues)))
        else:
            out.append(BatchItem(row, rec.recommend(profile, top_k=top_k, as_of=day), None))
    return out


def worker_pool(processes: int, state: object) -> ProcessPoolExecutor:
    """``processes`` worker processes, each holding ``state`` (what it computes with: the knowledge goes by
    content) unpickled once, as :func:`worker_state` gives it. They are started fresh, not forked: no copy of
    the caller's threads and engine state."""
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(pickle.dumps(state),))


_state: Any = None


def _start_worker(payload: bytes) -> None:
    global _state
    _state = pickle.loads(payload)
    threading.Thread(target=_end_with, args=(os.getppid(),), name="parent-watch", daemon=True).start()


def _end_with(parent: int) -> None:
    """End this worker once the process that started it is gone. A parent killed outright (SIGKILL, the OOM
    killer, or uvicorn re-raising SIGTERM after its shutdown) never tells its pool, and the workers waited on
    their queue for ever: each restart of a service left its idle workers behind."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def worker_state() -> Any:
    """In a :func:`worker_pool` process, the state the pool was started with."""
    assert _state is not None, "the pool's initializer sets the worker's state"
    return _state


# A result crosses back to the caller as its JSON and its flat rows, not pickled: pydantic pickles model by
# model (1.8 ms a result), and the caller, whose core the workers need, then had to read every result back
# (2.5 ms a row of its CPU with 2 workers, against 0.2 ms now; measured around batch_file on 1,000 rows).
# The round trip is exact: a result is plain data, and tests/test_batch.py checks that it comes back equal.
_Shipped = tuple[int, str | None, ProfileError | None, bool, list[dict[str, Any]]]


def _worker_chunk(chunk: list[tuple[int, Any]], top_k: int, day: date) -> list[_Shipped]:
    return [(item.row, item.result_json(), item.error, item.bundled, item.flat_rows())
            for item in _recommend_chunk(worker_state(), chunk, top_k, day)]


def _received(shipped: list[_Shipped]) -> list[BatchItem]:
    return [BatchItem(row, None, error, json=result, bundled=bundled, flat=flat)
            for row, result, error, bundled, flat in shipped]
