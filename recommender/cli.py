"""The ``recommender`` command.

Exit codes: 0 success, 1 a problem with the user's input (printed as located
issues, never a traceback), 2 a usage error (click's convention), 3 an internal
error: a bug, printed as one line (``--debug`` shows the traceback).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .coverage import coverage
from .diff import knowledge_diff, recommendation_diff, render
from .errors import EngineError, Issue, KnowledgeError, RecommenderError, did_you_mean
from .explain import explain_product
from .knowledge import KnowledgeBase, available_catalogs, load_knowledge
from .knowledge.schema import MODULE_IDS
from .profile import read_yaml
from .proposal import render_proposal
from .recommender import Recommender, default_knowledge_dir
from .render import RENDERERS
from .scenarios import blame, load_scenarios, run_all, scenario_issues
from .schemas import write_schemas

F = TypeVar("F", bound=Callable[..., Any])


INTERNAL_ERROR = 3


def _user_errors(func: F) -> F:
    """Print library errors plainly and exit 1, and bugs as one line with exit 3, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except EngineError as exc:
            _internal(exc)
        except RecommenderError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        except OSError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
            _internal(exc)

    return wrapper  # type: ignore[return-value]


def _internal(exc: Exception) -> None:
    if click.get_current_context().find_root().params.get("debug"):
        traceback.print_exception(exc)
    else:
        click.echo(f"internal error ({type(exc).__name__}): {exc}. This is a bug in recommender; "
                   "run again with --debug for the details and report them.", err=True)
    sys.exit(INTERNAL_ERROR)


def _recommender(knowledge: Path | None, catalog: str | None) -> Recommender:
    return Recommender.from_path(knowledge or default_knowledge_dir(), catalog)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="recommender")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def main(debug: bool) -> None:
    """Explained product-bundle recommendations for telecom group customers."""


_knowledge_option = click.option(
    "--knowledge", type=click.Path(file_okay=False, path_type=Path),
    help="Knowledge directory (default: the one shipped with the package).")
_catalog_option = click.option("--catalog", help="Catalog inside the knowledge directory.")


@main.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--top-k", default=3, show_default=True, type=click.IntRange(min=1), help="How many bundles.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md", "html"]), default="text",
              show_default=True, help="text: the brief; json: the whole result; md, html: the proposal "
              "(seed 003's six steps for a key account), HTML as one printable page.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True,
              help="Language of the brief or proposal.")
@click.option("--detail", is_flag=True, help="Text: the full audit trail (rules, scores, products left out) "
              "instead of the account manager's brief.")
@_knowledge_option
@_catalog_option
@_user_errors
def recommend(profile: Path, top_k: int, fmt: str, lang: str, detail: bool, knowledge: Path | None,
              catalog: str | None) -> None:
    """Recommend bundles for the customer described in PROFILE (YAML or JSON).

    The text output is the account manager's brief; --detail gives the full audit trail.
    --format md or html writes the proposal; save it with `> proposal.html` and print it from a browser.
    """
    rec = _recommender(knowledge, catalog)
    result = rec.recommend(rec.load_profile(profile), top_k=top_k)
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
    elif fmt in ("md", "html"):
        click.echo(render_proposal(result, lang, fmt), nl=False)  # type: ignore[arg-type]
    else:
        click.echo(result.rationale_text(lang=lang, detail=detail), nl=False)  # type: ignore[arg-type]


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@_catalog_option
@_user_errors
def validate(directory: Path | None, catalog: str | None) -> None:
    """Check a knowledge DIRECTORY (every catalog and scenario); list every problem with its place."""
    root = directory or default_knowledge_dir()
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
    issues += scenario_issues(root, loaded)
    unique = list(dict.fromkeys(issues))  # framework problems repeat once per catalog
    for issue in unique:
        click.echo(str(issue))
    errors = sum(i.severity == "error" for i in unique)
    summary = "; ".join(f"catalog {c}: {len(kb.products)} products, {len(kb.rules)} rules, {len(kb.offers)} offers"
                        for c, kb in loaded.items())
    click.echo(f"{root}: {summary or 'nothing loaded'}; {errors} errors, {len(unique) - errors} warnings")
    if errors:
        sys.exit(1)


@main.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@_user_errors
def test_scenarios(directory: Path | None) -> None:
    """Run the scenario files of a knowledge DIRECTORY; exit 1 if any fails."""
    groups = run_all(directory or default_knowledge_dir())
    outcomes = []
    for rec, runs in groups.values():
        for outcome in runs:
            if not outcome.passed:
                outcome.blamed, outcome.diagnosed = blame(rec, outcome.loaded), True
            outcomes.append(outcome)
    for outcome in outcomes:
        click.echo(outcome.report())
    failed = sum(not o.passed for o in outcomes)
    click.echo(f"{len(outcomes) - failed} passed, {failed} failed")
    if not outcomes:
        click.echo(f"error: no scenario files in {directory or default_knowledge_dir()}/scenarios", err=True)
    if failed or not outcomes:
        sys.exit(1)


@main.command("coverage")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@_user_errors
def coverage_report(directory: Path | None) -> None:
    """Report what the knowledge of DIRECTORY leaves unused; exit 1 if anything is."""
    reports = [coverage(rec.knowledge, [o.fired for o in runs])
               for rec, runs in run_all(directory or default_knowledge_dir()).values()]
    for report in reports:
        click.echo(report.text())
    if not all(r.complete for r in reports):
        sys.exit(1)


@main.command("schema")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@_user_errors
def schema_command(out_dir: Path) -> None:
    """Write the JSON Schema of every knowledge file kind into OUT_DIR."""
    for path in write_schemas(out_dir):
        click.echo(str(path))


@main.command("explain")
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--product", "product", required=True, help="The product id to explain.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True)
@_knowledge_option
@_catalog_option
@_user_errors
def explain_command(profile: Path, product: str, lang: str, knowledge: Path | None, catalog: str | None) -> None:
    """Why PRODUCT is or is not recommended for the customer in PROFILE."""
    rec = _recommender(knowledge, catalog)
    kb = rec.knowledge
    if product not in kb.products:
        hint = did_you_mean(product, kb.products)
        click.echo(f"error: unknown product {product!r}" + (f" ({hint})" if hint else ""), err=True)
        sys.exit(1)
    customer = rec.load_profile(profile)
    result = rec.recommend(customer)
    click.echo(explain_product(kb, customer, result, product, lang), nl=False)  # type: ignore[arg-type]


@main.command("graph")
@click.option("--module", type=click.Choice(list(MODULE_IDS)), help="Only this module's products and what they need.")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="mermaid", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@_knowledge_option
@_catalog_option
@_user_errors
def graph_command(module: str | None, fmt: str, lang: str, knowledge: Path | None, catalog: str | None) -> None:
    """Draw the product dependency graph (requires, excludes, complements, replaces)."""
    kb = _recommender(knowledge, catalog).knowledge
    click.echo(RENDERERS[fmt](kb, module, lang), nl=False)


@main.command("diff")
@click.argument("old_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("new_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--profiles", type=click.Path(exists=True, path_type=Path),
              help="A YAML file with a list of profiles, or a directory of profile files "
                   "(default: the scenarios of NEW_DIR).")
@_catalog_option
@_user_errors
def diff_command(old_dir: Path, new_dir: Path, profiles: Path | None, catalog: str | None) -> None:
    """What changed between two knowledge directories, and which recommendations it moves."""
    old, new = Recommender.from_path(old_dir, catalog), Recommender.from_path(new_dir, catalog)
    entity_changes = knowledge_diff(old.knowledge, new.knowledge)
    changed = {eid for ch in entity_changes if ch.kind == "product"
               for eid in ch.added + ch.removed + list(ch.changed)}
    customers = list(_profiles(profiles, new_dir, new.knowledge.catalog.id))
    moved = recommendation_diff(old, new, customers, changed)
    click.echo(render(entity_changes, moved, len(customers)), nl=False)


def _profiles(source: Path | None, knowledge: Path, catalog: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if source is None:
        for loaded in load_scenarios(knowledge):
            if (loaded.scenario.catalog or catalog) == catalog:
                yield loaded.scenario.id, dict(loaded.scenario.profile)
        return
    files = sorted(source.glob("*.yaml")) if source.is_dir() else [source]
    for path in files:
        data = read_yaml(path).data
        for i, entry in enumerate(data if isinstance(data, list) else [data]):
            if isinstance(entry, dict):
                yield str(entry.get("id") or entry.get("name") or f"{path.name}[{i}]"), entry

