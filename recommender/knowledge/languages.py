"""The declared languages: every name and text written in each, and a message file for each.

framework.yaml's ``languages`` list is the one place a knowledge base says which
languages it speaks. :func:`check_texts` walks validated files and reports every
name or text missing a declared language, or written in an undeclared one;
:func:`load_messages` gathers each language's sentences (the package's message
file, then the knowledge directory's ``messages/<lang>.yaml`` over it) and
reports missing keys, unknown keys and placeholders the code does not fill.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import ISSUE_PREFIX, Issue, PathKey, Said, did_you_mean, format_path, place, plain, quoted
from ..messages import LANGS, Messages, fields_of, package_messages
from .schema import Text
from .yamlpos import Document, load_file

__all__ = ["check_texts", "fold_split_names", "load_messages", "message_file"]

_SPLIT = ("name_zh", "name_en")


def fold_split_names(doc: Document) -> list[Issue]:
    """An issue for each ``name_zh``/``name_en`` key (the old layout), each folded into ``name`` in place.

    Folding keeps the one clear issue from turning into an unknown key and a missing
    ``name`` as well; the load still fails, since the issues are errors.
    """
    issues: list[Issue] = []

    def walk(value: Any, path: PathKey) -> None:
        if isinstance(value, dict):
            found = [k for k in _SPLIT if k in value]
            if found:
                issues.append(_keyed(doc, (*path, found[0]), "split-name",
                                     Said("split-name.keys", keys=quoted(found, "list.and")),
                                     Said("hint.split-name")))
            if found and "name" not in value:
                value["name"] = {k.removeprefix("name_"): value[k] for k in found}
            for key in found:
                del value[key]
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(doc.data, ())
    return issues


def check_texts(model: BaseModel, languages: list[str], doc: Document) -> Iterator[Issue]:
    """Every text in ``model`` (a validated file) that lacks a declared language or has an undeclared one."""
    for path, owner, text in _texts(model, (), None):
        missing = [lang for lang in languages if lang not in text.root]
        if missing:
            what = Said("missing-language.of", field=path[-1], owner=owner) if owner else path[-1]
            yield doc.issue(path, "missing-language",
                            Said("missing-language.text", what=what, languages=quoted(missing)),
                            Said("hint.missing-language", field=path[-1],
                                 example="{" + ", ".join(f"{lang}: ..." for lang in languages) + "}"))
        for lang in text.root:
            if lang not in languages:
                yield doc.issue((*path, lang), "unknown-language", Said("unknown-language.text", language=lang),
                                did_you_mean(lang, languages) or
                                Said("hint.unknown-language", declared=plain(languages), language=lang))


def _texts(value: Any, path: PathKey, owner: str | None) -> Iterator[tuple[PathKey, str | None, Text]]:
    """(path, id of the nearest entry holding it, text) for every text inside ``value``, in file order."""
    if isinstance(value, Text):
        yield path, owner, value
    elif isinstance(value, BaseModel):
        owner = getattr(value, "id", None) if isinstance(getattr(value, "id", None), str) else owner
        for name, info in type(value).model_fields.items():
            yield from _texts(getattr(value, name), (*path, info.alias or name), owner)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index), owner)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*path, key), owner)


def _keyed(doc: Document, path: PathKey, code: str, message: Said, hint: Said) -> Issue:
    """An issue placed at the key ending ``path`` (the key is what is wrong, not its value)."""
    line, column = place(path, doc.positions, key=True)
    return Issue(code=code, message=message, hint=hint, file=doc.file, line=line, column=column,
                 path=format_path(path))


def message_file(root: Path, lang: str) -> Path:
    """Where a knowledge directory keeps its sentences of ``lang``."""
    return root / "messages" / f"{lang}.yaml"


@cache
def _reference() -> dict[str, frozenset[str]]:
    """Every message key the code asks for, with the fields it fills in (from the package's files)."""
    out: dict[str, set[str]] = {}
    for lang in LANGS:
        for key, sentence in (package_messages(lang) or {}).items():
            out.setdefault(key, set()).update(fields_of(sentence))
    return {key: frozenset(names) for key, names in out.items()}


def load_messages(root: Path, languages: list[str], issues: list[Issue]) -> Messages | None:
    """The sentences of ``languages``, or None after adding an issue for each problem."""
    table: dict[str, dict[str, str]] = {}
    ok = True
    for lang in languages:
        found = _language(root, lang, issues)
        ok = ok and found is not None
        table[lang] = found or {}
    return Messages(tuple(languages), table) if ok else None


def _language(root: Path, lang: str, issues: list[Issue]) -> dict[str, str] | None:
    path = message_file(root, lang)
    own: dict[str, str] = {}
    before = len(issues)
    if path.exists() or path.is_symlink():
        doc = load_file(path, str(path), root)
        issues.extend(doc.issues)
        if any(i.severity == "error" for i in doc.issues):
            return None
        own = dict(_own(doc, issues))
    package = package_messages(lang)
    if package is None and not own:
        issues.append(Issue(code="missing-message", file=str(path),
                            message=Said("missing-message.file", language=lang),
                            hint=Said("hint.missing-message.file", language=lang)))
        return None
    # Issue sentences stay out of the knowledge's table: issues read the package's own (see errors.Said),
    # and results (their knowledge fingerprint) do not change when an issue is reworded.
    merged = {key: sentence for key, sentence in {**(package or {}), **own}.items()
              if not key.startswith(ISSUE_PREFIX)}
    # Issue sentences (issue.*) are the package's own, read in zh and en whatever the knowledge declares:
    # a copy of en.yaml may keep them, untranslated, but a language need not have them.
    missing = [key for key in _reference() if key not in merged and not key.startswith(ISSUE_PREFIX)]
    if missing:
        issues.append(Issue(code="missing-message", file=str(path),
                            message=Said("missing-message.keys", language=lang, n=len(missing), keys=plain(missing)),
                            hint=Said("hint.missing-message.keys", language=lang)))
    return merged if len(issues) == before else None


def _own(doc: Document, issues: list[Issue]) -> Iterator[tuple[str, str]]:
    """The sentences a knowledge message file holds, each checked against what the code asks for."""
    if not isinstance(doc.data, dict):
        issues.append(doc.issue((), "wrong-type", Said("wrong-type.message-file"), Said("hint.message-file")))
        return
    reference = _reference()
    for key, sentence in doc.data.items():
        if not isinstance(key, str) or key not in reference:
            issues.append(_keyed(doc, (key,), "unknown-message", Said("unknown-message.key", name=key),
                                 did_you_mean(str(key), reference) or Said("hint.unknown-message")))
            continue
        if not isinstance(sentence, str):
            issues.append(doc.issue((key,), "wrong-type", Said("wrong-type.sentence", name=key),
                                    Said("hint.sentence")))
            continue
        try:
            extra = sorted(fields_of(sentence) - reference[key])
        except ValueError as exc:
            issues.append(doc.issue((key,), "message-fields", Said("message-fields.broken", name=key, error=str(exc)),
                                    Said("hint.message-fields.broken")))
            continue
        if extra:
            allowed = plain("{" + name + "}" for name in sorted(reference[key]))
            issues.append(doc.issue((key,), "message-fields",
                                    Said("message-fields.extra", name=key, fields=plain("{" + e + "}" for e in extra)),
                                    Said("hint.message-fields.extra", allowed=allowed) if reference[key]
                                    else Said("hint.message-fields.none")))
            continue
        yield key, sentence
