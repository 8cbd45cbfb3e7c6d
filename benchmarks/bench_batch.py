"""Throughput over a generated customer base: one process, a process pool, Spark local; and the single call.

Generates ``--customers`` seed-fixed profiles (benchmarks/customers.py) on the default
knowledge and measures, in one run: the cost of one ``recommend`` call (median over a
sample, the baseline), ``recommend_many`` on one process and on ``--jobs`` processes
(each result taken as JSON, as ``recommender batch`` writes it),
and ``recommend_spark`` on Spark local (when pyspark and Java are installed).

The customers are cut into ``--rounds`` slices; each slice runs in every mode, the modes
taking turns first, so a machine that slows down or speeds up during the run moves every
mode alike. Each call pays its own start (a pool spawns its processes, Spark's Python
workers load the knowledge), as a nightly job does once; Spark runs each slice in a
driver process of its own, so its JVM never shares a process with the other modes. It
prints rows/s and the ratio to one process over the whole run, the median of the rounds'
paired ratios, and the peak RSS of this process and of its largest child. Run:

    python benchmarks/bench_batch.py [--customers 20000] [--jobs 2] [--rounds 4] [--no-spark]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

from customers import generate  # benchmarks/ is the script's directory

from recommender import Recommender
from recommender.batch import BatchItem


def _written(items: Iterable[BatchItem]) -> int:
    """Rows done, each result taken as JSON as ``recommender batch`` writes it: the same work per row
    whatever the number of processes."""
    return sum(1 for item in items if item.result_json() is not None or item.error is not None)


Rows = list[dict[str, object]]
Mode = tuple[str, Callable[[Rows], float]]  # (label, what runs a slice and returns the seconds it took)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4, help="slices of the customers; every mode runs each")
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

    modes: list[Mode] = [
        ("recommend_many, 1 process", lambda chunk: _timed(chunk, lambda: rec.recommend_many(chunk, processes=1))),
        (f"recommend_many, {args.jobs} processes",
         lambda chunk: _timed(chunk, lambda: rec.recommend_many(chunk, processes=args.jobs))),
    ]
    if not args.no_spark and (spark_mode := _spark(rec)) is not None:
        modes.append(spark_mode)
    _report(_rounds(modes, rows, args.rounds))
    mb = 1024  # ru_maxrss is in KiB on Linux
    print(f"peak RSS: this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / mb:.0f} MB, "
          f"largest child (a worker or Spark's driver) "
          f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / mb:.0f} MB")


def _rounds(modes: list[Mode], rows: Rows, rounds: int) -> dict[str, list[tuple[int, float]]]:
    """(rows, seconds) of each mode on each slice; the modes take turns going first."""
    size = -(-len(rows) // rounds)
    out: dict[str, list[tuple[int, float]]] = {label: [] for label, _ in modes}
    for r in range(rounds):
        chunk = rows[r * size:(r + 1) * size]
        for label, run in modes[r % len(modes):] + modes[:r % len(modes)]:
            out[label].append((len(chunk), run(chunk)))
    return out


def _timed(chunk: Rows, run: Callable[[], Iterable[BatchItem]]) -> float:
    start = time.perf_counter()
    done = _written(run())
    assert done == len(chunk), f"{done} of {len(chunk)} rows came back"
    return time.perf_counter() - start


def _report(measured: dict[str, list[tuple[int, float]]]) -> None:
    base = list(measured.values())[0]
    base_rate = sum(n for n, _ in base) / sum(s for _, s in base)
    print(f"{'':<28} {'rows':>8} {'seconds':>9} {'rows/s':>9} {'ratio':>7} {'paired':>7}")
    for label, runs in measured.items():
        rows, seconds = sum(n for n, _ in runs), sum(s for _, s in runs)
        paired = statistics.median((n / s) / (bn / bs) for (n, s), (bn, bs) in zip(runs, base, strict=True))
        print(f"{label:<28} {rows:>8,} {seconds:>9.1f} {rows / seconds:>9,.0f} {rows / seconds / base_rate:>6.2f}x "
              f"{paired:>6.2f}x")


def _spark(rec: Recommender) -> Mode | None:
    """Spark local, each slice in a driver process of its own, started and stopped untimed. In this process
    Spark's gateway (and the JVM it keeps until the process ends) slowed the one-process mode, which runs
    here: 2 processes measured 1.97x one with a session up, 1.88x after sessions were stopped, 1.66x with
    no Spark at all."""
    try:
        import recommender.spark  # noqa: F401 - only to know whether pyspark is installed
    except ImportError as exc:
        print(f"Spark local: skipped ({exc})")
        return None

    def run(chunk: Rows) -> float:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as driver:
            return driver.submit(_spark_slice, chunk, str(rec.knowledge.root)).result()

    return "recommend_spark, local[2]", run


def _spark_slice(chunk: Rows, knowledge: str) -> float:
    """In a fresh driver process: the seconds ``recommend_spark`` takes over ``chunk`` (a cached DataFrame)."""
    from recommender.spark import local_session, recommend_spark

    spark = local_session()
    try:
        frame = spark.createDataFrame(_spark_rows(chunk))
        frame.cache().count()
        start = time.perf_counter()
        done = recommend_spark(frame, knowledge).select("customer_id").distinct().count()
        assert done == len(chunk), f"Spark: {done} of {len(chunk)} rows came back"
        return time.perf_counter() - start
    finally:
        spark.stop()


def _spark_rows(rows: Rows) -> Rows:
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
