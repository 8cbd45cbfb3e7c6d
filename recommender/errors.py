"""Typed errors. Every user-facing problem is an :class:`Issue` with a place.

Errors collect *all* problems found in one pass, so a product team fixes a file
once instead of once per problem. The tree (pinned by a test)::

    RecommenderError       every error the library raises on purpose
    ├── KnowledgeError     the knowledge files are invalid; ``.issues`` lists every problem
    ├── ProfileError       a customer profile is invalid; ``.issues`` lists every problem
    └── EngineError        the rule engine failed: a bug, never bad input

Every issue reads in Chinese and English: its message and hint are :class:`Said` sentences, templates
``issue.*`` of the package's message files filled with the ids and values (``Issue.text``,
``Issue.hint_text``; ``message`` and ``hint`` stay English). docs/errors.md describes the design.

Calling the API wrongly (``top_k=0``) raises ``ValueError`` or ``TypeError``.
Nothing else escapes: durable-rules' own errors become :class:`EngineError`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping
from difflib import get_close_matches
from functools import cache
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .messages import LANGS, Messages, messages

Severity = Literal["error", "warning"]


# The key prefix of issue templates in the package's message files.
ISSUE_PREFIX = "issue."


class Said:
    """A sentence of an issue: the key of a template in the package's message files, and its fields.

    Issue templates are ``issue.*`` keys of ``recommender/messages/<lang>.yaml``; an issue reads them in
    every language the package ships (zh, en), whatever the knowledge declares, since issues are found
    before (or without) the knowledge's own sentences. A field may be a :data:`messages.Local`, and so
    another ``Said``: it is read in the same language.
    """

    __slots__ = ("fields", "key")

    def __init__(self, key: str, /, **fields: object):
        self.key = key
        self.fields = fields

    def __call__(self, lang: str) -> str:
        return _issue_sentences().get(ISSUE_PREFIX + self.key, lang, **self.fields)

    def __str__(self) -> str:
        return self("en")

    def __repr__(self) -> str:
        return f"Said({self.key!r})"

    def texts(self) -> dict[str, str]:
        """The sentence in every language the package ships."""
        return {lang: self(lang) for lang in LANGS}


@cache
def _issue_sentences() -> Messages:
    return Messages.package()


def quoted(values: Iterable[object], sep: str = "list.sep") -> Callable[[str], str]:
    """A field listing ``values`` as each language quotes and joins ids: 'a' or 'b' / “a”或“b”.

    ``sep`` is an ``issue.list.*`` key: ``list.sep``, ``list.or`` or ``list.and``.
    """
    items = list(values)
    return lambda lang: _issue_sentences().get(ISSUE_PREFIX + sep, lang).join(
        _issue_sentences().get(ISSUE_PREFIX + "quote", lang, value=v) for v in items)


def plain(values: Iterable[object], sep: str = "list.sep") -> Callable[[str], str]:
    """A field listing ``values`` unquoted (a :class:`Said` read in the language), joined as the language joins."""
    items = list(values)
    return lambda lang: _issue_sentences().get(ISSUE_PREFIX + sep, lang).join(
        v(lang) if callable(v) else str(v) for v in items)


def what_said(name: str) -> Said:
    """The noun for a kind of id ('customer class', 'need_item'): the ``issue.what.<name>`` template."""
    return Said("what." + name.lower().replace(" ", "_").replace("-", "_"))


# How a day is written wherever one is read (knowledge validFor, --as-of, asOf).
DATE_SAID = Said("hint.date")
DATE_HINT = str(DATE_SAID)

# Every code an Issue may carry, with a one-line meaning: the issue.code.<code> sentences of the package's
# message files (in zh and en; see :func:`meaning`), in this order. docs/errors.md and docs/errors.zh.md
# explain each with an example and the fix (a test keeps them in step).
CODES: dict[str, str] = {key.removeprefix(ISSUE_PREFIX + "code."): sentence
                         for key, sentence in messages("en").items() if key.startswith(ISSUE_PREFIX + "code.")}


def meaning(code: str, lang: str = "en") -> str:
    """The one-line meaning of issue ``code`` in ``lang`` (zh or en)."""
    return Said("code." + code)(lang)


class Issue(BaseModel):
    """One problem, located as precisely as the input allows.

    ``message`` and ``hint`` are English; ``text`` and ``hint_text`` hold them in every language the
    package ships (``{"zh": ..., "en": ...}``). Built from a :class:`Said` (``message=Said(...)``), an
    issue fills all four; built from plain English strings, ``text`` and ``hint_text`` hold English only.
    """

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""
    hint: str | None = None
    severity: Severity = "error"
    text: dict[str, str] = Field(default_factory=dict, description="The message by language (zh, en).")
    hint_text: dict[str, str] | None = Field(default=None, description="The hint by language (zh, en).")

    @model_validator(mode="before")
    @classmethod
    def _read_said(cls, data: Any) -> Any:
        # a Said becomes the English string and the text in every language
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for name, texts in (("message", "text"), ("hint", "hint_text")):
            value = data.get(name)
            if isinstance(value, Said):
                data[texts] = value.texts()
                data[name] = data[texts]["en"]
            elif isinstance(value, str) and not data.get(texts):
                data[texts] = {"en": value}
        return data

    @field_validator("code")
    @classmethod
    def _known_code(cls, code: str) -> str:
        if code not in CODES:
            raise ValueError(f"unregistered issue code {code!r}: add issue.code.{code} to the message files "
                             "and a section to docs/errors.md")
        return code

    def location(self) -> str:
        """``file:line:column`` (as much of it as is known)."""
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __hash__(self) -> int:
        # issues are collected in sets (one report per place); the texts follow from the English and the code
        return hash((self.code, self.message, self.file, self.line, self.column, self.path, self.hint,
                     self.severity))

    def message_in(self, lang: str) -> str:
        """The message in ``lang``, in English when it has none in ``lang``."""
        return self.text.get(lang, self.message)

    def hint_in(self, lang: str) -> str | None:
        """The hint in ``lang``, in English when it has none in ``lang``."""
        return (self.hint_text or {}).get(lang, self.hint)

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str = "en") -> str:
        """The issue as one located line (and its hint), in ``lang``; English is ``str(issue)``."""
        lang = lang if lang in LANGS else "en"  # issues speak the package's languages only
        where = self.location()
        hint = self.hint_in(lang)
        if lang == "en":  # the English layout logs and golden files keep
            at = f" at {self.path}" if self.path else ""
            tail = f"\n    hint: {hint}" if hint else ""
            return f"{where}: {self.severity} [{self.code}]{at}: {self.message}{tail}"
        say = Said("layout.at" if self.path else "layout.line", where=where, code=self.code, path=self.path,
                   severity=Said("layout." + self.severity), message=self.message_in(lang))
        tail = "\n    " + Said("layout.hint", hint=hint)(lang) if hint else ""
        return say(lang) + tail


class RecommenderError(Exception):
    """Base class of every error this library raises on purpose."""


class _IssuesError(RecommenderError):
    title = "problems"
    said_title = "layout.problems"

    def __init__(self, issues: Iterable[Issue]):
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__(self._render())

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its issues, so that it crosses to and from worker processes (recommend_many)
        return type(self), (self.issues,)

    def _render(self) -> str:
        return self.render("en")

    def render(self, lang: str = "en") -> str:
        """How many errors, then every issue, in ``lang``; English is ``str(error)``."""
        errors = sum(i.severity == "error" for i in self.issues)
        title = Said(self.said_title, n=errors)(lang) if lang in LANGS and lang != "en" else None
        lines = [title or f"{errors} {self.title} found:"]
        lines += [f"  {issue.render(lang)}".replace("\n", "\n  ") for issue in self.issues]
        return "\n".join(lines)


class KnowledgeError(_IssuesError):
    """The knowledge files are invalid; nothing was loaded."""

    title = "knowledge error(s)"
    said_title = "layout.knowledge_errors"


class ProfileError(_IssuesError):
    """A customer profile is invalid."""

    title = "profile error(s)"
    said_title = "layout.profile_errors"


class EngineError(RecommenderError):
    """The rule engine failed while evaluating a customer (a bug, not bad input)."""


def did_you_mean(value: object, choices: Iterable[str]) -> Said | None:
    """A hint naming the closest known ids, or None when nothing is close."""
    options = sorted(choices)
    close = get_close_matches(str(value), options, n=3, cutoff=0.6)
    if close:
        return Said("hint.did-you-mean", options=quoted(close, "list.or"))
    if len(options) <= 12:
        return Said("hint.known-values", options=plain(options))
    return None


PathKey = tuple[str | int, ...]
Positions = dict[PathKey, tuple[int, int]]


def format_path(path: PathKey) -> str:
    """``('products', 12, 'requires', 0)`` -> ``products[12].requires[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def place(path: PathKey, positions: Positions, *, key: bool = False) -> tuple[int | None, int | None]:
    """Line and column of ``path`` (or its key), else of its nearest known parent."""
    if key and path:
        pos = positions.get(path[:-1] + ("<key>", path[-1]))
        if pos:
            return pos
    for end in range(len(path), -1, -1):
        pos = positions.get(path[:end])
        if pos:
            return pos
    return None, None


def issues_from_validation(exc: ValidationError, file: str | None, positions: Positions,
                           model: type[BaseModel] | None = None) -> list[Issue]:
    """Turn pydantic's errors into located issues with plain-language codes, in every language."""
    issues = []
    for err in _errors(exc):
        loc = tuple(p for p in err["loc"] if not _is_internal_loc(p))
        line, column = place(loc, positions, key=err["type"] == "extra_forbidden")
        code, hint = _CODES.get(err["type"], ("invalid-value", None))
        message = _said(err)
        if err["type"] == "literal_error":
            message = Said("invalid-value.literal", value=_shown(err["input"]))
            hint = Said("hint.allowed", expected=_expected(err["ctx"]["expected"])) if "ctx" in err else None
        elif err["type"] in _BOUNDS and "ctx" in err:
            limit = next(iter(err["ctx"].values()))
            limit = int(limit) if isinstance(limit, float) and limit.is_integer() else limit
            message = Said("out-of-range." + _BOUNDS[err["type"]], value=_shown(err["input"]), limit=f"{limit:,}")
        elif code == "wrong-type" and isinstance(err["input"], int) and err["input"].bit_length() > 64:
            code, message, hint = "out-of-range", Said("out-of-range.huge", value=_shown(err["input"])), None
        elif code == "bad-id" and isinstance(err["input"], str):
            message, hint = Said("bad-id.value", value=_shown(err["input"])), _id_hint(err["input"])
        elif code == "wrong-type" and not isinstance(err["input"], (dict, list)):
            message = Said("wrong-type.got", message=message, value=_shown(err["input"]))
        if hint is None and model is not None:
            description = _description_at(model, loc)
            hint = Said("hint.field", description=description) if description else None
        if err["type"] == "extra_forbidden" and loc:
            message = Said("unknown-key.key", name=loc[-1])
            allowed = _keys_at(model, loc[:-1]) if model else None
            if allowed:
                hint = did_you_mean(loc[-1], allowed) or hint
        issues.append(Issue(code=code, message=message, hint=hint, file=file, line=line,
                            column=column, path=format_path(loc)))
    return issues


def said_error(kind: str, key: str, **fields: object) -> PydanticCustomError:
    """A validator's error of type ``kind`` whose message is the issue template ``key`` (in every language).

    :func:`issues_from_validation` reads the template back from the error's context, so the issue speaks
    Chinese as well as English; pydantic itself sees the English sentence.
    """
    return PydanticCustomError(kind, "{english}", {"english": str(Said(key, **fields)), "said": key,
                                                  "fields": fields})


def said_of(exc: PydanticCustomError) -> Said:
    """The message of a validator's error (:func:`said_error`) in every language."""
    ctx = exc.context or {}
    return Said(ctx["said"], **ctx["fields"]) if "said" in ctx else Said("pydantic.other", msg=str(exc))


def _said(err: Any) -> Said:
    """The message of a pydantic error as an issue template: a validator's own, or one per error type."""
    ctx = err.get("ctx") or {}
    if "said" in ctx:
        return Said(ctx["said"], **ctx["fields"])
    kind = err["type"]
    if kind in _COUNTED:
        limit = ctx.get(_COUNTED[kind], 0)
        unit = ("unit.char" if kind.startswith("string") else "unit.item") + (".one" if limit == 1 else "")
        return Said("pydantic." + kind, limit=limit, actual=ctx.get("actual_length", 0), unit=Said(unit))
    if kind == "model_type":
        return Said("pydantic.model_type", class_name=ctx.get("class_name", ""))
    if kind in _PYDANTIC:
        return Said("pydantic." + kind)
    return Said("pydantic.other", msg=err["msg"].removeprefix("Value error, "))


def _expected(expected: str) -> Callable[[str], str]:
    """pydantic's list of allowed values (``'a', 'b' or 'c'``) as each language lists them."""
    try:
        values = ast.literal_eval("[" + expected.replace(" or ", ", ") + "]")
    except (ValueError, SyntaxError):
        values = None
    return lambda lang: expected if lang == "en" or values is None else quoted(values, "list.or")(lang)


# pydantic's error types whose sentence (and so template) has no field
_PYDANTIC = frozenset({
    "missing", "extra_forbidden", "string_type", "int_type", "int_parsing", "int_from_float", "float_type",
    "float_parsing", "bool_type", "bool_parsing", "list_type", "dict_type", "model_attributes_type",
    "finite_number", "string_unicode", "int_parsing_size"})
# pydantic's error types that count (characters or items), with the context key of the limit
_COUNTED = {"too_short": "min_length", "too_long": "max_length", "string_too_short": "min_length",
            "string_too_long": "max_length"}


_BOUNDS = {"greater_than_equal": "at-least", "greater_than": "more-than", "less_than_equal": "at-most",
           "less_than": "below"}


class _Unprintable:
    def __repr__(self) -> str:
        return "a value holding a number too long to show"


def _errors(exc: ValidationError) -> list[Any]:
    try:
        return exc.errors()
    except ValueError:  # pydantic cannot copy an input holding an integer of over 4,300 digits
        return [dict(err, input=_Unprintable()) for err in exc.errors(include_input=False)]


def _shown(value: object, limit: int = 60) -> str:
    """A bad value as a person can read it in one line: quoted, escaped, cut short."""
    if isinstance(value, int) and value.bit_length() > 128:  # str() of a huge int is slow, then refused
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"  # en only: never shown alone
    try:
        text = repr(value)
    except ValueError:  # a list or mapping holding such a number
        text = repr(_Unprintable())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _id_hint(value: str) -> Said:
    """How ids are written, with the nearest valid spelling of ``value`` when there is one."""
    suggestion = re.sub(r"[^a-z0-9_.-]+", "_", value.lower()).strip("_.-")[:64]
    return Said("hint.id-as", suggestion=suggestion, rule=Said("hint.id")) if suggestion else Said("hint.id")


def _keys_at(model: type[BaseModel], loc: PathKey) -> list[str] | None:
    """The keys allowed at ``loc`` inside ``model`` (by alias), or None if unknown."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in _by_alias(current):
            return None
        current = _model_in(_by_alias(current)[part])
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(_by_alias(current))
    return None


def _description_at(model: type[BaseModel], loc: PathKey) -> str | None:
    """The documented meaning of the field at ``loc``, as a hint for range errors."""
    names = [p for p in loc if isinstance(p, str)]
    if not names:
        return None
    current: Any = model
    for part in names[:-1]:
        fields = _by_alias(current) if isinstance(current, type) and issubclass(current, BaseModel) else {}
        current = _model_in(fields.get(part))
    if not (isinstance(current, type) and issubclass(current, BaseModel)):
        return None
    for name, field in current.model_fields.items():
        if (field.alias or name) == names[-1]:
            return field.description
    return None


def _by_alias(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside ``list[M]``, ``M | None`` and the like."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _is_internal_loc(part: str | int) -> bool:
    # pydantic names union branches and validators in `loc`; people never see those.
    return isinstance(part, str) and (part.startswith(("function-", "union[", "tagged-union"))
                                      or part in {"str", "int", "float", "bool", "operator", "value"}
                                      or part.startswith("list["))


# pydantic's error types: the issue code and the hint (hint.<type> templates)
_CODES: dict[str, tuple[str, Said | None]] = {
    "missing": ("missing-field", Said("hint.missing")),
    "extra_forbidden": ("unknown-key", Said("hint.extra_forbidden")),
    "literal_error": ("invalid-value", None),
    "string_type": ("wrong-type", Said("hint.string_type")),
    "int_type": ("wrong-type", Said("hint.write-integer")),
    "int_parsing": ("wrong-type", Said("hint.write-integer")),
    "int_from_float": ("wrong-type", Said("hint.int_from_float")),
    "float_type": ("wrong-type", Said("hint.write-number")),
    "float_parsing": ("wrong-type", Said("hint.write-number")),
    "bool_type": ("wrong-type", Said("hint.write-boolean")),
    "bool_parsing": ("wrong-type", Said("hint.write-boolean")),
    "list_type": ("wrong-type", Said("hint.list_type")),
    "dict_type": ("wrong-type", Said("hint.write-mapping")),
    "model_type": ("wrong-type", Said("hint.write-mapping")),
    "model_attributes_type": ("wrong-type", Said("hint.write-mapping")),
    "greater_than_equal": ("out-of-range", None),
    "greater_than": ("out-of-range", None),
    "less_than_equal": ("out-of-range", None),
    "less_than": ("out-of-range", None),
    "finite_number": ("out-of-range", Said("hint.finite_number")),
    "string_too_long": ("text-too-long", Said("hint.string_too_long")),
    "string_unicode": ("bad-character", Said("hint.string_unicode")),
    "bad_character": ("bad-character", Said("hint.bad_character")),
    "too_short": ("too-short", None),
    "too_long": ("too-long", None),
    "string_too_short": ("empty-text", Said("hint.string_too_short")),
    "value_error": ("invalid-value", None),
    "string_pattern_mismatch": ("bad-id", None),  # the only patterned strings are ids
    "bad_date": ("bad-date", DATE_SAID),
    "bad_period": ("bad-period", Said("hint.bad_period")),
}
