"""User-facing sentences, one YAML file per language in ``recommender/messages/``.

A renderer asks for a sentence by key (``message("brief.title", "zh", customer=...)``)
instead of writing it inline, so a sentence is reworded, or a language added, in
its message file alone. Every file holds the same keys (tests/test_brief.py).

A result model that carries a ready-made sentence in every language (a left-out
product's reason, a need gap's remedy) gets it from :func:`text`, which fills one
key in each language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

import yaml

from .knowledge.schema import Text

__all__ = ["LANGS", "Local", "listed", "message", "messages", "text"]

T = TypeVar("T")

LANGS = ("zh", "en")

# A field of a sentence that reads differently in each language: a Text (or a mapping by language), or a
# function of the language (``functools.partial(kb.name, pid)``). Any other value reads the same in all.
Local = Text | Mapping[str, str] | Callable[[str], str]


@cache
def messages(lang: str) -> dict[str, str]:
    """The sentences of ``lang`` by key, read once from ``messages/<lang>.yaml``."""
    content = files("recommender").joinpath("messages", f"{lang}.yaml").read_text(encoding="utf-8")
    data: Any = yaml.safe_load(content)
    return {str(k): str(v) for k, v in data.items()}


def message(key: str, lang: str, **fields: object) -> str:
    """The sentence ``key`` in ``lang`` with ``fields`` filled in; KeyError names a missing key."""
    return messages(lang)[key].format(**fields)


def text(key: str, **fields: object) -> Text:
    """The sentence ``key`` in every language, each field read in that language (see :data:`Local`)."""
    return Text(**{lang: message(key, lang, **{k: _in(v, lang) for k, v in fields.items()}) for lang in LANGS})


def listed(items: Sequence[T], name: Callable[[T, str], str], sep: str = "list.sep") -> Callable[[str], str]:
    """A :data:`Local` field listing ``items`` by ``name(item, lang)`` as each language lists them.

    ``sep`` is the message that joins them: ``list.sep`` (A、B / A, B) or ``list.or`` (A或B / A or B).
    """
    return lambda lang: message(sep, lang).join(name(item, lang) for item in items)


def _in(value: object, lang: str) -> object:
    if isinstance(value, Text | Mapping):
        return value.get(lang)
    if callable(value):
        return value(lang)
    return value
