"""benchmarks/bench_scale.py keeps running: its smoke test (``--quick``) prints a full row per size and backend."""

from __future__ import annotations

import re
import subprocess
import sys

from recommender.engine import DURABLE_AVAILABLE

from .conftest import ROOT

# size label, backend, then: load cold, its RSS, cached, engine, median, p95, gc share, gc max, RSS,
# exact share, customers
ROW = re.compile(r"^(\d+) \(x(\d+)\)\s+(durable|compiled)\s+(.*)$")
NUMBERS = re.compile(r"^([\d.]+) s\s+(\d+) MB\s+([\d.]+) s\s+([\d.]+) s\s+([\d.]+) ms\s+([\d.]+) ms\s+([\d.]+) %\s+"
                     r"([\d.]+) ms\s+(\d+) MB\s+([\d.]+) %\s+(\d+)$")


def test_the_quick_run_measures_both_backends_at_each_size() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_scale.py"), "--quick"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [m.groups() for line in result.stdout.splitlines() if (m := ROW.match(line))]
    assert [(size, backend) for size, _, backend, _ in rows] == [
        ("60", "durable"), ("60", "compiled"), ("250", "durable"), ("250", "compiled")], result.stdout
    assert [copies for _, copies, _, _ in rows[::2]] == ["1", "4"]  # 61 products, then 4 copies of them
    for _, _, backend, cells in rows:
        if backend == "durable" and not DURABLE_AVAILABLE:
            assert cells.startswith("refused: "), cells
            continue
        numbers = NUMBERS.match(cells)
        assert numbers, cells
        cold, cold_rss, cached, _, median, p95, gc_share, _, rss, exact, served = map(float, numbers.groups())
        assert 0 < cached < cold and 0 < median <= p95
        assert 0 <= gc_share <= 100 and 0 <= exact <= 100 and min(rss, cold_rss) > 20 and served == 10
