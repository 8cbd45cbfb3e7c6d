"""YAML with positions: plain Python data plus a map from document path to place.

PyYAML's composer (libyaml, in C) builds the node tree with a line and column
for every key and item; values are then resolved here by the YAML 1.2 core
schema, so ``NO`` stays a string and ``010`` is ten. The spellings that YAML 1.1
tools read differently (unquoted ``yes``/``no``/``on``/``off``, ``010``) get a
warning, because product teams also open these files with other tools. Every
duplicate key is an error naming both places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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


def parse(text: str, file: str) -> Document:
    """Parse ``text``; syntax and duplicate-key errors come back as issues."""
    doc = Document(file=file, data=None)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        doc.issues.append(Issue(code="yaml-syntax", message=str(exc.problem or exc.context),
                                hint="check indentation, colons, quotes and brackets near here", file=file,
                                line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None))
        return doc
    except yaml.YAMLError as exc:
        doc.issues.append(Issue(code="yaml-syntax", message=str(exc), file=file))
        return doc
    doc.positions[()] = (1, 1)  # an empty file's problems sit at its start
    if root is not None:
        doc.data = _plain(root, (), doc)
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
    except UnicodeDecodeError as exc:
        raw = path.read_bytes()
        line = raw[:exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        doc = Document(file=display, data=None)
        doc.issues.append(Issue(code="unreadable-file", file=display, line=line, column=column,
                                message=f"byte 0x{raw[exc.start]:02x} is not UTF-8 text",
                                hint="save the file as UTF-8; it is probably saved as GBK/ANSI"))
        return doc
    except OSError as exc:
        doc = Document(file=display, data=None)
        doc.issues.append(Issue(code="unreadable-file", message=str(exc), file=display,
                                hint="check that the file can be read"))
        return doc
    return parse(text, display)


def _place(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _plain(node: yaml.Node, path: PathKey, doc: Document) -> Any:
    doc.positions[path] = _place(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        first: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            raw = _plain(key_node, path + ("<key>",), doc)
            if raw is None or isinstance(raw, (list, dict)):
                doc.issues.append(doc.issue(path + ("<key>",), "wrong-type", "a key must be plain text",
                                            "write the key as a word, e.g. 'name:'"))
                continue
            key: str | int = raw if isinstance(raw, str) or type(raw) is int else str(key_node.value)
            if key in first:
                line = _place(first[key])[0]
                doc.issues.append(Issue(code="duplicate-key", message=f"duplicate key {key!r} (first at line {line})",
                                        hint="each key may appear once in a mapping; merge or rename the repeats",
                                        file=doc.file, line=_place(key_node)[0], column=_place(key_node)[1],
                                        path=format_path(path + (key,))))
                continue
            first[key] = key_node
            doc.positions[path + ("<key>", key)] = _place(key_node)
            out[key] = _plain(value_node, path + (key,), doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, path + (i,), doc) for i, item in enumerate(node.value)]
    return _scalar(node, path, doc)


_NULL = re.compile(r"^(|~|null|Null|NULL)$")
_TRUE = re.compile(r"^(true|True|TRUE)$")
_FALSE = re.compile(r"^(false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(inf|Inf|INF)$")
_NAN = re.compile(r"^\.(nan|NaN|NAN)$")


def _scalar(node: yaml.ScalarNode, path: PathKey, doc: Document) -> Any:
    """Resolve a scalar by the YAML 1.2 core schema; quoted scalars are always text."""
    text = node.value
    if node.style:  # quoted or block: text as written
        return text
    if _NULL.match(text):
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    if _INT.match(text):
        if _LEADING_ZERO.match(text) and path[-1:] != ("<key>",):
            doc.issues.append(doc.issue(
                path, "yaml11-octal", f"{text} reads as {int(text)} here but as an octal number to YAML 1.1 tools",
                "drop the leading zero, or quote it if it is a code rather than a number", severity="warning"))
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    if _YAML11_BOOL.match(text):
        doc.issues.append(doc.issue(
            path, "yaml11-boolean", f"unquoted {text!r} is text here but a boolean to YAML 1.1 tools",
            f"write '{text}' in quotes if you mean text, or true/false if you mean yes/no", severity="warning"))
    return text


# libyaml's composer when PyYAML was built with it (the wheels are); the pure one otherwise.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
