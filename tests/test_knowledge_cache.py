"""The cache of validated knowledge: reused while the files are unchanged, never the cause of an error.

Each test points ``RECOMMENDER_CACHE_DIR`` at a folder of its own. A cache hit is told apart from a
parse by handing :func:`cached` a loader that fails the test if it is called.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from recommender import KnowledgeError, Recommender
from recommender.knowledge import cache
from recommender.knowledge.base import KnowledgeBase
from recommender.knowledge.cache import cached, knowledge_key
from recommender.knowledge.loader import load_knowledge

from .conftest import EXAMPLES, edit


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(folder))
    monkeypatch.delenv("RECOMMENDER_CACHE", raising=False)
    return folder


def not_parsed() -> KnowledgeBase:
    pytest.fail("the knowledge was parsed again instead of coming from the cache")


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.kb"))


def same(a: KnowledgeBase, b: KnowledgeBase) -> None:
    assert a.fingerprint == b.fingerprint
    assert (a.root, a.locations, a.warnings, a.catalog.id) == (b.root, b.locations, b.warnings, b.catalog.id)


def test_an_unchanged_directory_comes_from_the_cache(kb_copy: Path, cache_dir: Path) -> None:
    first = load_knowledge(kb_copy)
    assert len(entries(cache_dir)) == 1
    again = cached(kb_copy, None, not_parsed)
    same(again, first)
    same(again, load_knowledge(kb_copy, cache=False))


def test_the_same_recommendation_from_cached_knowledge(kb_copy: Path, cache_dir: Path) -> None:
    parsed = Recommender(load_knowledge(kb_copy, cache=False), "compiled")
    load_knowledge(kb_copy)
    from_cache = Recommender(cached(kb_copy, None, not_parsed), "compiled")
    for path in sorted(EXAMPLES.glob("*.yaml")):
        if path.stem == "small_shop":
            continue  # the sme catalog; this copy is loaded with the default one
        profile = parsed.load_profile(path)
        assert from_cache.recommend(profile).model_dump_json() == parsed.recommend(profile).model_dump_json()


def test_an_edit_that_keeps_size_and_time_is_seen(kb_copy: Path, cache_dir: Path) -> None:
    products = kb_copy / "catalogs" / "group" / "products.yaml"
    before = load_knowledge(kb_copy)
    times = os.stat(products)
    # one letter for another: the same size, and the modification time put back as it was
    edit(products, "en: \"Conference call\"", "en: \"Conference calm\"")
    os.utime(products, ns=(times.st_atime_ns, times.st_mtime_ns))
    after = load_knowledge(kb_copy)
    names = {p.name.get("en") for p in after.products.values()}
    assert "Conference calm" in names and "Conference call" not in names
    assert after.fingerprint != before.fingerprint
    assert len(entries(cache_dir)) == 2


def test_a_message_file_is_part_of_the_key(kb_copy: Path, cache_dir: Path) -> None:
    key = knowledge_key(kb_copy, None)
    (kb_copy / "messages").mkdir(exist_ok=True)
    (kb_copy / "messages" / "en.yaml").write_text("{}\n", encoding="utf-8")
    assert knowledge_key(kb_copy, None) != key
    assert knowledge_key(kb_copy, "sme") != knowledge_key(kb_copy, None)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "one byte", "empty"])
def test_a_damaged_entry_is_rebuilt(kb_copy: Path, cache_dir: Path, damage: str) -> None:
    first = load_knowledge(kb_copy)
    [entry] = entries(cache_dir)
    data = entry.read_bytes()
    entry.write_bytes({"garbage": b"not a cache entry", "truncated": data[:len(data) // 2],
                       "one byte": data[:-100] + bytes([data[-100] ^ 1]) + data[-99:], "empty": b""}[damage])
    same(load_knowledge(kb_copy), first)
    assert entry.read_bytes() == data  # rebuilt: the next load is a hit again
    same(cached(kb_copy, None, not_parsed), first)


def test_a_cache_folder_that_cannot_be_written_is_no_error(kb_copy: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("RECOMMENDER_CACHE_DIR", str(blocker / "cache"))  # below a file: no folder can be made
    same(load_knowledge(kb_copy), load_knowledge(kb_copy, cache=False))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_cache_folder_is_no_error(kb_copy: Path, cache_dir: Path) -> None:
    cache_dir.mkdir(mode=0o500)
    try:
        same(load_knowledge(kb_copy), load_knowledge(kb_copy, cache=False))
        assert entries(cache_dir) == []
    finally:
        cache_dir.chmod(0o700)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")
def test_an_entry_others_could_have_written_is_not_read(kb_copy: Path, cache_dir: Path) -> None:
    load_knowledge(kb_copy)
    cache_dir.chmod(cache_dir.stat().st_mode | stat.S_IWOTH)
    called = []

    def parse() -> KnowledgeBase:
        called.append(True)
        return load_knowledge(kb_copy, cache=False)

    cached(kb_copy, None, parse)
    assert called


def test_refused_knowledge_is_not_kept_and_stays_located(kb_copy: Path, cache_dir: Path) -> None:
    edit(kb_copy / "framework.yaml", "default_catalog: group", "default_catalog: groupp")
    for _ in range(2):
        with pytest.raises(KnowledgeError) as exc:
            load_knowledge(kb_copy)
        assert any(i.line and i.file and i.file.endswith("framework.yaml") for i in exc.value.issues)
    assert entries(cache_dir) == []


def test_turned_off_by_argument_or_environment(kb_copy: Path, cache_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    load_knowledge(kb_copy, cache=False)
    assert not cache_dir.exists()
    monkeypatch.setenv("RECOMMENDER_CACHE", "0")
    Recommender.from_path(kb_copy, engine="compiled")
    assert not cache_dir.exists()


def test_only_the_most_recently_used_entries_are_kept(kb_copy: Path, cache_dir: Path) -> None:
    kb = load_knowledge(kb_copy)
    keys = [f"{i:040x}" for i in range(cache.KEEP + 3)]
    for key in keys:
        cache._write(cache_dir, cache_dir / f"{key}.kb", kb)
    kept = {p.stem for p in entries(cache_dir)}
    assert len(kept) == cache.KEEP
    assert keys[-1] in kept and keys[0] not in kept
