"""Shared fixtures: the real default knowledge, and copies of it to break or change."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from recommender import Recommender
from recommender.engine import DURABLE_AVAILABLE
from recommender.recommender import default_knowledge_dir

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# The knowledge cache (recommender/knowledge/cache.py) of this run, the CLI's subprocesses included: a folder
# of its own, never the user's, so a run neither reads entries another version left nor leaves any behind.
os.environ["RECOMMENDER_CACHE_DIR"] = tempfile.mkdtemp(prefix="recommender-test-cache-")
atexit.register(shutil.rmtree, os.environ["RECOMMENDER_CACHE_DIR"], ignore_errors=True)


# Tests of durable-rules itself (its guards, its limits, the differential test): skipped only where it is
# not installed (Python 3.13+, and CI's second pass, which uninstalls it to prove the compiled engine serves).
requires_durable = pytest.mark.skipif(not DURABLE_AVAILABLE, reason="durable-rules is not installed")


@pytest.fixture(scope="session")
def rec() -> Recommender:
    return Recommender.default()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A private copy of the default knowledge directory that a test may edit."""
    target = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must occur exactly once) in a knowledge file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# Examples whose customer belongs to a catalog other than the default one.
EXAMPLE_CATALOGS = {"small_shop": "sme"}
_recommenders: dict[str | None, Recommender] = {}


def example_recommender(path: Path) -> Recommender:
    """The recommender (default knowledge, right catalog) for an example profile file."""
    catalog = EXAMPLE_CATALOGS.get(path.stem)
    if catalog not in _recommenders:
        _recommenders[catalog] = Recommender.default(catalog)
    return _recommenders[catalog]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs Debian's chromium (.ci/run); the browser tests need it")
        pytest.skip("needs Debian's chromium: apt-get install chromium")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # the flags keep a fresh headless Chromium off the network it would otherwise call at start
        b = p.chromium.launch(executable_path=_chromium(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()
