"""Benchmark: memory of a process that reloads changing knowledge, on each rule-engine backend.

Copies the shipped knowledge to a temporary directory, loads it once, then reloads it
``--reloads`` times, each time after changing one rule's threshold in ``rules.yaml``, so
every reload compiles knowledge the engine has not seen (and recommends once on it).
Prints the resident memory (RSS) after the first load and every ``--every`` reloads,
and the growth over the first load. durable-rules never frees a ruleset by itself
(about 1 MB each); the backend deletes a knowledge's rulesets when its engine is
dropped, so the growth stays flat. Run:

    python benchmarks/bench_reload.py [--reloads 1000] [--engine durable] [--every 100]

``--keep`` leaves each dropped durable-rules engine's rulesets in the C engine, as before
they were deleted, to show the leak the deletion prevents.
"""

from __future__ import annotations

import argparse
import gc
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recommender import Recommender  # noqa: E402
from recommender.recommender import default_knowledge_dir  # noqa: E402

CUSTOMER = {"name": "bank", "industry": "finance", "employees": 1500, "annual_spend": 50000,
            "needs": ["office.meeting"]}
# A threshold the shipped rules compare employees with; each reload moves it by one.
THRESHOLD = re.compile(r"employees: \{gte: (\d+)\}")


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def change(rules: Path, step: int) -> None:
    """Move the first employees threshold to a value it has not had: new knowledge, same shape."""
    text = rules.read_text(encoding="utf-8")
    found = THRESHOLD.search(text)
    assert found, "the shipped rules compare employees with a threshold"
    rules.write_text(text[:found.start(1)] + str(10_000 + step) + text[found.end(1):], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reloads", type=int, default=1000)
    parser.add_argument("--engine", default="durable", choices=("durable", "compiled"))
    parser.add_argument("--every", type=int, default=100, help="print RSS every this many reloads")
    parser.add_argument("--keep", action="store_true", help="never delete a ruleset (shows the leak)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "knowledge"
        shutil.copytree(default_knowledge_dir(), root)
        rules = root / "catalogs/group/rules.yaml"
        rec = Recommender.from_path(root, engine=args.engine)
        rec.recommend(CUSTOMER)
        gc.collect()
        first = rss_mb()
        print(f"{args.engine}: after one load {first:7.1f} MB", flush=True)
        start = time.perf_counter()
        for i in range(1, args.reloads + 1):
            change(rules, i)
            if args.keep and args.engine == "durable":
                rec._state[1]._finalizer.detach()  # type: ignore[attr-defined]
            rec.reload()
            rec.recommend(CUSTOMER)
            if i % args.every == 0 or i == args.reloads:
                gc.collect()
                now = rss_mb()
                print(f"{args.engine}: after {i:5d} reloads {now:7.1f} MB  ({(now / first - 1) * 100:+5.1f} %)  "
                      f"{(time.perf_counter() - start) / i * 1000:6.0f} ms per reload", flush=True)
        growth = rss_mb() / first - 1
        print(f"{args.engine}: {args.reloads} reloads grew RSS by {growth * 100:+.1f} % over one load")


if __name__ == "__main__":
    main()
