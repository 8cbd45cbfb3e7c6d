"""A cache of validated knowledge: a directory loads in a fraction of its parsing time when nothing changed.

Reading and validating a knowledge directory is mostly YAML parsing; at 5,000 products it takes seconds.
The validated :class:`KnowledgeBase` is kept on disk and reused while nothing that shaped it changed.

* The key hashes the bytes of every file the loader reads (``framework.yaml``, ``assessment.yaml``,
  every file of every catalog folder, the ``messages/`` folder), the catalog names, the directory as given,
  the requested catalog, and the code that builds the knowledge: this package's source and sentences, the
  Python, pydantic and PyYAML versions and :data:`FORMAT`. Any change of content is a new key; modification
  times play no part.
* Only knowledge that loaded is kept: a refused directory is read again and reports its issues, located.
* An entry that cannot be read, is damaged (its checksum differs) or does not unpickle is ignored and
  replaced; a cache directory that cannot be written is left alone. The cache never turns a load into an error.
* The directory is ``$RECOMMENDER_CACHE_DIR``, else the platform's user cache folder (``~/.cache/recommender``
  on Linux); it keeps the :data:`KEEP` most recently used entries.
* ``RECOMMENDER_CACHE=0`` (or ``load_knowledge(..., cache=False)``) turns it off.

An entry is a pickle of the project's own objects, read only from a folder the current user owns that no
one else can write to: unpickling runs code, so an entry someone else could have written is never read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from importlib import metadata
from pathlib import Path

import platformdirs
import pydantic
import yaml

from ..switches import switched_on
from .base import KnowledgeBase
from .collector import paused
from .yamlpos import read_bytes

__all__ = ["FORMAT", "KEEP", "cache_dir", "cached", "cache_enabled", "knowledge_key"]

# Bump when what a cache entry holds changes in a way the package's source does not show.
FORMAT = 1
# Entries kept: a few catalogs and versions of each, far below a disk's worth at ~15 MB for 5,000 products.
KEEP = 8
_MAGIC = b"recommender-knowledge-cache\n"
_DIGEST = 32  # bytes of blake2b over the pickle: a damaged entry is found before it is unpickled


def cache_enabled(cache: bool | None = None) -> bool:
    """``cache`` when given, else on unless ``RECOMMENDER_CACHE`` says off."""
    if cache is not None:
        return cache
    return switched_on("RECOMMENDER_CACHE")


def cache_dir() -> Path:
    """``$RECOMMENDER_CACHE_DIR``, else the user cache folder of the platform."""
    given = os.environ.get("RECOMMENDER_CACHE_DIR")
    return Path(given) if given else Path(platformdirs.user_cache_dir("recommender", appauthor=False))


def cached(root: Path, catalog: str | None, load: Callable[[], KnowledgeBase]) -> KnowledgeBase:
    """The knowledge ``load()`` gives for ``root``, from the cache when an entry for its content is there."""
    key = knowledge_key(root, catalog)
    if key is None:  # a file the loader will refuse (a link outside, a pipe, too large): let it say so
        return load()
    folder = cache_dir()
    entry = folder / f"{key}.kb"
    kb = _read(entry)
    if kb is not None:
        _touch(entry)
        return kb
    kb = load()
    kb.fingerprint  # noqa: B018 - computed once here, then carried by the entry (it hashes all the content)
    _write(folder, entry, kb)
    return kb


def knowledge_key(root: Path, catalog: str | None) -> str | None:
    """The hash of everything that shapes ``load_knowledge(root, catalog)``; None when a file cannot be read."""
    h = hashlib.blake2b(digest_size=20)
    h.update(_code_key().encode())
    h.update(f"\0{root}\0{catalog}\0".encode())
    try:
        inputs = list(_inputs(root))
    except OSError:  # a folder that cannot be listed: the loader reports it
        return None
    for rel in inputs:
        if rel.endswith("/"):
            h.update(f"\0{rel}\0".encode())
            continue
        data = read_bytes(root / rel, root)
        if data is None:
            return None
        h.update(f"\0{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _inputs(root: Path) -> Iterator[str]:
    """The files the loader may read, relative to ``root``, in a fixed order; catalog folders by name."""
    for name in ("framework.yaml", "assessment.yaml"):
        if (root / name).exists():
            yield name
    for folder in ("messages", "catalogs"):
        if not (root / folder).is_dir():
            continue
        for path in sorted((root / folder).iterdir()):
            if path.is_dir() and folder == "catalogs":
                yield f"catalogs/{path.name}/"  # read as empty: a folder's name matters, not its listing
                yield from (f"catalogs/{path.name}/{p.name}" for p in sorted(path.iterdir()) if not p.is_dir())
            elif not path.is_dir():
                yield f"{folder}/{path.name}"


@cache
def _code_key() -> str:
    """The code and versions that turn files into knowledge, hashed once per process."""
    h = hashlib.blake2b(digest_size=20)
    try:
        version = metadata.version("recommender")
    except metadata.PackageNotFoundError:
        version = "source"
    h.update(f"{FORMAT}\0{version}\0{sys.version}\0{pydantic.VERSION}\0{yaml.__version__}\0"
             f"{getattr(yaml, '__with_libyaml__', False)}\0".encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(p for pattern in ("*.py", "*.yaml") for p in package.rglob(pattern)
                       if "__pycache__" not in p.parts and "_knowledge" not in p.parts):
        h.update(f"\0{path.relative_to(package)}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _read(entry: Path) -> KnowledgeBase | None:
    """The knowledge in ``entry``, or None when there is none or it cannot be trusted or read."""
    try:
        with open(entry, "rb") as f:
            if not _trusted(os.fstat(f.fileno())) or not _trusted(os.stat(entry.parent)):
                return None
            data = f.read()
    except OSError:
        return None
    head = len(_MAGIC) + _DIGEST
    payload = data[head:]
    if data[:len(_MAGIC)] != _MAGIC or _checksum(payload) != data[len(_MAGIC):head]:
        return None
    try:
        with paused():
            kb = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - a stale or damaged entry is rebuilt, whatever unpickling raised
        return None
    return kb if isinstance(kb, KnowledgeBase) else None



def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST).digest()


def _trusted(info: os.stat_result) -> bool:
    """Whether a file or folder is the current user's and nobody else can write it (POSIX; elsewhere: yes)."""
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _write(folder: Path, entry: Path, kb: KnowledgeBase) -> None:
    """Store ``kb`` atomically (a reader sees the old entry or the whole new one), then drop the oldest."""
    try:
        payload = pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + _checksum(payload) + payload)
            os.replace(temp, entry)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _prune(folder)
    except (OSError, pickle.PicklingError):
        pass  # a read-only or full disk: this load is served, the next one parses again


def _touch(entry: Path) -> None:
    """Mark an entry as just used, so pruning keeps it (nothing happens where the folder is read-only)."""
    with contextlib.suppress(OSError):
        os.utime(entry)


def _prune(folder: Path) -> None:
    """Keep the :data:`KEEP` most recently used entries."""
    entries = []
    for path in folder.glob("*.kb"):
        try:
            entries.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue  # removed by another process meanwhile
    for _, path in sorted(entries, reverse=True)[KEEP:]:
        path.unlink(missing_ok=True)
