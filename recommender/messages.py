"""User-facing sentences, one YAML file per language: languages are data.

The package ships ``recommender/messages/<lang>.yaml`` for zh and en; a knowledge
directory may add ``messages/<lang>.yaml`` for a language of its own or to reword
sentences (its keys override the package's). Code asks for a sentence by key
(``message("brief.title", "zh", customer=...)``) instead of writing it inline,
so a sentence is reworded, or a language added, in its message file alone.

A result model that carries a ready-made sentence in every language (a left-out
product's reason, a need gap's remedy) gets it from :func:`text`, which fills one
key in each language.

:class:`Messages` holds the sentences of one knowledge base's declared languages
(``KnowledgeBase.messages``, checked by ``validate``). :func:`message` and
:func:`text` read the ones in use, which :func:`using` sets while a result is
built or rendered (the package's zh and en otherwise), so no sentence-writing
function needs them passed through every call.
"""

from __future__ import annotations

import string
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from threading import Lock
from typing import Any, TypeVar

import yaml

from .localized import Text

__all__ = ["LANGS", "Local", "Messages", "amount", "fields_of", "knowledge_messages", "listed", "message",
           "messages", "money", "package_messages", "priced", "register", "text", "using"]

T = TypeVar("T")

# The languages the package ships message files for.
LANGS = ("zh", "en")

# A field of a sentence that reads differently in each language: a Text (or a mapping by language), or a
# function of the language (``functools.partial(kb.name, pid)``). Any other value reads the same in all.
Local = Text | Mapping[str, str] | Callable[[str], str]


@cache
def package_messages(lang: str) -> dict[str, str] | None:
    """The package's sentences of ``lang`` by key, or None when it ships no file for ``lang``."""
    resource = files("recommender").joinpath("messages", f"{lang}.yaml")
    if not resource.is_file():
        return None
    data: Any = yaml.safe_load(resource.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def messages(lang: str) -> dict[str, str]:
    """The package's sentences of ``lang`` (KeyError when it ships none)."""
    found = package_messages(lang)
    if found is None:
        raise KeyError(f"no message file for language {lang!r}")
    return found


def fields_of(sentence: str) -> set[str]:
    """The ``{field}`` names a sentence fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name}


@dataclass(frozen=True)
class Messages:
    """The sentences of some languages: ``table[lang][key]``; ``languages`` in declared order."""

    languages: tuple[str, ...]
    table: Mapping[str, Mapping[str, str]]
    # sentences without fields, built once: a result repeats them for every product left out
    _plain: dict[str, Text] = field(default_factory=dict, compare=False, repr=False)
    # amounts of money as written, by (yuan, language, key): every over-budget sentence names the same budget
    _money: dict[tuple[float, str, str], str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def package(cls, languages: tuple[str, ...] = LANGS) -> Messages:
        """The package's own sentences of ``languages``."""
        return cls(languages, {lang: messages(lang) for lang in languages})

    def get(self, key: str, lang: str, **fields: object) -> str:
        """Sentence ``key`` in ``lang`` with ``fields`` filled in, each read in ``lang`` (see :data:`Local`)."""
        if lang not in self.table:
            raise KeyError(f"no sentences for language {lang!r} here (only {', '.join(self.languages)}): render "
                           "through Recommendation.rationale_text, or inside messages.using(kb.messages)")
        return self.table[lang][key].format(**{k: _in(v, lang) for k, v in fields.items()})

    def text(self, key: str, **fields: object) -> Text:
        """Sentence ``key`` in every language, as one text."""
        if not fields:
            plain = self._plain.get(key)
            if plain is None:
                plain = self._plain[key] = Text({lang: self.get(key, lang) for lang in self.languages})
            return plain
        return Text({lang: self.get(key, lang, **fields) for lang in self.languages})


def _in(value: object, lang: str) -> object:
    if isinstance(value, Text | Mapping):
        return value.get(lang)
    if callable(value):
        return value(lang)
    return value


@cache
def _package() -> Messages:
    return Messages.package()


_current: ContextVar[Messages | None] = ContextVar("recommender_messages", default=None)
# Loaded knowledge's sentences by its fingerprint, which every result names (``Recommendation.knowledge``), so
# a result renders in the knowledge's own languages, even read back from JSON, after its recommender is gone.
# Bounded: a server reloading knowledge keeps the latest few.
_by_knowledge: OrderedDict[str, Messages] = OrderedDict()
_KEPT = 32
_lock = Lock()


def register(fingerprint: str, table: Messages) -> None:
    """Make ``table`` the sentences of results of the knowledge with ``fingerprint``."""
    with _lock:
        _by_knowledge[fingerprint] = table
        _by_knowledge.move_to_end(fingerprint)
        while len(_by_knowledge) > _KEPT:
            _by_knowledge.popitem(last=False)


def knowledge_messages(fingerprint: str) -> Messages | None:
    """The sentences of the loaded knowledge with ``fingerprint``, or None."""
    return _by_knowledge.get(fingerprint)


def _table() -> Messages:
    return _current.get() or _package()


@contextmanager
def using(table: Messages | None) -> Iterator[None]:
    """Build or render with ``table``'s sentences (a knowledge base's) inside the block; None keeps the current."""
    token = _current.set(table or _current.get())
    try:
        yield
    finally:
        _current.reset(token)


def message(key: str, lang: str, **fields: object) -> str:
    """Sentence ``key`` in ``lang`` from the messages in use; KeyError names a missing key."""
    return _table().get(key, lang, **fields)


def text(key: str, **fields: object) -> Text:
    """Sentence ``key`` in every language in use, each field read in that language (see :data:`Local`)."""
    return _table().text(key, **fields)


def amount(yuan: float, lang: str) -> str:
    """``yuan`` as the language writes money, without the unit the message adds.

    The language's message file says how (``number.*``). zh: below 10,000 in full with
    thousands separators (``3,500``); from 10,000 in 万 (``1.2万``, ``23.35万``) and
    from 100 million in 亿, to two decimals. en: in full with thousands separators
    (``12,000``). Fractions of a yuan are kept to two places and dropped when zero.
    """
    for unit, size in _scales(lang):
        if abs(yuan) >= size:
            return f"{_number(round(yuan / size, 2), lang)}{unit}"
    return _number(round(yuan, 2), lang)


def _scales(lang: str) -> tuple[tuple[str, int], ...]:
    """The language's large-number words, largest first: ``number.scales`` reads ``亿=100000000 万=10000``."""
    return _parsed_scales(message("number.scales", lang))


@cache
def _parsed_scales(spec: str) -> tuple[tuple[str, int], ...]:
    # parsed once per wording: every amount in every sentence reads it
    pairs = (entry.partition("=") for entry in spec.split())
    return tuple(sorted(((unit, int(size)) for unit, _, size in pairs), key=lambda pair: -pair[1]))


def _number(x: float, lang: str) -> str:
    whole = f"{x:,.2f}".rstrip("0").rstrip(".")
    whole = "0" if whole in ("-0", "") else whole
    group, point = message("number.group", lang), message("number.point", lang)
    return whole if (group, point) == (",", ".") else "".join(
        group if c == "," else point if c == "." else c for c in whole)


_MONEY_KEPT = 4096


def money(yuan: float, lang: str, key: str = "money.once") -> str:
    """``yuan`` with its unit: ``money.once`` (20万元), ``money.month`` (1.2万元/月)."""
    table = _table()
    written = table._money.get((yuan, lang, key))
    if written is None:
        if len(table._money) >= _MONEY_KEPT:  # a long-running server sees endless amounts: start over
            table._money.clear()
        written = table._money[(yuan, lang, key)] = message(key, lang, amount=amount(yuan, lang))
    return written


def priced(yuan: float, key: str = "money.once") -> Callable[[str], str]:
    """A :data:`Local` field: ``yuan`` as each language writes money (:func:`money`)."""
    return lambda lang: money(yuan, lang, key)


def listed(items: Sequence[T], name: Callable[[T, str], str], sep: str = "list.sep") -> Callable[[str], str]:
    """A :data:`Local` field listing ``items`` by ``name(item, lang)`` as each language lists them.

    ``sep`` is the message that joins them: ``list.sep`` (A、B / A, B) or ``list.or`` (A或B / A or B).
    """
    return lambda lang: message(sep, lang).join(name(item, lang) for item in items)
