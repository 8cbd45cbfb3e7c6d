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
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache, partial
from importlib.resources import files
from threading import Lock
from types import FunctionType, MethodType
from typing import Any, Generic, TypeVar

import yaml

from .localized import Text

__all__ = ["LANGS", "Local", "Messages", "amount", "fields_of", "in_use", "knowledge_messages", "listed", "message",
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
    # sentences with fields, by key and fields (see _key): the same products, needs and reasons recur in every
    # result, and writing one in each language costs more than looking it up
    _filled: dict[tuple[object, ...], Text] = field(default_factory=dict, compare=False, repr=False)
    # result parts remembered with the knowledge these sentences belong to (recommender.remembered): they go
    # when it goes
    parts: dict[Hashable, tuple[object, object]] = field(default_factory=dict, compare=False, repr=False)

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

    def filled(self, key: str, **fields: object) -> Text:
        """:meth:`text`, remembered by ``key`` and fields when each field has a :func:`_key`.

        Only for the messages in use (:func:`text`): an amount of money reads them while it is written.
        """
        try:
            memo = (key, *((name, _key(value)) for name, value in fields.items()))
        except _Unkeyed:
            return self.text(key, **fields)
        found = self._filled.get(memo)
        if found is None:
            found = self.text(key, **fields)
            if len(self._filled) < _FILLED_KEPT:
                self._filled[memo] = found
        return found


# The first sentences met, kept for good: the frequent ones come early, and every object kept is one more
# for each full garbage collection to scan, so a small memo that stops growing costs least.
_FILLED_KEPT = 1024


class _Unkeyed(Exception):
    """A field whose value may read differently next time: its sentence is written afresh."""


def _key(value: object) -> object:
    """What decides how ``value`` reads as a field in every language, as a hashable key; raises _Unkeyed.

    A partial (``partial(kb.name, pid)``) is a function of the language alone, as every :data:`Local` is:
    its function and arguments decide it. A lambda may close over anything, so it has no key.
    """
    kind = type(value)
    if kind is str:
        return value
    # tagged by strings, not classes: a key of strings and numbers is one the garbage collector stops scanning
    if kind is int:
        return "int", value
    if kind is bool:
        return "bool", value
    if kind is float:
        return "float", repr(value)  # -0.0 equals 0.0 but reads "-0.0"
    if kind is Text:
        return "text", *value.root.items()  # type: ignore[attr-defined]
    if kind is partial and not value.keywords:  # type: ignore[attr-defined]
        return "partial", _name_key(value.func), *(_key(a) for a in value.args)  # type: ignore[attr-defined]
    if isinstance(value, _Written) and value.key is not None:
        return value.key
    raise _Unkeyed


class _Written:
    """A :data:`Local` field that says what decides how it reads (``key``): an amount, a list."""

    key: tuple[object, ...] | None

    def __call__(self, lang: str) -> str:
        raise NotImplementedError


class _Priced(_Written):
    def __init__(self, yuan: float, key: str) -> None:
        self.yuan, self.money_key = yuan, key
        self.key = None  # amounts differ from customer to customer: remembered, they would only fill the memo

    def __call__(self, lang: str) -> str:
        return money(self.yuan, lang, self.money_key)


class _Listed(_Written, Generic[T]):
    def __init__(self, items: Sequence[T], name: Callable[[T, str], str], sep: str) -> None:
        self.items, self.name, self.sep = items, name, sep
        try:
            self.key = ("listed", sep, _name_key(name), *(_key(item) for item in items))
        except _Unkeyed:
            self.key = None  # a lambda names them, or they are not keyed: written afresh

    def __call__(self, lang: str) -> str:
        return message(self.sep, lang).join(self.name(item, lang) for item in self.items)


def _name_key(name: Callable[..., str]) -> object:
    # a bound method (kb.name) or a module's function names the same way every time; a lambda or a nested
    # function may close over anything
    if isinstance(name, MethodType) or isinstance(name, FunctionType) and "<" not in name.__qualname__:
        return name
    raise _Unkeyed


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
    # its sentences, not what it remembers (which names the knowledge): knowledge reloaded since goes
    table = Messages(table.languages, table.table)
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


def in_use() -> Messages:
    """The messages sentences come from now (see :func:`using`)."""
    return _table()


def message(key: str, lang: str, **fields: object) -> str:
    """Sentence ``key`` in ``lang`` from the messages in use; KeyError names a missing key."""
    return _table().get(key, lang, **fields)


def text(key: str, **fields: object) -> Text:
    """Sentence ``key`` in every language in use, each field read in that language (see :data:`Local`)."""
    return _table().filled(key, **fields)


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
    return _Priced(yuan, key)


def listed(items: Sequence[T], name: Callable[[T, str], str], sep: str = "list.sep") -> Callable[[str], str]:
    """A :data:`Local` field listing ``items`` by ``name(item, lang)`` as each language lists them.

    ``sep`` is the message that joins them: ``list.sep`` (A、B / A, B) or ``list.or`` (A或B / A or B).
    """
    return _Listed(items, name, sep)
