"""A seed-fixed sample of benchmarks/fuzz.py: hostile profiles and mutated knowledge through the real engine.

The full campaign (100,000 profiles, 1,000 knowledge mutations) is run by hand:
``python benchmarks/fuzz.py``. Its supervisor runs every case in a worker process,
so a crash or a hang is counted, never fatal to pytest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent.parent / "benchmarks" / "fuzz.py"


def test_a_fuzz_sample_gives_no_crash_hang_or_untyped_error() -> None:
    run = subprocess.run([sys.executable, str(FUZZ), "--profiles", "4000", "--mutations", "200", "--seed", "8",
                          "--timeout", "60", "--json"], capture_output=True, text=True, timeout=900, check=False)
    report = json.loads(run.stdout)
    assert report["bad"] == {}, report
    counts = report["counts"]
    # The sample exercises both ways out: real results and located refusals.
    assert counts["profile"]["result"] > 500 and counts["profile"]["located error"] > 500, counts
    assert counts["knowledge"]["result"] > 10 and counts["knowledge"]["located error"] > 10, counts
    assert run.returncode == 0
