"""Load a knowledge directory into a :class:`KnowledgeBase`, or fail with every issue.

Layout::

    framework.yaml                 layers, the nine modules and their need items, industries, ...
    assessment.yaml                cut points of the seed 004 measurement system
    catalogs/<catalog>/catalog.yaml    catalog name and product categories
    catalogs/<catalog>/products.yaml   product offerings with their relations
    catalogs/<catalog>/rules.yaml      rules (when -> then), data only
    catalogs/<catalog>/offers.yaml     packages and tiers (optional)

Loading is all-or-nothing: on any error a :class:`KnowledgeError` lists every
problem and nothing is returned. Knowledge that loaded is kept in a cache keyed by
the content of its files (:mod:`recommender.knowledge.cache`), so an unchanged
directory loads again without being parsed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import Issue, KnowledgeError, Said, did_you_mean, issues_from_validation
from .base import KnowledgeBase
from .cache import cache_enabled, cached
from .checks import catalog_dirs, check_references
from .collector import paused
from .languages import check_texts, fold_split_names, load_messages
from .schema import Assessment, Catalog, Framework, OffersFile, ProductsFile, RulesFile
from .yamlpos import Document, load_file

M = TypeVar("M", bound=BaseModel)


def available_catalogs(root: Path) -> list[str]:
    """Catalog names found under ``root/catalogs``."""
    return catalog_dirs(root)


def load_knowledge(root: str | Path, catalog: str | None = None, *, cache: bool | None = None) -> KnowledgeBase:
    """Load and validate ``root``; ``catalog`` defaults to the framework's ``default_catalog``.

    ``cache`` (default: on unless ``RECOMMENDER_CACHE=0``) reuses the validated knowledge of an unchanged
    directory (:mod:`recommender.knowledge.cache`); the result is the same either way.
    """
    root = Path(root)
    if cache_enabled(cache):
        return cached(root, catalog, lambda: _load(root, catalog))
    return _load(root, catalog)


def _load(root: Path, catalog: str | None) -> KnowledgeBase:
    """Read, parse and validate every file of ``root`` (:func:`load_knowledge` without the cache)."""
    with paused():
        return _parse_and_validate(root, catalog)


def _parse_and_validate(root: Path, catalog: str | None) -> KnowledgeBase:
    if not _present(root / "framework.yaml"):
        raise KnowledgeError([Issue(
            code="missing-file", file=str(root / "framework.yaml"),
            message=Said("missing-file.framework"), hint=Said("hint.missing-file.framework"))])
    issues: list[Issue] = []
    docs: dict[str, Document] = {}
    context: dict[str, list[str]] = {}  # the declared languages, once the framework gives them

    def read(rel: str, model: type[M], required: bool = True) -> M | None:
        path = root / rel
        if not _present(path):
            if required:
                issues.append(Issue(code="missing-file", file=str(path),
                                    message=Said("missing-file.required", file=rel),
                                    hint=Said("hint.missing-file.required")))
            return None
        doc = load_file(path, str(path), root)
        docs[rel] = doc
        issues.extend(doc.issues)
        issues.extend(fold_split_names(doc))
        if doc.data is None and not doc.issues:
            doc.data = {}
        if any(i.severity == "error" for i in doc.issues):
            return None
        return validate_document(doc, model, issues, context)

    framework = read("framework.yaml", Framework)
    if framework is not None:  # again, now that its texts can be put in the order it declares
        context["languages"] = list(framework.languages)
        framework = Framework.model_validate(docs["framework.yaml"].data, context=context)
    assessment = read("assessment.yaml", Assessment)
    catalogs = available_catalogs(root)
    chosen = catalog or (framework.default_catalog if framework else None)
    if chosen is None and len(catalogs) == 1:
        chosen = catalogs[0]
    if chosen is not None and chosen not in catalogs:
        if catalog is not None:  # a wrong default_catalog is reported, located, by the framework check
            issues.append(Issue(code="unknown-catalog", file=str(root / "catalogs"),
                                message=Said("unknown-catalog.name", catalog=chosen),
                                hint=did_you_mean(chosen, catalogs)))
        chosen = None
    cat = prods = rules = offers = None
    if chosen is not None:
        base = f"catalogs/{chosen}/"
        cat = read(base + "catalog.yaml", Catalog)
        prods = read(base + "products.yaml", ProductsFile)
        rules = read(base + "rules.yaml", RulesFile)
        offers = read(base + "offers.yaml", OffersFile, required=False) or OffersFile(offers=[])

    base = f"catalogs/{chosen}/" if chosen else ""
    kinds = {"framework": "framework.yaml", "assessment": "assessment.yaml", "catalog": base + "catalog.yaml",
             "products": base + "products.yaml",
             "rules": base + "rules.yaml", "offers": base + "offers.yaml"}
    issues.extend(check_references(framework, assessment, cat, prods, rules, offers,
                                   {k: docs[f] for k, f in kinds.items() if f in docs}, root))
    messages = None
    if framework is not None:
        files = {"framework": framework, "assessment": assessment, "catalog": cat, "products": prods,
                 "rules": rules, "offers": offers}
        for kind, model in files.items():
            if model is not None and kinds[kind] in docs:
                issues.extend(check_texts(model, framework.languages, docs[kinds[kind]]))
        messages = load_messages(root, framework.languages, issues)
    if any(i.severity == "error" for i in issues) or not (
            framework and assessment and cat and prods and rules and offers and chosen and messages):
        raise KnowledgeError(sorted(issues, key=_issue_order))

    base = f"catalogs/{chosen}/"
    return KnowledgeBase(
        root=root, framework=framework, assessment=assessment, catalog=cat,
        products={p.id: p for p in prods.products},
        rules=tuple(rules.rules),
        offers={o.id: o for o in offers.offers},
        locations=_locations(docs, base),
        warnings=tuple(sorted(issues, key=_issue_order)),
        messages=messages,
    )


def _present(path: Path) -> bool:
    """Whether anything is at ``path``; whether it is a readable file inside the root is the reader's issue."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True  # there is something; the reader says why it cannot be read
    return True


def validate_document(doc: Document, model: type[M], issues: list[Issue],
                      context: dict[str, list[str]] | None = None) -> M | None:
    """Validate one parsed document; on failure add located issues and return None."""
    data: Any = doc.data
    if not isinstance(data, dict):
        issues.append(doc.issue((), "wrong-type", Said("wrong-type.file"), Said("hint.wrong-type.file")))
        return None
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        issues.extend(issues_from_validation(exc, doc.file, doc.positions, model))
        return None


def _locations(docs: dict[str, Document], base: str) -> dict[str, str]:
    """``product:<id>`` / ``rule:<id>`` -> ``file:line`` for audit trails."""
    out: dict[str, str] = {}
    for kind, rel, key in (("product", "products.yaml", "products"), ("rule", "rules.yaml", "rules"),
                           ("offer", "offers.yaml", "offers")):
        doc = docs.get(base + rel)
        if doc is None or not isinstance(doc.data, dict):
            continue
        for index, entry in enumerate(doc.data.get(key) or []):
            if isinstance(entry, dict) and "id" in entry:
                line, _ = doc.place((key, index))
                out[f"{kind}:{entry['id']}"] = f"{base}{rel}:{line}"  # relative: equal output on any install
    return out


def _issue_order(issue: Issue) -> tuple[int, str, int, int, str, str]:
    # The framework first: a problem there (a missing module) often causes the others.
    file = issue.file or ""
    rank = 0 if file.endswith("framework.yaml") else 1 if file.endswith("assessment.yaml") else 2
    return (rank, file, issue.line or 0, issue.column or 0, issue.code, issue.message)
