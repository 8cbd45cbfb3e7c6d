"""A batch from file to file: customer rows in (CSV, JSON Lines, Parquet), recommendations out (JSON Lines,
Parquet), rejected rows to an errors file, and a summary. ``recommender batch`` prints what this returns.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from .batch import BatchItem
from .flat import COLUMNS
from .recommender import Recommender
from .rows import file_format, read_rows

__all__ = ["BatchSummary", "batch_file"]

_PARQUET_BATCH = 2048  # rows buffered before a Parquet row group is written


@dataclass(frozen=True)
class BatchSummary:
    rows: int
    recommended: int
    no_bundle: int
    rejected: int
    seconds: float

    def text(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        return (f"rows {self.rows:,}, recommended {self.recommended:,}, no bundle {self.no_bundle:,}, "
                f"rejected {self.rejected:,}, {self.seconds:.1f} s, {rate:,.1f} rows/s")


def batch_file(rec: Recommender, source: Path, out: IO[str] | Path, errors: IO[str] | Path, *,
               jobs: int | None = None, top_k: int = 3, encoding: str | None = None,
               column_map: Mapping[str, str] | None = None,
               progress: Callable[[int], None] | None = None, as_of: date | None = None) -> BatchSummary:
    """Recommend for every row of ``source``; ``out`` is a text stream (JSON Lines) or a .jsonl/.parquet path.

    ``progress`` is called with the number of rows done since its last call.
    """
    started = time.perf_counter()
    counts = {"rows": 0, "recommended": 0, "no_bundle": 0, "rejected": 0}
    items = rec.recommend_many(read_rows(source, encoding=encoding, column_map=column_map),
                               processes=jobs, top_k=top_k, as_of=as_of)
    with _writer(out) as write, _opened(errors) as errors_stream:
        for item in items:
            counts["rows"] += 1
            if item.error is not None:
                counts["rejected"] += 1
                errors_stream.write(_error_line(item) + "\n")
            else:
                counts["recommended" if item.bundled else "no_bundle"] += 1
                write(item)
            if progress is not None:
                progress(1)
    return BatchSummary(**counts, seconds=time.perf_counter() - started)


def _error_line(item: BatchItem) -> str:
    assert item.error is not None
    issues = [i.model_dump(exclude_none=True) for i in item.error.issues]
    return json.dumps({"row": item.row, "issues": issues}, ensure_ascii=False)


@contextmanager
def _opened(target: IO[str] | Path) -> Iterator[IO[str]]:
    if isinstance(target, Path):
        with target.open("w", encoding="utf-8") as f:
            yield f
    else:
        yield target


@contextmanager
def _writer(out: IO[str] | Path) -> Iterator[Callable[[BatchItem], None]]:
    if isinstance(out, Path) and file_format(out) == "parquet":
        with _parquet_writer(out) as write:
            yield write
        return
    if isinstance(out, Path) and file_format(out) != "jsonl":
        raise ValueError(f"{out}: write .jsonl or .parquet")
    with _opened(out) as stream:
        def write(item: BatchItem) -> None:
            stream.write(f'{{"row": {item.row}, "recommendation": {item.result_json()}}}\n')
        yield write


@contextmanager
def _parquet_writer(path: Path) -> Iterator[Callable[[BatchItem], None]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    schema = pa.schema([(name, kinds[kind]) for name, kind, _ in COLUMNS])
    buffered: list[dict[str, Any]] = []
    with pq.ParquetWriter(path, schema) as writer:
        def flush() -> None:
            writer.write_table(pa.Table.from_pylist(buffered, schema=schema))
            buffered.clear()

        def write(item: BatchItem) -> None:
            buffered.extend(item.flat_rows())
            if len(buffered) >= _PARQUET_BATCH:
                flush()
        yield write
        if buffered:
            flush()
