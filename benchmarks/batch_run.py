"""A nightly run over a whole generated customer base: `recommender batch`, its summary and its memory over time.

Writes ``--customers`` seed-fixed profiles (benchmarks/customers.py) to a JSON Lines file,
runs ``recommender batch`` on it with ``--jobs`` workers into a Parquet file, samples the
resident memory of the command and of each worker every ``--every`` seconds (psutil), and
prints the command's summary line and each process's RSS at the start, the middle and the
end of the run: flat memory means a long run does not grow. Run:

    python benchmarks/batch_run.py [--customers 100000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from customers import generate  # benchmarks/ is the script's directory

from recommender import Recommender

MB = 1024 * 1024


def write_customers(path: Path, count: int) -> None:
    rows = generate(Recommender.default().knowledge, count, seed=1)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def sample(proc: psutil.Process) -> dict[int, float]:
    """RSS in MB of the command and of each worker it started, by pid (multiprocessing's tracker aside)."""
    out = {}
    for p in [proc, *proc.children(recursive=True)]:
        try:
            if p is proc or not any("resource_tracker" in part for part in p.cmdline()):
                out[p.pid] = p.memory_info().rss / MB
        except psutil.NoSuchProcess:
            continue
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between memory samples")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source, output = Path(tmp) / "customers.jsonl", Path(tmp) / "recommendations.parquet"
        write_customers(source, args.customers)
        command = [sys.executable, "-m", "recommender", "batch", str(source), "--output", str(output),
                   "--jobs", str(args.jobs)]
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        watched = psutil.Process(proc.pid)
        samples: list[tuple[float, dict[int, float]]] = []
        while proc.poll() is None:
            now = sample(watched)
            if len(now) > args.jobs:  # the workers are up: a sample of the steady state
                samples.append((time.perf_counter() - started, now))
            time.sleep(args.every)
        errors = proc.stderr.read() if proc.stderr else ""
    summary = errors.strip().splitlines()[-1] if errors.strip() else "(no summary)"
    print(f"recommender batch, {args.customers:,} customers, --jobs {args.jobs}: exit {proc.returncode}")
    print(f"summary: {summary}")
    if not samples:
        print("no memory sample: the run ended before its workers were seen")
        return
    pids = sorted({pid for _, s in samples for pid in s})
    print(f"{'at':>8}  " + "  ".join(f"{('command' if pid == proc.pid else f'worker {pid}'):>14}" for pid in pids))
    for at, s in (samples[0], samples[len(samples) // 2], samples[-1]):
        print(f"{at:>7.0f}s  " + "  ".join(f"{s.get(pid, float('nan')):>11.0f} MB" for pid in pids))
    peak = max(v for _, s in samples for pid, v in s.items() if pid != proc.pid)
    print(f"peak worker RSS {peak:.0f} MB over {len(samples)} samples")


if __name__ == "__main__":
    main()
