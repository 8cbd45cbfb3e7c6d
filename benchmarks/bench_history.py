"""This tree against an older commit: CPU per ``recommend()`` on the same customers, the trees alternated.

Checks ``REF`` out in a temporary ``git worktree`` and runs each tree, in turn, in a fresh process on the
same slice of customers, ``--rounds`` times: generated customers (benchmarks/customers.py, profiles the
older tree cannot read are skipped in both) or, with ``--scenarios``, every shipped scenario's profile
(the seeds' own situations), each tree its own. Only the public calls that every version has are used
(``Recommender.default``, ``parse_profile``, ``recommend``), so any commit of the project can be the
baseline, including ones older than the compiled engine. Prints median, p95 and mean CPU per call and
profiles/s for each tree, and the ratio of the means. Run:

    python benchmarks/bench_history.py REF [--rounds 6] [--per-round 100] [--scenarios]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a child process with one tree on its path; prints the CPU seconds of each call as JSON.
_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])  # this tree's benchmarks/, for the customer generator
from recommender import Recommender
from customers import generate
start, stop, tree, scenarios = int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), sys.argv[5] == "1"
work = []
if scenarios:
    import yaml
    recs = {}
    for path in sorted((tree / "knowledge" / "scenarios").glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        catalog = case.get("catalog")
        rec = recs.setdefault(catalog, Recommender.default(catalog))
        work.append((rec, case["profile"]))
else:
    rec = Recommender.default()
    work = [(rec, p) for p in generate(rec.knowledge, stop, seed=1)[start:stop]]
for rec in {id(r): r for r, _ in work}.values():  # warmed on other customers: the caches stay cold for these
    for data in generate(rec.knowledge, 10, seed=7):
        try:
            rec.recommend(rec.parse_profile(data))
        except Exception:
            pass
times = []
for rec, data in work:
    try:
        profile = rec.parse_profile(data)
    except Exception:
        times.append(None)  # a field this version does not know
        continue
    begin = time.process_time()
    rec.recommend(profile)
    times.append(time.process_time() - begin)
print(json.dumps(times))
"""


def _run(tree: Path, start: int, stop: int, scenarios: bool) -> list[float | None]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT / "benchmarks"), str(start), str(stop), str(tree),
                          "1" if scenarios else "0"], env=env, cwd=tempfile.gettempdir(), capture_output=True,
                         text=True, check=True)
    return list(json.loads(out.stdout))


def _measured(times: dict[Path, list[float | None]], tree: Path, scenarios: bool) -> list[float]:
    """The tree's call times: every scenario it has, or the generated customers both trees could read."""
    if scenarios:  # each tree its own scenarios
        return [t for t in times[tree] if t is not None]
    return [t for t, *rest in zip(times[tree], *times.values(), strict=True) if None not in (t, *rest)]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("ref", help="the older commit (any git ref)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--per-round", type=int, default=100, help="generated customers per round")
    parser.add_argument("--scenarios", action="store_true", help="the shipped scenarios' profiles, every round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), args.ref], check=True)
        try:
            times: dict[Path, list[float | None]] = {ROOT: [], old: []}
            for r in range(args.rounds):
                start, stop = (0, 0) if args.scenarios else (r * args.per_round, (r + 1) * args.per_round)
                for tree in (ROOT, old) if r % 2 else (old, ROOT):
                    times[tree] += _run(tree, start, stop, args.scenarios)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    means = {}
    for label, tree in ((args.ref, old), ("this tree", ROOT)):
        got = sorted(_measured(times, tree, args.scenarios))
        means[label] = statistics.mean(got)
        print(f"{label:<12} {len(got):>6} calls  median {got[len(got) // 2] * 1e3:7.2f} ms  "
              f"p95 {got[int(len(got) * 0.95)] * 1e3:7.2f} ms  mean {means[label] * 1e3:7.2f} ms  "
              f"{1 / means[label]:6.0f} profiles/s")
    print(f"mean ratio, this tree / {args.ref}: {means['this tree'] / means[args.ref]:.2f}")


if __name__ == "__main__":
    main()
