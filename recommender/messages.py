"""User-facing sentences, one YAML file per language in ``recommender/messages/``.

A renderer asks for a sentence by key (``message("brief.title", "zh", customer=...)``)
instead of writing it inline, so a sentence is reworded, or a language added, in
its message file alone. Every file holds the same keys (tests/test_brief.py).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import yaml

LANGS = ("zh", "en")


@cache
def messages(lang: str) -> dict[str, str]:
    """The sentences of ``lang`` by key, read once from ``messages/<lang>.yaml``."""
    text = files("recommender").joinpath("messages", f"{lang}.yaml").read_text(encoding="utf-8")
    data: Any = yaml.safe_load(text)
    return {str(k): str(v) for k, v in data.items()}


def message(key: str, lang: str, **fields: object) -> str:
    """The sentence ``key`` in ``lang`` with ``fields`` filled in; KeyError names a missing key."""
    return messages(lang)[key].format(**fields)
