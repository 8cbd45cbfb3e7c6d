"""Throughput over a generated customer base: one process, a process pool, Spark local; and the single call.

Generates ``--customers`` seed-fixed profiles (benchmarks/customers.py) on the default
knowledge and measures, in one run: the cost of one ``recommend`` call (median over a
sample, the baseline), ``recommend_many`` on one process and on ``--jobs`` processes
(each result taken as JSON, as ``recommender batch`` writes it),
and ``recommend_spark`` on Spark local (when pyspark and Java are installed). It prints
rows/s and the ratio to one process, and the peak RSS of this process and of the
largest worker. Run:

    python benchmarks/bench_batch.py [--customers 20000] [--jobs 2] [--no-spark]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Callable, Iterable

from customers import generate  # benchmarks/ is the script's directory

from recommender import Recommender
from recommender.batch import BatchItem


def _rate(label: str, rows: int, run: Callable[[], int], base: float | None) -> float:
    start = time.perf_counter()
    done = run()
    seconds = time.perf_counter() - start
    assert done == rows, f"{label}: {done} of {rows} rows came back"
    rate = rows / seconds
    ratio = f"{rate / base:5.2f}x" if base else "   1x"
    print(f"{label:<28} {rows:>8,} rows {seconds:>8.1f} s {rate:>9,.0f} rows/s  {ratio}")
    return rate


def _written(items: Iterable[BatchItem]) -> int:
    """Rows done, each result taken as JSON as ``recommender batch`` writes it: the same work per row
    whatever the number of processes."""
    return sum(1 for item in items if item.result_json() is not None or item.error is not None)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=300, help="calls timed one by one for the single-call cost")
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()
    rec = Recommender.default()
    rows = generate(rec.knowledge, args.customers, seed=1)

    times = []
    for profile in rows[: args.sample]:
        start = time.perf_counter()
        rec.recommend(profile)
        times.append(time.perf_counter() - start)
    single = 1 / statistics.median(times)
    print(f"single call: median {statistics.median(times) * 1000:.2f} ms, p95 "
          f"{statistics.quantiles(times, n=20)[18] * 1000:.2f} ms -> {single:,.0f} rows/s if nothing else cost")

    base = _rate("recommend_many, 1 process", len(rows), lambda: _written(rec.recommend_many(rows, processes=1)), None)
    _rate(f"recommend_many, {args.jobs} processes", len(rows),
          lambda: _written(rec.recommend_many(rows, processes=args.jobs)), base)
    if not args.no_spark:
        _spark(rec, rows, base)
    mb = 1024  # ru_maxrss is in KiB on Linux
    print(f"peak RSS: this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / mb:.0f} MB, "
          f"largest worker {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / mb:.0f} MB")


def _spark(rec: Recommender, rows: list[dict[str, object]], base: float) -> None:
    try:
        from recommender.spark import local_session, recommend_spark
    except ImportError as exc:
        print(f"Spark local: skipped ({exc})")
        return
    spark = local_session()
    try:
        frame = spark.createDataFrame(_spark_rows(rows))
        frame.cache().count()
        _rate("recommend_spark, local[2]", len(rows),
              lambda: recommend_spark(frame, rec.knowledge.root).select("customer_id").distinct().count(), base)
    finally:
        spark.stop()


def _spark_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Spark needs one schema: lists as ';' text, key persons as JSON, every field present."""
    import json

    fields = sorted({k for r in rows for k in r})
    out = []
    for r in rows:
        row: dict[str, object] = {}
        for k in fields:
            v = r.get(k)
            if isinstance(v, list):
                v = json.dumps(v, ensure_ascii=False) if k == "key_persons" else ";".join(map(str, v))
            row[k] = None if v is None else str(v)
        out.append(row)
    return out


if __name__ == "__main__":
    main()
