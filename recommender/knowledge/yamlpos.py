"""YAML with positions: plain Python data plus a map from document path to place.

ruamel.yaml is used because it reports line and column for every key and item
and refuses duplicate keys; PyYAML loses positions after parsing. Documents are
read as YAML 1.2, so ``NO`` stays a string; the spellings that YAML 1.1 tools
would read differently (``yes``/``no``/``on``/``off`` unquoted, ``010``) get a
warning, because product teams also open these files with other tools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarint import OctalInt, ScalarInt
from ruamel.yaml.scalarstring import ScalarString

from ..errors import Issue, PathKey, Severity, format_path, place

_YAML11_BOOL = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")


@dataclass
class Document:
    """One parsed file: its data, where each path sits, and parse warnings."""

    file: str
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def place(self, path: PathKey) -> tuple[int | None, int | None]:
        """1-based line and column of ``path``, or of its nearest known parent."""
        return place(path, self.positions)

    def issue(self, path: PathKey, code: str, message: str, hint: str | None = None,
              severity: Severity = "error") -> Issue:
        line, column = self.place(path)
        return Issue(code=code, message=message, hint=hint, file=self.file, line=line,
                     column=column, path=format_path(path), severity=severity)


def _new_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # tells quoted from plain scalars, for the YAML 1.1 check
    yaml.allow_duplicate_keys = False
    return yaml


def parse(text: str, file: str) -> Document:
    """Parse ``text``; syntax and duplicate-key errors come back as issues."""
    doc = Document(file=file, data=None)
    try:
        raw = _new_yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        code = "duplicate-key" if "duplicate key" in str(exc.problem) else "yaml-syntax"
        hint = ("each key may appear once in a mapping; merge or rename the repeats"
                if code == "duplicate-key" else "check indentation, colons and brackets near here")
        doc.issues.append(Issue(code=code, message=str(exc.problem), hint=hint, file=file,
                                line=mark.line + 1 if mark else None,
                                column=mark.column + 1 if mark else None))
        return doc
    except YAMLError as exc:  # pragma: no cover - ruamel marks nearly everything
        doc.issues.append(Issue(code="yaml-syntax", message=str(exc), file=file))
        return doc
    lines = text.splitlines()
    doc.data = _plain(raw, (), doc, lines)
    return doc


def load_file(path: Path, display: str) -> Document:
    """Read and parse one file; an unreadable file is an issue, not an exception."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        doc = Document(file=display, data=None)
        doc.issues.append(Issue(code="missing-file", message="no such file", file=display,
                                hint="check the path and the file name"))
        return doc
    except (OSError, UnicodeDecodeError) as exc:
        doc = Document(file=display, data=None)
        doc.issues.append(Issue(code="unreadable-file", message=str(exc), file=display,
                                hint="save the file as UTF-8 text"))
        return doc
    return parse(text, display)


def _plain(node: Any, path: PathKey, doc: Document, lines: list[str]) -> Any:
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            kline, kcol = node.lc.key(key)
            vline, vcol = node.lc.value(key)
            key = str(key) if not isinstance(key, (str, int)) else key
            doc.positions[path + (key,)] = (vline + 1, vcol + 1)
            doc.positions[path + ("<key>", key)] = (kline + 1, kcol + 1)
            out[key] = _scalar_check(_plain(value, path + (key,), doc, lines), value,
                                     path + (key,), doc, lines)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            doc.positions[path + (index,)] = (line + 1, col + 1)
            items.append(_scalar_check(_plain(value, path + (index,), doc, lines), value,
                                       path + (index,), doc, lines))
        return items
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, ScalarString):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def _scalar_check(value: Any, raw: Any, path: PathKey, doc: Document, lines: list[str]) -> Any:
    if type(raw) is str and _YAML11_BOOL.match(raw):
        doc.issues.append(doc.issue(
            path, "yaml11-boolean",
            f"unquoted {raw!r} is a string here but a boolean to YAML 1.1 tools",
            f"write '{raw}' in quotes if you mean text, or true/false if you mean yes/no",
            severity="warning"))
    elif isinstance(raw, ScalarInt) and not isinstance(raw, OctalInt):
        line, col = doc.positions.get(path, (0, 0))
        source = lines[line - 1][col - 1:] if 0 < line <= len(lines) else ""
        token = re.split(r"[\s,\]}#]", source, maxsplit=1)[0]
        if _LEADING_ZERO.match(token):
            doc.issues.append(doc.issue(
                path, "yaml11-octal",
                f"{token} reads as {int(raw)} here but as an octal number to YAML 1.1 tools",
                "drop the leading zero, or quote it if it is a code rather than a number",
                severity="warning"))
    return value
