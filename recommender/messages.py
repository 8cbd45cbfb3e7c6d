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

__all__ = ["LANGS", "Local", "amount", "listed", "message", "messages", "money", "priced", "text"]

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


def amount(yuan: float, lang: str) -> str:
    """``yuan`` as the language writes money, without the unit the message adds.

    zh: below 10,000 in full with thousands separators (``3,500``); from 10,000 in
    万 (``1.2万``, ``23.35万``) and from 100 million in 亿, to two decimals. en: in
    full with thousands separators (``12,000``). Fractions of a yuan are kept to
    two places and dropped when zero.
    """
    if lang == "zh":
        for unit, size in (("亿", 10**8), ("万", 10**4)):
            if abs(yuan) >= size:
                return f"{_number(round(yuan / size, 2))}{unit}"
    return _number(round(yuan, 2))


def _number(x: float) -> str:
    whole = f"{x:,.2f}".rstrip("0").rstrip(".")
    return "0" if whole in ("-0", "") else whole


def money(yuan: float, lang: str, key: str = "money.once") -> str:
    """``yuan`` with its unit: ``money.once`` (20万元), ``money.month`` (1.2万元/月)."""
    return message(key, lang, amount=amount(yuan, lang))


def priced(yuan: float, key: str = "money.once") -> Callable[[str], str]:
    """A :data:`Local` field: ``yuan`` as each language writes money (:func:`money`)."""
    return lambda lang: money(yuan, lang, key)


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
