"""Typed errors. Every user-facing problem is an :class:`Issue` with a place.

Errors collect *all* problems found in one pass, so a product team fixes a file
once instead of once per problem. The tree (pinned by a test)::

    RecommenderError       every error the library raises on purpose
    ├── KnowledgeError     the knowledge files are invalid; ``.issues`` lists every problem
    ├── ProfileError       a customer profile is invalid; ``.issues`` lists every problem
    └── EngineError        the rule engine failed: a bug, never bad input

Calling the API wrongly (``top_k=0``) raises ``ValueError`` or ``TypeError``.
Nothing else escapes: durable-rules' own errors become :class:`EngineError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import get_close_matches
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

Severity = Literal["error", "warning"]

# How a day is written wherever one is read (knowledge validFor, --as-of, asOf).
DATE_HINT = "write the date as YYYY-MM-DD, e.g. 2026-12-01"

# Every code an Issue may carry, with a one-line meaning; docs/errors.md explains
# each with an example and the fix (a test keeps the two in step).
CODES: dict[str, str] = {
    "yaml-syntax": "the file is not valid YAML",
    "duplicate-key": "a key appears twice in one mapping",
    "yaml11-boolean": "an unquoted yes/no/on/off that YAML 1.1 tools read as a boolean (warning)",
    "yaml11-octal": "a number with a leading zero that YAML 1.1 tools read as octal (warning)",
    "missing-file": "a required file is missing",
    "unreadable-file": "a file cannot be read as UTF-8 text",
    "unknown-key": "a key the file kind does not have",
    "missing-field": "a required field is missing",
    "wrong-type": "a value of the wrong type",
    "invalid-value": "a value outside the allowed set",
    "out-of-range": "a number outside its allowed range",
    "too-short": "a list with too few entries",
    "too-long": "a list with too many entries",
    "empty-text": "an empty text where a name or description is needed",
    "unknown-reference": "an id that names nothing in the knowledge",
    "duplicate-id": "the same id used twice",
    "bad-need-id": "a need item id that does not start with its module id",
    "missing-module": "one of the nine modules is missing from the framework",
    "missing-vocabulary": "an id the code gives a meaning to (a value type, an assessment step, a ranking weight) "
                          "is missing from the knowledge",
    "unknown-catalog": "a catalog name with no directory under catalogs/",
    "unknown-field": "a field that rules or the assessment cannot use",
    "unsorted-cuts": "assessment cut points not in ascending order",
    "bad-tiers": "volume tiers out of ascending order, overlapping, or on a price per customer",
    "mixed-units": "a product priced per two different units (site, user, vehicle)",
    "unsized-quantity": "a rule sets the quantity of a product priced only per customer",
    "item-outside-modules": "a product lists a need item of a module it does not list",
    "self-relation": "a product related to itself",
    "requires-retired": "a product requires a product that is not for sale",
    "relation-to-retired": "a product complements a product that is not for sale (warning)",
    "empty-range": "an eligibility range with its minimum above its maximum",
    "requires-cycle": "products that require each other in a cycle",
    "requires-conflict": "a product that needs two products that exclude each other",
    "rule-never-fires": "a rule condition no customer can meet",
    "contradictory-effects": "a rule whose effects contradict each other",
    "wrong-stage": "a rule condition or effect its stage (customer or bundle) cannot have",
    "unreachable-product": "a product no need reaches (warning)",
    "known-gap-served": "a catalog declares a known gap for a need item its products serve (warning)",
    "bad-character": "a text holds an invisible control character, a lone surrogate or a direction override",
    "text-too-long": "a text longer than allowed",
    "bad-id": "an id with characters or a length ids may not have",
    "not-a-file": "a path that names a directory, pipe or device instead of a file",
    "file-too-large": "a file larger than the reader accepts (10 MiB)",
    "outside-knowledge": "a file that links to a place outside the knowledge directory",
    "control-character": "a character YAML does not allow in a file, such as a control character",
    "yaml-too-deep": "lists and mappings nested deeper than 64 levels",
    "yaml-alias": "a YAML anchor (&name) or alias (*name), which these files do not use",
    "yaml-tag": "a YAML tag (!!str, !include, ...), which these files do not use",
    "huge-integer": "a whole number too large to read (beyond 64 bits)",
    "engine-limit": "a rule condition beyond what the rule engine (durable-rules) takes, however its rules are split",
    "discount-over-cap": "a discount or volume tier beyond the cap of the product's policy class (warning)",
    "subsidy-over-cap": "a handset subsidy beyond the cap of its handset type",
    "too-many-tiers": "an offer with more tiers than the pricing policy allows (warning)",
    "tariff-item": "a price item the pricing policy does not set, or too many on a public-tariff product (warning)",
    "bad-date": "a date not written YYYY-MM-DD, or not a day of the calendar",
    "bad-period": "a validFor period that ends before it starts",
    "overlapping-prices": "two prices of one charge in force on the same day",
    "price-gap": "days inside a product's validFor on which one of its charges has no price (warning)",
    "expiring-soon": "a product whose validFor ends within 30 days of the day checked (warning)",
    "split-name": "a name written as name_zh/name_en instead of one name mapping by language",
    "missing-language": "a name or text lacking a language framework.yaml declares",
    "unknown-language": "a name or text in a language framework.yaml does not declare",
    "missing-message": "a declared language without a message file, or without some of its sentences",
    "unknown-message": "a message file key the code never asks for",
    "message-fields": "a sentence with a placeholder the code does not fill in, or a broken template",
}


class Issue(BaseModel):
    """One problem, located as precisely as the input allows."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""
    hint: str | None = None
    severity: Severity = "error"

    @field_validator("code")
    @classmethod
    def _known_code(cls, code: str) -> str:
        if code not in CODES:
            raise ValueError(f"unregistered issue code {code!r}: add it to errors.CODES and docs/errors.md")
        return code

    def location(self) -> str:
        """``file:line:column`` (as much of it as is known)."""
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        where = self.location()
        at = f" at {self.path}" if self.path else ""
        hint = f"\n    hint: {self.hint}" if self.hint else ""
        return f"{where}: {self.severity} [{self.code}]{at}: {self.message}{hint}"


class RecommenderError(Exception):
    """Base class of every error this library raises on purpose."""


class _IssuesError(RecommenderError):
    title = "problems"

    def __init__(self, issues: Iterable[Issue]):
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__(self._render())

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its issues, so that it crosses to and from worker processes (recommend_many)
        return type(self), (self.issues,)

    def _render(self) -> str:
        errors = [i for i in self.issues if i.severity == "error"]
        lines = [f"{len(errors)} {self.title} found:"]
        lines += [f"  {issue}".replace("\n", "\n  ") for issue in self.issues]
        return "\n".join(lines)


class KnowledgeError(_IssuesError):
    """The knowledge files are invalid; nothing was loaded."""

    title = "knowledge error(s)"


class ProfileError(_IssuesError):
    """A customer profile is invalid."""

    title = "profile error(s)"


class EngineError(RecommenderError):
    """The rule engine failed while evaluating a customer (a bug, not bad input)."""


def did_you_mean(value: object, choices: Iterable[str]) -> str | None:
    """A hint naming the closest known ids, or None when nothing is close."""
    options = sorted(choices)
    close = get_close_matches(str(value), options, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    if len(options) <= 12:
        return "known values: " + ", ".join(options)
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
    """Turn pydantic's errors into located issues with plain-language codes."""
    issues = []
    for err in _errors(exc):
        loc = tuple(p for p in err["loc"] if not _is_internal_loc(p))
        line, column = place(loc, positions, key=err["type"] == "extra_forbidden")
        code, hint = _CODES.get(err["type"], ("invalid-value", None))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "literal_error":
            message = f"{_shown(err['input'])} is not an allowed value"
            hint = "allowed: " + err["ctx"]["expected"] if "ctx" in err else None
        elif err["type"] in _BOUNDS and "ctx" in err:
            limit = next(iter(err["ctx"].values()))
            limit = int(limit) if isinstance(limit, float) and limit.is_integer() else limit
            message = f"{_shown(err['input'])} is out of range: it must be {_BOUNDS[err['type']]} {limit:,}"
        elif code == "wrong-type" and isinstance(err["input"], int) and err["input"].bit_length() > 64:
            code, message, hint = "out-of-range", f"{_shown(err['input'])} is far too large", None
        elif code == "bad-id" and isinstance(err["input"], str):
            message, hint = f"{_shown(err['input'])} is not a valid id", _id_hint(err["input"])
        elif code == "wrong-type" and not isinstance(err["input"], (dict, list)):
            message = f"{message} (got {_shown(err['input'])})"
        if hint is None and model is not None:
            hint = _description_at(model, loc)
        if err["type"] == "extra_forbidden" and loc:
            message = f"unknown key {loc[-1]!r}"
            allowed = _keys_at(model, loc[:-1]) if model else None
            if allowed:
                hint = did_you_mean(loc[-1], allowed) or hint
        issues.append(Issue(code=code, message=message, hint=hint, file=file, line=line,
                            column=column, path=format_path(loc)))
    return issues


_BOUNDS = {"greater_than_equal": "at least", "greater_than": "more than", "less_than_equal": "at most",
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
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    try:
        text = repr(value)
    except ValueError:  # a list or mapping holding such a number
        text = repr(_Unprintable())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _id_hint(value: str) -> str:
    """How ids are written, with the nearest valid spelling of ``value`` when there is one."""
    rule = "an id is 1 to 64 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit"
    suggestion = re.sub(r"[^a-z0-9_.-]+", "_", value.lower()).strip("_.-")[:64]
    return f"write it as {suggestion!r} ({rule})" if suggestion else rule


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


_CODES: dict[str, tuple[str, str | None]] = {
    "missing": ("missing-field", "add this field"),
    "extra_forbidden": ("unknown-key", "remove the key or check its spelling against the documentation"),
    "literal_error": ("invalid-value", None),
    "string_type": ("wrong-type", "write text (quote it if it looks like a number or yes/no)"),
    "int_type": ("wrong-type", "write a whole number without quotes"),
    "int_parsing": ("wrong-type", "write a whole number without quotes"),
    "int_from_float": ("wrong-type", "write a whole number"),
    "float_type": ("wrong-type", "write a number without quotes"),
    "float_parsing": ("wrong-type", "write a number without quotes"),
    "bool_type": ("wrong-type", "write true or false"),
    "bool_parsing": ("wrong-type", "write true or false"),
    "list_type": ("wrong-type", "write a list (items starting with '- ', or [a, b])"),
    "dict_type": ("wrong-type", "write a mapping (key: value lines)"),
    "model_type": ("wrong-type", "write a mapping (key: value lines)"),
    "model_attributes_type": ("wrong-type", "write a mapping (key: value lines)"),
    "greater_than_equal": ("out-of-range", None),
    "greater_than": ("out-of-range", None),
    "less_than_equal": ("out-of-range", None),
    "less_than": ("out-of-range", None),
    "finite_number": ("out-of-range", "write an ordinary number: infinity and NaN are not allowed"),
    "string_too_long": ("text-too-long", "shorten the text"),
    "string_unicode": ("bad-character", "the text holds a lone surrogate: check how it was encoded"),
    "bad_character": ("bad-character", "delete the character; copy the text again from a plain source"),
    "too_short": ("too-short", None),
    "too_long": ("too-long", None),
    "string_too_short": ("empty-text", "write some text"),
    "value_error": ("invalid-value", None),
    "string_pattern_mismatch": ("bad-id", None),  # the only patterned strings are ids
    "bad_date": ("bad-date", DATE_HINT),
    "bad_period": ("bad-period", "write the first day as start and the last day as end (both inclusive)"),
}
