"""The HTTP service, run for real: `recommender serve` on 127.0.0.1, called over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from recommender import Recommender
from recommender.recommender import default_knowledge_dir

from .conftest import EXAMPLES, edit
from .served import alive, children, running_server, serving_process

TOKEN = "s3cret-token"
BANK = json.loads(json.dumps(__import__("yaml").safe_load((EXAMPLES / "bank.yaml").read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("served") / "knowledge"
    shutil.copytree(default_knowledge_dir(), target)
    return target


@pytest.fixture(scope="module")
def server(knowledge: Path) -> Iterator[str]:
    with running_server(knowledge.parent, "--knowledge", str(knowledge), "--max-body", "200000", "--max-batch", "5",
                        "--admin-token-env", "ADMIN_TOKEN", env={"ADMIN_TOKEN": TOKEN}) as url:
        yield url


def test_recommendation_over_http_equals_the_library(server: str, rec: Recommender) -> None:
    got = httpx.post(f"{server}/recommendations", json=BANK, params={"topK": 2}, timeout=60)
    assert got.status_code == 200, got.text
    assert got.json() == json.loads(rec.recommend(BANK, top_k=2).model_dump_json())


def test_a_bad_profile_is_a_422_with_every_problem_located(server: str) -> None:
    got = httpx.post(f"{server}/recommendations", json={**BANK, "industry": "financ", "employees": 1}, timeout=60)
    assert got.status_code == 422
    found = {(i["path"], i["code"]) for i in got.json()["issues"]}
    assert found == {("industry", "unknown-reference"), ("employees", "out-of-range")}
    assert all(i["file"] == "request" for i in got.json()["issues"])


@pytest.mark.parametrize(("body", "status"), [
    (b"{not json", 400),
    (b"[" * 150_000 + b"]" * 150_000, 413),  # over the body limit
    (b"[" * 50_000 + b"]" * 50_000, 400),  # deep nesting under the limit
    (json.dumps({"name": "x", "industry": "finance", "employees": "many"}).encode(), 422),
    (json.dumps({"name": "x", "industry": "finance", "employees": 50, "colour": "red"}).encode(), 422),
    (json.dumps(["name", "x"]).encode(), 422),
])
def test_hostile_bodies_get_a_clean_4xx_and_the_server_stays_up(server: str, body: bytes, status: int) -> None:
    got = httpx.post(f"{server}/recommendations", content=body, headers={"content-type": "application/json"},
                     timeout=60)
    assert got.status_code == status, got.text[:300]
    assert "detail" in got.json()
    assert httpx.post(f"{server}/recommendations", json=BANK, timeout=60).status_code == 200


def test_batch_catalogs_offerings_validate_health(server: str) -> None:
    batch = httpx.post(f"{server}/recommendations:batch", json={"profiles": [BANK, {"name": "x"}]}, timeout=60)
    assert batch.status_code == 200
    rows = batch.json()["results"]
    assert [r["row"] for r in rows] == [1, 2] and rows[0]["result"]["bundles"] and rows[1]["error"]["issues"]
    assert httpx.post(f"{server}/recommendations:batch", json={"profiles": [BANK] * 6}, timeout=60).status_code == 413
    catalogs = httpx.get(f"{server}/catalogs").json()
    assert {c["id"] for c in catalogs} == {"group", "sme"}
    offers = httpx.get(f"{server}/catalogs/sme/productOfferings").json()
    a8 = next(o for o in offers if o["id"] == "a8_package")
    assert a8["@type"] == "ProductOffering" and a8["productOfferingPrice"][0]["priceType"] == "recurring"
    assert httpx.get(f"{server}/catalogs/nope/productOfferings").status_code == 404
    assert httpx.post(f"{server}/validate", json={"knowledge": "default"}, timeout=120).json()["ok"] is True
    assert httpx.post(f"{server}/validate", json={"knowledge": "/etc"}).status_code == 404  # names, never paths
    assert httpx.get(f"{server}/health").json()["status"] == "ok"


def test_openapi_documents_the_models_and_errors(server: str) -> None:
    api = httpx.get(f"{server}/openapi.json").json()
    post = api["paths"]["/recommendations"]["post"]
    assert {"200", "413", "422", "504"} <= set(post["responses"])
    assert "employees" in post["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "Recommendation" in api["components"]["schemas"]


def test_admin_reload_needs_the_token_and_a_broken_knowledge_keeps_the_old(server: str, knowledge: Path) -> None:
    before = httpx.post(f"{server}/recommendations", json=BANK, timeout=60).json()
    assert httpx.post(f"{server}/admin/reload").status_code == 401
    assert httpx.post(f"{server}/admin/reload", headers={"authorization": "Bearer wrong"}).status_code == 401
    products = knowledge / "catalogs" / "group" / "products.yaml"
    good = products.read_text(encoding="utf-8")
    edit(products, "zh: 会议电话,", "zh: '',")
    try:
        with ThreadPoolExecutor(8) as pool:  # clients keep calling while the reload fails
            calls = [pool.submit(httpx.post, f"{server}/recommendations", json=BANK, timeout=120) for _ in range(24)]
            failed = httpx.post(f"{server}/admin/reload", headers={"authorization": f"Bearer {TOKEN}"}, timeout=120)
            answers = [c.result() for c in calls]
        assert failed.status_code == 422 and failed.json()["issues"]
        assert all(a.status_code == 200 and a.json() == before for a in answers)  # valid, and from the old knowledge
        assert httpx.post(f"{server}/recommendations", json=BANK, timeout=60).json() == before
    finally:
        products.write_text(good, encoding="utf-8")
    ok = httpx.post(f"{server}/admin/reload", headers={"authorization": f"Bearer {TOKEN}"}, timeout=120)
    assert ok.status_code == 200 and ok.json()["status"] == "ok"


def test_the_compiled_engine_serves_the_same_recommendation(tmp_path: Path, rec: Recommender) -> None:
    with running_server(tmp_path, "--engine", "compiled") as url:
        got = httpx.post(f"{url}/recommendations", json=BANK, timeout=60)
        health = httpx.get(f"{url}/health", timeout=60).json()
    assert {c["engine"] for c in health["catalogs"]} == {"compiled"}
    assert got.status_code == 200, got.text
    assert got.json() == json.loads(rec.recommend(rec.parse_profile(BANK)).model_dump_json())


def test_two_workers_serve_one_knowledge_and_a_reload_reaches_both(tmp_path: Path, rec: Recommender) -> None:
    """`--workers 2`: requests are computed by two processes; results equal the library's, a batch's rows
    too, and after a reload every response, whichever process computes it, comes from the new knowledge
    (with uvicorn's own workers a reload reached only the process that took it)."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), knowledge)
    profiles = [BANK, *({**BANK, "employees": n, "name": f"行{n}"} for n in (30, 300, 3000))]
    with running_server(tmp_path, "--knowledge", str(knowledge), "--workers", "2", "--admin-token-env", "ADMIN_TOKEN",
                        env={"ADMIN_TOKEN": TOKEN}) as url:
        batch = httpx.post(f"{url}/recommendations:batch", json={"profiles": [*profiles, {"name": "x"}]}, timeout=120)
        assert batch.status_code == 200, batch.text
        rows = batch.json()["results"]
        assert [r.get("result") for r in rows[:4]] == [json.loads(rec.recommend(p).model_dump_json()) for p in profiles]
        assert rows[4]["row"] == 5 and rows[4]["error"]["issues"]
        edit(knowledge / "catalogs" / "group" / "products.yaml", "zh: 会议电话,", "zh: 电话会议,")
        reloaded = httpx.post(f"{url}/admin/reload", headers={"authorization": f"Bearer {TOKEN}"}, timeout=120)
        assert reloaded.status_code == 200, reloaded.text
        fresh = {c["knowledge"] for c in reloaded.json()["catalogs"] if c["id"] == "group"}
        with ThreadPoolExecutor(8) as pool:  # concurrent, so that both processes compute some
            answers = list(pool.map(lambda p: httpx.post(f"{url}/recommendations", json=p, timeout=120),
                                    profiles * 4))
    assert all(a.status_code == 200 for a in answers)
    assert {a.json()["knowledge"] for a in answers} == fresh != {rows[0]["result"]["knowledge"]}


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["terminated", "killed"])
def test_a_stopped_service_leaves_no_worker_behind(tmp_path: Path, stop: signal.Signals) -> None:
    """A service manager's stop (SIGTERM) ends the compute workers with the service, and so does a kill
    (SIGKILL, the OOM killer), within seconds: before, each restart left its idle workers (about 90 MB each)."""
    with serving_process(tmp_path, "--workers", "2") as (url, proc):
        assert httpx.post(f"{url}/recommendations", json=BANK, timeout=120).status_code == 200
        workers = children(proc.pid)
        assert len(workers) >= 2  # the two workers (and multiprocessing's resource tracker)
        os.kill(proc.pid, stop)
        proc.wait(timeout=60)
    deadline = time.monotonic() + 20
    while (left := {w for w in workers if alive(w)}) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"worker processes {sorted(left)} outlived the service"

