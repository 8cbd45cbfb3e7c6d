"""`recommender serve` started for real on 127.0.0.1, for the tests of the service and its page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(log_dir: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """The base URL of a service started with ``args``; stopped on exit."""
    with serving_process(log_dir, *args, env=env) as (url, _):
        yield url


@contextmanager
def serving_process(log_dir: Path, *args: str,
                    env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The base URL and the process of a service started with ``args``; stopped on exit, if still running."""
    port = _free_port()
    log = log_dir / f"server-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "recommender", "serve", "--port", str(port), *args],
                                env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"the server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def children(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (Linux: read from /proc)."""
    return {int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat") if _state(stat)[1] == pid}


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    return _state(Path(f"/proc/{pid}/stat"))[0] is not None


def _state(stat: Path) -> tuple[str | None, int | None]:
    """A process's state letter and parent from its /proc stat file; (None, None) once it has ended."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    except OSError:
        return None, None
    return (None, None) if fields[0] == "Z" else (fields[0], int(fields[1]))
