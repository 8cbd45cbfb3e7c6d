"""YAML with positions: plain Python data plus a map from document path to place.

libyaml (in C) parses the text into events, each with a line and column; the
tree is built here from those events without recursion, and values are resolved
by the YAML 1.2 core schema, so ``NO`` stays a string and ``010`` is ten. The
spellings that YAML 1.1 tools read differently (unquoted ``yes``/``no``/``on``/
``off``, ``010``) get a warning, because product teams also open these files with
other tools. Every duplicate key is an error naming both places.

The reader is bounded: whatever a file holds, it returns located issues, never
raises, never hangs and never reads outside the knowledge directory.

- Only regular files of at most :data:`MAX_FILE_BYTES` are read (a named pipe,
  device or directory is an issue, checked before the file is opened).
- With a ``root`` (knowledge and scenario files), a file whose real path leaves
  the root (through a symbolic link) is refused before it is read.
- Text characters YAML forbids (control characters) are found before parsing.
- Nesting deeper than :data:`MAX_DEPTH` levels is refused (real files use 8).
- Anchors and aliases (``&a``, ``*a``) are refused: product teams do not need
  them, and an alias "bomb" of a few KB would otherwise expand to gigabytes.
- Every explicit tag is refused, the standard ``!!str``/``!!int`` as well as
  ``!include`` or ``!!python/object``: a tag would change how a value is read
  (quotes do that for text), and nothing in a file is ever executed or included.
- Integers outside 64 bits are refused before Python converts them (a
  4,300-digit number would raise); ranges are checked later by the models.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import ISSUE_PREFIX, Issue, PathKey, Said, Severity, format_path, place
from ..messages import messages

# Ten times the largest knowledge file we have seen; far more than a person writes by hand.
MAX_FILE_BYTES = 10 * 1024 * 1024
# Real knowledge files nest at most 8 levels (rules with all/any conditions).
MAX_DEPTH = 64
# Issues of one kind listed per file by the reader (a pasted block can hold thousands of aliases).
MAX_REPEATS = 10
# Integers must fit 64 bits, as durable-rules keeps them.
MAX_INT = 2**63 - 1

_YAML11_BOOL = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")
# The characters YAML 1.2 (and libyaml's reader) allow in a stream.
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Line breaks as libyaml counts them for its marks.
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


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

    def issue(self, path: PathKey, code: str, message: Said, hint: Said | None = None,
              severity: Severity = "error") -> Issue:
        line, column = self.place(path)
        return Issue(code=code, message=message, hint=hint, file=self.file, line=line,
                     column=column, path=format_path(path), severity=severity)


def load_file(path: Path, display: str, root: Path | None = None) -> Document:
    """Read and parse one file; every problem is an issue, never an exception.

    With ``root``, the file must lie inside it once symbolic links are followed.
    """
    doc = Document(file=display, data=None)
    raw = _read_bytes(path, root, doc)
    if raw is None:
        return doc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        doc.issues.append(Issue(code="unreadable-file", file=display, line=line, column=column,
                                message=Said("unreadable-file.byte", byte=f"0x{raw[exc.start]:02x}"),
                                hint=Said("hint.unreadable-file.byte")))
        return doc
    return parse(text, display)


def read_bytes(path: Path, root: Path | None = None) -> bytes | None:
    """The bytes :func:`load_file` would parse, or None where it would report an issue instead."""
    return _read_bytes(path, root, Document(file=str(path), data=None))


def _read_bytes(path: Path, root: Path | None, doc: Document) -> bytes | None:
    """The file's bytes, or None with an issue added to ``doc``."""
    if root is not None and not _inside(path, root):
        # Not a word of the target: it may be a secret the link points at.
        doc.issues.append(_file_issue(doc, "outside-knowledge", Said("outside-knowledge.link"),
                                      Said("hint.outside-knowledge")))
        return None
    try:
        info = os.stat(path)
        if _not_regular(info, doc):
            return None
        # Non-blocking, so that a file swapped for a pipe after the check cannot hang the open.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if _not_regular(os.fstat(fd), doc):
                return None
            return _read_capped(fd, doc)
        finally:
            os.close(fd)
    except FileNotFoundError:
        doc.issues.append(_file_issue(doc, "missing-file", Said("missing-file.none"), Said("hint.missing-file.none")))
    except OSError as exc:
        doc.issues.append(_file_issue(doc, "unreadable-file", Said("unreadable-file.os", error=exc.strerror),
                                      Said("hint.unreadable-file.os")))
    return None


def _inside(path: Path, root: Path) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _not_regular(info: os.stat_result, doc: Document) -> bool:
    """Add an issue and say True when ``info`` is not a regular file of an allowed size."""
    if stat.S_ISREG(info.st_mode):
        if info.st_size > MAX_FILE_BYTES:
            doc.issues.append(_too_large(doc))
            return True
        return False
    kind = ("directory" if stat.S_ISDIR(info.st_mode) else "fifo" if stat.S_ISFIFO(info.st_mode)
            else "device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "socket" if stat.S_ISSOCK(info.st_mode) else "other")
    doc.issues.append(_file_issue(doc, "not-a-file", Said("not-a-file." + kind), Said("hint.not-a-file")))
    return True


def _read_capped(fd: int, doc: Document) -> bytes | None:
    """At most MAX_FILE_BYTES bytes (a file may grow after the size check)."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_FILE_BYTES:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    doc.issues.append(_too_large(doc))
    return None


def _too_large(doc: Document) -> Issue:
    return _file_issue(doc, "file-too-large", Said("file-too-large.size", mib=MAX_FILE_BYTES // (1024 * 1024)),
                       Said("hint.file-too-large"))


def _file_issue(doc: Document, code: str, message: Said, hint: Said) -> Issue:
    return Issue(code=code, message=message, hint=hint, file=doc.file)


def parse(text: str, file: str) -> Document:
    """Parse ``text``; every problem in it comes back as a located issue."""
    doc = Document(file=file, data=None)
    if len(text) > MAX_FILE_BYTES:
        doc.issues.append(_too_large(doc))
        return doc
    if _bad_characters(text, doc):
        return doc
    builder = _Builder(doc)
    try:
        builder.run(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        builder.syntax_error(exc)
    except yaml.reader.ReaderError as exc:  # the scan above should have found it; locate it anyway
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line, column = _line_column(text, max(at, 0))
        doc.issues = [i for i in doc.issues if i.severity == "error"]
        doc.issues.append(Issue(code="control-character", file=file, line=line, column=column,
                                message=Said("control-character.reader", reason=str(exc.reason)), hint=_CHAR_HINT))
        doc.data = None
    return doc


_CHAR_HINT = Said("hint.control-character")


def _bad_characters(text: str, doc: Document) -> bool:
    """Add an issue per character YAML forbids (up to MAX_REPEATS); True if there was one."""
    found = False
    for count, match in enumerate(_BAD_CHAR.finditer(text)):
        if count == MAX_REPEATS:
            break
        found = True
        char = match.group()
        kind = "control-character.control" if ord(char) < 0xA0 else "control-character.char"
        line, column = _line_column(text, match.start())
        doc.issues.append(Issue(code="control-character", file=doc.file, line=line, column=column,
                                message=Said(kind, char=f"U+{ord(char):04X}"),
                                hint=_CHAR_HINT))
    return found


def _line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``, counted as libyaml counts them."""
    line, start = 1, 0
    for match in _BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    if line == 1 and text.startswith("\ufeff"):
        start = 1  # libyaml skips the byte order mark
    return line, index - start + 1


class _Frame:
    """A mapping or sequence being built, with the path and place of its next child."""

    def __init__(self, value: dict[Any, Any] | list[Any], path: PathKey, record: bool, mark: yaml.Mark):
        self.value = value
        self.path = path
        self.mark = mark
        self.record = record  # False inside a repeated key's value: its places must not overwrite the first's
        self.key: str | int | None = None  # the key waiting for its value
        self.keep = True  # whether that value is kept
        self.first: dict[Any, int] = {}  # key -> line of its first appearance

    def child_path(self) -> PathKey:
        if isinstance(self.value, list):
            return self.path + (len(self.value),)
        if self.key is None:
            return self.path + ("<key>",)
        return self.path + (self.key,)

    def child_record(self) -> bool:
        return self.record and (isinstance(self.value, list) or self.key is None or self.keep)


_REFUSED = object()  # the value of an alias; never reaches the data


class _Builder:
    """Builds plain data from libyaml events with an explicit stack (no recursion)."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.stack: list[_Frame] = []
        self.counts: dict[str, int] = {}
        self.documents = 0

    def run(self, events: Iterator[yaml.Event]) -> None:
        for event in events:
            if isinstance(event, yaml.ScalarEvent):  # the commonest first
                self.scalar(event)
            elif isinstance(event, yaml.DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    self.located(event.start_mark, (), "yaml-syntax", Said("yaml-syntax.second-document"),
                                 Said("hint.yaml-syntax.second-document"))
                    self.doc.data = None
                    return
                self.doc.positions[()] = (1, 1)  # an empty document's problems sit at its start
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if not self.start(event):
                    return
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = self.stack.pop()
                self.add(frame.value, frame.mark, "")
            elif isinstance(event, yaml.AliasEvent):
                self.located(event.start_mark, self.next_place()[0], "yaml-alias",
                             Said("yaml-alias.alias", name=event.anchor), _ALIAS_HINT)
                self.add(_REFUSED, event.start_mark, "")
        if self.documents == 0:
            self.doc.positions[()] = (1, 1)

    def start(self, event: yaml.CollectionStartEvent) -> bool:
        """Open a collection; False (with an issue) when it nests too deep."""
        path, record = self.next_place()
        if len(self.stack) >= MAX_DEPTH:
            # No path: sixty-five levels of it say nothing the line and column do not.
            self.located(event.start_mark, (), "yaml-too-deep", Said("yaml-too-deep.levels", levels=MAX_DEPTH),
                         _DEPTH_HINT)
            self.doc.data = None
            return False
        self.node(event, path, record)
        value: dict[Any, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
        self.stack.append(_Frame(value, path, record, event.start_mark))
        return True

    def scalar(self, event: yaml.ScalarEvent) -> None:
        path, record = self.next_place()
        self.node(event, path, record)
        value = event.value if event.tag else _scalar(event, path, self)
        self.add(value, event.start_mark, event.value)

    def node(self, event: yaml.NodeEvent, path: PathKey, record: bool) -> None:
        """Record where a node starts and refuse its anchor or tag."""
        if record:
            self.doc.positions[path] = _mark(event.start_mark)
        if event.anchor is not None:
            self.located(event.start_mark, path, "yaml-alias", Said("yaml-alias.anchor", name=event.anchor),
                         _ALIAS_HINT)
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self.located(event.start_mark, path, "yaml-tag", Said("yaml-tag.tag", tag=shown[:60]),
                         Said("hint.yaml-tag"))

    def next_place(self) -> tuple[PathKey, bool]:
        if not self.stack:
            return (), True
        frame = self.stack[-1]
        return frame.child_path(), frame.child_record()

    def add(self, value: Any, mark: yaml.Mark, text: str) -> None:
        """Put a finished value into its parent (or make it the document)."""
        if not self.stack:
            self.doc.data = None if value is _REFUSED else value
            return
        frame = self.stack[-1]
        if isinstance(frame.value, list):
            frame.value.append(None if value is _REFUSED else value)
        elif frame.key is None:
            self.take_key(frame, value, mark, text)
        else:
            if frame.keep:
                frame.value[frame.key] = None if value is _REFUSED else value
            frame.key, frame.keep = None, True

    def take_key(self, frame: _Frame, raw: Any, mark: yaml.Mark, text: str) -> None:
        key_path = frame.path + ("<key>",)
        if raw is _REFUSED or raw is None or isinstance(raw, (list, dict)):
            if raw is not _REFUSED:
                self.located(mark, key_path, "wrong-type", Said("wrong-type.key"), Said("hint.wrong-type.key"))
            frame.key, frame.keep = "<key>", False
            return
        key: str | int = raw if isinstance(raw, str) or type(raw) is int else text
        frame.key = key
        if key in frame.first:
            self.located(mark, frame.path + (key,), "duplicate-key",
                         Said("duplicate-key.key", name=key, line=frame.first[key]), Said("hint.duplicate-key"))
            frame.keep = False
            return
        frame.first[key] = mark.line + 1
        if frame.record:
            self.doc.positions[key_path + (key,)] = _mark(mark)

    def located(self, mark: yaml.Mark, path: PathKey, code: str, message: Said, hint: Said,
                severity: Severity = "error") -> None:
        """Add an issue; each code is listed at most MAX_REPEATS times per file."""
        self.counts[code] = self.counts.get(code, 0) + 1
        if self.counts[code] > MAX_REPEATS:
            return  # a generated or pasted file can repeat one mistake a million times
        line, column = _mark(mark)
        self.doc.issues.append(Issue(code=code, message=message, hint=hint, file=self.doc.file, line=line,
                                     column=column, path=format_path(path), severity=severity))

    def syntax_error(self, exc: yaml.MarkedYAMLError) -> None:
        """Keep the errors found so far (not the style warnings) and add the syntax error."""
        self.doc.data = None
        self.doc.issues = [i for i in self.doc.issues if i.severity == "error"]
        mark = exc.problem_mark or exc.context_mark
        line, column = _mark(mark) if mark else (None, None)
        problem = str(exc.problem or exc.context)
        if problem == "exceeded maximum nesting depth":  # libyaml's own limit, far above ours
            code, message, hint = "yaml-too-deep", Said("yaml-too-deep.levels", levels=MAX_DEPTH), _DEPTH_HINT
        else:
            code, message, hint = "yaml-syntax", _syntax(problem), Said("hint.yaml-syntax")
        self.doc.issues.append(Issue(code=code, message=message, hint=hint, file=self.doc.file,
                                     line=line, column=column))


def _syntax(problem: str) -> Said:
    """libyaml's problem, in the words of an ``issue.yaml-problem.*`` sentence when one says it."""
    key = _problems().get(problem)
    return Said(key) if key else Said("yaml-syntax.problem", problem=problem)


@cache
def _problems() -> dict[str, str]:
    # libyaml's English wording -> the sentence saying it in every language (the en sentence is libyaml's)
    prefix = ISSUE_PREFIX + "yaml-problem."
    return {sentence.format(): key.removeprefix(ISSUE_PREFIX) for key, sentence in messages("en").items()
            if key.startswith(prefix)}


_ALIAS_HINT = Said("hint.yaml-alias")
_DEPTH_HINT = Said("hint.yaml-too-deep")


def _mark(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


# The first characters of every spelling resolved below: anything else is text (a fast path).
_RESOLVED_START = frozenset("~nNtTfFyYoO+-.0123456789")
_NULL = re.compile(r"^(|~|null|Null|NULL)$")
_TRUE = re.compile(r"^(true|True|TRUE)$")
_FALSE = re.compile(r"^(false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(inf|Inf|INF)$")
_NAN = re.compile(r"^\.(nan|NaN|NAN)$")


def _scalar(event: yaml.ScalarEvent, path: PathKey, builder: _Builder) -> Any:
    """Resolve a scalar by the YAML 1.2 core schema; quoted scalars are always text."""
    text: str = event.value
    if event.style or (text and text[0] not in _RESOLVED_START):  # quoted, block, or plainly text
        return text
    if _NULL.match(text):
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    for pattern, base, digits in ((_INT, 10, text.lstrip("+-")), (_OCT, 8, text[2:]), (_HEX, 16, text[2:])):
        if pattern.match(text):
            return _integer(text, base, digits, event, path, builder)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    if _YAML11_BOOL.match(text):
        builder.located(event.start_mark, path, "yaml11-boolean",
                        Said("yaml11-boolean.text", text=text), Said("hint.yaml11-boolean", text=text),
                        severity="warning")
    return text


def _integer(text: str, base: int, digits: str, event: yaml.ScalarEvent, path: PathKey,
             builder: _Builder) -> int | str:
    """The integer ``text`` spells, or the text itself with an issue when it is outside 64 bits."""
    # Measured before converting: int() of more than 4,300 decimal digits raises.
    value = int(digits, base) if len(digits.lstrip("0")) <= 64 else None
    if value is None or value > MAX_INT + text.startswith("-"):
        shown: str | Said = text if len(text) <= 24 else Said("huge-integer.cut", start=text[:20], n=len(text))
        builder.located(event.start_mark, path, "huge-integer", Said("huge-integer.number", number=shown),
                        Said("hint.huge-integer"))
        return text
    if text.startswith("-"):
        value = -value
    if base == 10 and _LEADING_ZERO.match(text) and path[-1:] != ("<key>",):
        builder.located(event.start_mark, path, "yaml11-octal",
                        Said("yaml11-octal.number", text=text, value=value), Said("hint.yaml11-octal"),
                        severity="warning")
    return value


# libyaml's parser when PyYAML was built with it (the wheels are); the pure one otherwise.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
