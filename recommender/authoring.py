"""What a product team's tools ask of a knowledge directory: validate it, run its scenarios, measure its
coverage, and compare two versions. Each function returns data; ``recommender validate | test | coverage |
diff`` only print it, so a CI job or an editor plug-in gets the same answers without parsing text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .coverage import CoverageReport
from .coverage import coverage as _coverage
from .diff import CustomerChange, EntityChanges, knowledge_diff, recommendation_diff, render
from .engine import EngineName
from .errors import Issue, KnowledgeError, Said, plain
from .knowledge import KnowledgeBase, available_catalogs, load_knowledge
from .knowledge.period_checks import expiring_products
from .messages import LANGS
from .profile import read_yaml
from .recommender import Recommender, default_knowledge_dir
from .scenarios import Outcome, blame, load_scenarios, run_all, scenario_issues
from .validity import checked_day

__all__ = ["KnowledgeDiff", "Validation", "coverage", "diff", "run_scenarios", "validate"]


@dataclass(frozen=True)
class Validation:
    """Every problem of a knowledge directory, and the catalogs that loaded."""

    root: Path
    catalogs: dict[str, KnowledgeBase]
    issues: tuple[Issue, ...]

    @property
    def errors(self) -> int:
        return sum(i.severity == "error" for i in self.issues)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def summary(self, lang: str = "en") -> str:
        """One line in ``lang`` (zh or en): what loaded, and how many errors and warnings."""
        loaded = [Said("layout.catalog", catalog=c, products=len(kb.products), rules=len(kb.rules),
                       offers=len(kb.offers)) for c, kb in self.catalogs.items()]
        return Said("layout.summary", root=str(self.root),
                    loaded=plain(loaded, "list.clauses") if loaded else Said("layout.nothing-loaded"),
                    errors=self.errors, warnings=len(self.issues) - self.errors)(lang if lang in LANGS else "en")


def validate(directory: str | Path | None = None, catalog: str | None = None, *,
             as_of: date | None = None) -> Validation:
    """Load every catalog of ``directory`` (or only ``catalog``) and check its scenario files.

    Products leaving the catalog within 30 days of ``as_of`` (default: today) are warned about.
    """
    day = checked_day(as_of)
    root = Path(directory) if directory else default_knowledge_dir()
    issues: list[Issue] = []
    loaded: dict[str, KnowledgeBase] = {}
    names: list[str | None] = [catalog] if catalog else [*available_catalogs(root)] or [None]
    for name in names:
        try:
            kb = load_knowledge(root, name)
        except KnowledgeError as exc:
            issues += exc.issues
        else:
            loaded[kb.catalog.id] = kb
            issues += kb.warnings
            issues += expiring_products(kb, day)
    issues += scenario_issues(root, loaded)
    # framework problems repeat once per catalog
    return Validation(root=root, catalogs=loaded, issues=tuple(dict.fromkeys(issues)))


def run_scenarios(directory: str | Path | None = None, *, blame_failures: bool = True,
                  engine: EngineName = "auto", as_of: date | None = None) -> list[Outcome]:
    """Every scenario's outcome, catalog by catalog, on ``engine``; a failure names the rules and relations
    to blame. A scenario runs as of its own ``as_of``, else ``as_of``, else today."""
    outcomes = []
    for rec, runs in run_all(directory or default_knowledge_dir(), engine, as_of).values():
        for outcome in runs:
            if not outcome.passed and blame_failures:
                outcome.blamed, outcome.diagnosed = blame(rec, outcome.loaded, as_of=outcome.as_of), True
            outcomes.append(outcome)
    return outcomes


def coverage(directory: str | Path | None = None) -> list[CoverageReport]:
    """One report per catalog: need items without products, unreachable products, rules no scenario fires."""
    return [_coverage(rec.knowledge, [o.fired for o in runs])
            for rec, runs in run_all(directory or default_knowledge_dir()).values()]


@dataclass(frozen=True)
class KnowledgeDiff:
    """One catalog's changes between two knowledge versions, and the customers whose recommendation moved."""

    catalog: str
    entities: list[EntityChanges]
    customers: list[CustomerChange]
    checked: int

    @property
    def changed(self) -> bool:
        return bool(self.entities or self.customers)

    def text(self) -> str:
        return render(self.entities, self.customers, self.checked)


def diff(old: str | Path, new: str | Path, profiles: str | Path | None = None,
         catalog: str | None = None, *, as_of: date | None = None) -> list[KnowledgeDiff]:
    """Compare ``old`` with ``new``, every catalog of either (or only ``catalog``).

    The customers run on both are ``profiles`` (a YAML list or a directory of profile files), else the
    scenarios of ``new`` written for that catalog, both as of one day (``as_of``, default today: a staged
    catalog shows what it moves from its first day). A catalog only one side has shows as added or removed.
    """
    old, new, day = Path(old), Path(new), checked_day(as_of)
    names: list[str | None] = [catalog] if catalog else [
        *sorted(set(available_catalogs(old)) | set(available_catalogs(new)))] or [None]
    out = []
    for name in names:
        sides = [name in available_catalogs(d) or name is None for d in (old, new)]
        if not all(sides):
            change = EntityChanges("catalog", added=[] if sides[0] else [str(name)],
                                   removed=[] if sides[1] else [str(name)])
            out.append(KnowledgeDiff(catalog=str(name), entities=[change], customers=[], checked=0))
            continue
        a, b = Recommender.from_path(old, name), Recommender.from_path(new, name)
        entities = knowledge_diff(a.knowledge, b.knowledge)
        products = {eid for ch in entities if ch.kind == "product" for eid in ch.added + ch.removed + list(ch.changed)}
        customers = list(_profiles(profiles, new, b.knowledge))
        out.append(KnowledgeDiff(catalog=b.knowledge.catalog.id, entities=entities,
                                 customers=recommendation_diff(a, b, customers, products, day), checked=len(customers)))
    return out


def _profiles(source: str | Path | None, knowledge: Path, kb: KnowledgeBase) -> Iterator[tuple[str, dict[str, Any]]]:
    if source is None:
        for loaded in load_scenarios(knowledge):
            # a scenario without a catalog runs on the framework's default one, never on every catalog
            if (loaded.scenario.catalog or kb.framework.default_catalog) == kb.catalog.id:
                yield loaded.scenario.id, dict(loaded.scenario.profile)
        return
    source = Path(source)
    files = sorted(source.glob("*.yaml")) if source.is_dir() else [source]
    for path in files:
        data = read_yaml(path).data
        for i, entry in enumerate(data if isinstance(data, list) else [data]):
            if isinstance(entry, dict):
                yield str(entry.get("id") or entry.get("name") or f"{path.name}[{i}]"), entry
