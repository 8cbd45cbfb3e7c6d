"""Run code in a child Python process, so a crash or a hang fails a test instead of killing pytest."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class ChildRun:
    returncode: int | None  # None: killed after the timeout (a hang)
    stdout: str
    stderr: str

    @property
    def crashed(self) -> bool:
        """Killed by a signal (SIGSEGV, SIGABRT, ...) rather than exiting."""
        return self.returncode is not None and self.returncode < 0

    def __str__(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr[-3000:]}"


def run_child(code: str, *args: str, timeout: float = 120) -> ChildRun:
    """Run ``code`` (dedented) with ``args`` in ``sys.argv[1:]``."""
    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        return ChildRun(None, _text(exc.stdout), _text(exc.stderr))
    return ChildRun(done.returncode, done.stdout, done.stderr)


def _text(data: str | bytes | None) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data or ""
