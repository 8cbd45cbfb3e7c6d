"""The web tutorial's server, run for real on 127.0.0.1: hostile requests get 4xx and it keeps serving."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "tutorials" / "web.md"
SERVE = """
import sys
from wsgiref.simple_server import WSGIRequestHandler

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

with make_server("127.0.0.1", 0, app, handler_class=Quiet) as server:
    print(server.server_port, flush=True)
    server.serve_forever()
"""


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    app = re.search(r"^```python\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)
    assert app is not None
    server = tmp_path_factory.mktemp("web") / "server.py"
    server.write_text(app.group(1) + SERVE, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(server)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield int(proc.stdout.readline())
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()


def post(port: int, body: bytes, path: str = "/recommend") -> tuple[int, dict[str, object]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


GOOD = b'{"name": "x", "industry": "logistics", "employees": 350, "needs": ["production"], "budget_monthly": 8000}'
HOSTILE = [
    b'{"name": "x", "industry": "finance", "employees": 50, "budget_monthly": 1e16}',
    b'{"name": "x", "industry": "finance", "employees": 50, "annual_spend": 1e400}',
    b'{"name": "x", "industry": "finance", "employees": 50, "company_revenue": 5e-05, "budget_monthly": -1}',
    b'{"name": "\\u001b[31mx", "industry": "finance", "employees": 50}',
    b'{"name": "x", "industry": "finance", "city": "\\ud800", "employees": 50}',
    b'{"name": "x", "industry": "finance", "employees": ' + b"9" * 5000 + b"}",
    b"[" * 100_000,
    b"\xff\xfe not utf-8",
]


def test_hostile_requests_get_4xx_and_the_server_keeps_answering(port: int) -> None:
    for body in HOSTILE:
        status, answer = post(port, body)
        assert 400 <= status < 500, (body[:80], status, answer)
        status, answer = post(port, GOOD)
        assert status == 200 and answer["bundles"], body[:80]


def test_a_body_over_the_limit_is_refused_before_it_is_read(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("POST", "/recommend")
        conn.putheader("Content-Length", str(50_000_000))  # claimed, never sent
        conn.endheaders()
        assert conn.getresponse().status == 413
    finally:
        conn.close()
    assert post(port, GOOD)[0] == 200


def test_the_server_still_answers_after_many_hostile_requests(port: int) -> None:
    start = time.monotonic()
    for _ in range(20):
        for body in HOSTILE[:6]:
            assert post(port, body)[0] == 400
    assert post(port, GOOD)[0] == 200
    assert time.monotonic() - start < 120
