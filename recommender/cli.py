"""The ``recommender`` command.

Exit codes: 0 success, 1 a problem with the user's input (printed as located
issues, never a traceback), 2 a usage error (click's convention), 3 an internal
error: a bug, printed as one line (``--debug`` shows the traceback).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click
from pydantic_core import PydanticCustomError

from . import authoring
from .batch_files import batch_file
from .engine import ENGINES, EngineName
from .errors import EngineError, KnowledgeError, ProfileError, RecommenderError, did_you_mean
from .explain import explain_product
from .knowledge import KnowledgeBase
from .knowledge.schema import MODULE_IDS
from .messages import LANGS
from .proposal import render_proposal
from .recommender import Recommender, default_knowledge_dir
from .render import RENDERERS
from .rows import count_rows, read_column_map
from .schemas import write_schemas
from .tmf import product_offerings, query_product_recommendation
from .validity import DATE_HINT, TODAY_ENV, parse_day

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
            # a command's --lang also sets the language of the problems it reports (zh and en; English otherwise)
            said = exc.render(kwargs.get("lang") or "en") if isinstance(exc, (KnowledgeError, ProfileError)) else None
            click.echo(said or str(exc), err=True)
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


def _recommender(knowledge: Path | None, catalog: str | None, engine: EngineName = "auto") -> Recommender:
    return Recommender.from_path(knowledge or default_knowledge_dir(), catalog, engine)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="recommender")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def main(debug: bool) -> None:
    """Explained product-bundle recommendations for telecom group customers."""


_knowledge_option = click.option(
    "--knowledge", type=click.Path(file_okay=False, path_type=Path),
    help="Knowledge directory (default: the one shipped with the package).")
_catalog_option = click.option("--catalog", help="Catalog inside the knowledge directory.")
_engine_option = click.option(
    "--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
    help="Rule engine: durable (durable-rules), compiled (in-process, same results), or auto: durable-rules "
         "where it is installed.")


class _Day(click.ParamType):  # type: ignore[type-arg]
    """A day written YYYY-MM-DD, as knowledge writes validFor."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        try:
            return parse_day(value)
        except PydanticCustomError as exc:
            self.fail(f"{exc}; {DATE_HINT}", param, ctx)


def _as_of_option(help: str) -> Callable[[F], F]:
    return click.option("--as-of", "as_of", type=_Day(), help=f"{help} Default: today in the operator's time zone "
                        f"(Asia/Shanghai, or the day the {TODAY_ENV} environment variable names).")


_recommend_as_of = _as_of_option("The day to recommend as of: only products, prices and offers in force that day "
                                 "(validFor) count.")


def _lang_option(default: str, help: str = "Language of the text.") -> Callable[[F], F]:
    # Not a fixed choice: the languages are the knowledge's (framework.yaml), checked once it is loaded.
    return click.option("--lang", default=default, show_default=True,
                        help=f"{help} One of the languages framework.yaml declares (zh, en in the shipped one).")


def _issues_lang_option() -> Callable[[F], F]:
    # The problems are the package's sentences, in its own languages whatever the knowledge declares.
    return click.option("--lang", type=click.Choice(list(LANGS)), default="en", show_default=True,
                        help="Language of the problems reported.")


def _checked_lang(lang: str, kb: KnowledgeBase) -> str:
    """``lang`` when the knowledge declares it; a usage error naming the declared ones otherwise."""
    if lang not in kb.languages:
        hint = str(did_you_mean(lang, kb.languages) or "")
        close = f" ({hint})" if hint.startswith("did you mean") else ""
        raise click.BadParameter(f"{lang!r} is not a language of this knowledge; it declares "
                                 f"{', '.join(kb.languages)}{close}", param_hint="'--lang'")
    return lang


@main.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--top-k", default=3, show_default=True, type=click.IntRange(min=1), help="How many bundles.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md", "html"]), default="text",
              show_default=True, help="text: the brief; json: the whole result; md, html: the proposal "
              "(seed 003's six steps for a key account), HTML as one printable page.")
@_lang_option("en", "Language of the brief or proposal.")
@click.option("--detail", is_flag=True, help="Text: the full audit trail (rules, scores, products left out) "
              "instead of the account manager's brief.")
@_recommend_as_of
@_knowledge_option
@_catalog_option
@_engine_option
@_user_errors
def recommend(profile: Path, top_k: int, fmt: str, lang: str, detail: bool, as_of: date | None,
              knowledge: Path | None, catalog: str | None, engine: EngineName) -> None:
    """Recommend bundles for the customer described in PROFILE (YAML or JSON).

    The text output is the account manager's brief; --detail gives the full audit trail.
    --format md or html writes the proposal; save it with `> proposal.html` and print it from a browser.
    """
    rec = _recommender(knowledge, catalog, engine)
    lang = _checked_lang(lang, rec.knowledge)
    result = rec.recommend(rec.load_profile(profile), top_k=top_k, as_of=as_of)
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
    elif fmt in ("md", "html"):
        click.echo(render_proposal(result, lang, fmt), nl=False)  # type: ignore[arg-type]
    else:
        click.echo(result.rationale_text(lang=lang, detail=detail), nl=False)


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@_catalog_option
@_as_of_option("Warn about products leaving the catalog within 30 days of this day.")
@_issues_lang_option()
@_user_errors
def validate(directory: Path | None, catalog: str | None, as_of: date | None, lang: str) -> None:
    """Check a knowledge DIRECTORY (every catalog and scenario); list every problem with its place."""
    result = authoring.validate(directory, catalog, as_of=as_of)
    for issue in result.issues:
        click.echo(issue.render(lang))
    click.echo(result.summary(lang))
    if not result.ok:
        sys.exit(1)


@main.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@_engine_option
@_as_of_option("The day scenarios without their own as_of run as of.")
@_issues_lang_option()
@_user_errors
def test_scenarios(directory: Path | None, engine: EngineName, as_of: date | None, lang: str) -> None:
    """Run the scenario files of a knowledge DIRECTORY; exit 1 if any fails."""
    outcomes = authoring.run_scenarios(directory, engine=engine, as_of=as_of)
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
    reports = authoring.coverage(directory)
    for report in reports:
        click.echo(report.text())
    if not all(r.complete for r in reports):
        sys.exit(1)


@main.command("batch")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where the recommendations go: a .jsonl (one result per line) or .parquet (one row per "
                   "customer and bundle rank) file; default: JSON Lines on standard output.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where rejected rows go, one JSON line each with every problem; default: OUTPUT with "
                   ".errors.jsonl, or standard error.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: one per core).")
@click.option("--top-k", default=3, show_default=True, type=click.IntRange(min=1), help="Bundles per customer.")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A YAML file renaming the input's columns to profile fields (客户名称: name).")
@click.option("--encoding", help="The CSV's encoding (default: detected, UTF-8 with or without BOM, or GBK).")
@_as_of_option("The day every customer of the run is recommended as of (validFor).")
@_knowledge_option
@_catalog_option
@_engine_option
@_issues_lang_option()
@_user_errors
def batch_command(source: Path, output: Path | None, errors_path: Path | None, jobs: int | None, top_k: int,
                  map_path: Path | None, encoding: str | None, as_of: date | None, knowledge: Path | None,
                  catalog: str | None, engine: EngineName, lang: str) -> None:
    """Recommend for every customer of SOURCE (.csv, .jsonl or .parquet); exit 1 if any row was rejected.

    CSV: an empty cell means absent, lists are ';'-separated, key_persons is JSON. A rejected row's
    problems carry their text in Chinese and English (text, hint_text); --lang is for the problems printed.
    """
    from tqdm import tqdm

    rec = _recommender(knowledge, catalog, engine)
    errors: Path | TextIO = errors_path or (output.with_suffix(".errors.jsonl") if output else sys.stderr)
    column_map = read_column_map(map_path) if map_path else None
    # a bar on a terminal only: silent when piped, with a rate and an ETA
    with tqdm(total=count_rows(source, encoding), unit="row", disable=None, file=sys.stderr) as bar:
        summary = batch_file(rec, source, output or sys.stdout, errors, jobs=jobs, top_k=top_k, encoding=encoding,
                             column_map=column_map, progress=bar.update, as_of=as_of)
    click.echo(summary.text(), err=True)
    if summary.rejected:
        sys.exit(1)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Processes computing recommendations; each request goes to the next free one.")
@click.option("--max-body", default=1_000_000, show_default=True, type=click.IntRange(min=1), help="Bytes.")
@click.option("--max-batch", default=100, show_default=True, type=click.IntRange(min=1), help="Profiles.")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds per request.")
@click.option("--admin-token-env", help="The environment variable holding the token that turns on "
                                        "POST /admin/reload (never the token itself on the command line).")
@_knowledge_option
@_catalog_option
@_engine_option
@_user_errors
def serve_command(host: str, port: int, workers: int, max_body: int, max_batch: int, timeout: float,
                  admin_token_env: str | None, knowledge: Path | None, catalog: str | None,
                  engine: EngineName) -> None:
    """Serve recommendations over HTTP (needs the extra [server]); OpenAPI at /docs."""
    import json
    import os

    import uvicorn

    token = os.environ.get(admin_token_env) if admin_token_env else None
    if admin_token_env and not token:
        raise click.UsageError(f"the environment variable {admin_token_env} is empty or not set")
    settings = {"max_body": max_body, "max_batch": max_batch, "timeout": timeout, "admin_token": token,
                "workers": workers}
    # the app is built from the environment in uvicorn's process; it starts its own workers (recommender.computing)
    os.environ["RECOMMENDER_SERVER_SETTINGS"] = json.dumps(settings)
    os.environ["RECOMMENDER_KNOWLEDGE"] = str(knowledge or "")
    os.environ["RECOMMENDER_CATALOG"] = catalog or ""
    os.environ["RECOMMENDER_ENGINE"] = engine
    uvicorn.run("recommender.server:create_app_from_env", factory=True, host=host, port=port, log_level="warning")


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["tmf620", "tmf680"]), required=True,
              help="tmf620: the catalog as ProductOffering JSON; tmf680: a recommendation as "
                   "QueryProductRecommendation JSON (needs --profile).")
@click.option("--profile", type=click.Path(dir_okay=False, path_type=Path), help="The customer, for tmf680.")
@click.option("--top-k", default=3, show_default=True, type=click.IntRange(min=1))
@click.option("--as-of", "as_of", type=_Day(), help=(
    "tmf620: only the products in force that day, with that day's prices (default: the whole catalog, every "
    "price with its validFor). tmf680: the day to recommend as of (default: today in the operator's time zone)."))
@_knowledge_option
@_catalog_option
@_user_errors
def export_command(fmt: str, profile: Path | None, top_k: int, as_of: date | None, knowledge: Path | None,
                   catalog: str | None) -> None:
    """Write TM Forum JSON: the catalog (TMF620) or a customer's recommendation (TMF680)."""
    import json

    rec = _recommender(knowledge, catalog)
    if fmt == "tmf620":
        data: Any = product_offerings(rec.knowledge, as_of)
    elif profile is None:
        raise click.UsageError("--format tmf680 needs --profile")
    else:
        data = query_product_recommendation(rec.recommend(rec.load_profile(profile), top_k=top_k, as_of=as_of))
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


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
@_lang_option("en")
@_recommend_as_of
@_knowledge_option
@_catalog_option
@_user_errors
def explain_command(profile: Path, product: str, lang: str, as_of: date | None, knowledge: Path | None,
                    catalog: str | None) -> None:
    """Why PRODUCT is or is not recommended for the customer in PROFILE."""
    rec = _recommender(knowledge, catalog)
    kb = rec.knowledge
    lang = _checked_lang(lang, kb)
    if product not in kb.products:
        hint = did_you_mean(product, kb.products)
        click.echo(f"error: unknown product {product!r}" + (f" ({hint})" if hint else ""), err=True)
        sys.exit(1)
    customer = rec.load_profile(profile)
    result = rec.recommend(customer, as_of=as_of)
    assert result.as_of is not None
    click.echo(explain_product(kb.on(result.as_of), customer, result, product, lang), nl=False)


@main.command("graph")
@click.option("--module", type=click.Choice(list(MODULE_IDS)), help="Only this module's products and what they need.")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="mermaid", show_default=True)
@_lang_option("zh")
@_knowledge_option
@_catalog_option
@_user_errors
def graph_command(module: str | None, fmt: str, lang: str, knowledge: Path | None, catalog: str | None) -> None:
    """Draw the product dependency graph (requires, excludes, complements, replaces)."""
    kb = _recommender(knowledge, catalog).knowledge
    click.echo(RENDERERS[fmt](kb, module, _checked_lang(lang, kb)), nl=False)


@main.command("diff")
@click.argument("old_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("new_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--profiles", type=click.Path(exists=True, path_type=Path),
              help="A YAML file with a list of profiles, or a directory of profile files "
                   "(default: the scenarios of NEW_DIR written for each catalog).")
@click.option("--catalog", help="Only this catalog (default: every catalog of either directory).")
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything changed, as `git diff --exit-code` does.")
@_as_of_option("The day both versions recommend as of: a staged catalog's first day shows what it moves.")
@_user_errors
def diff_command(old_dir: Path, new_dir: Path, profiles: Path | None, catalog: str | None, exit_code: bool,
                 as_of: date | None) -> None:
    """What changed between two knowledge directories, and which recommendations it moves."""
    diffs = authoring.diff(old_dir, new_dir, profiles, catalog, as_of=as_of)
    for d in diffs:
        if len(diffs) > 1:
            click.echo(f"Catalog {d.catalog}:")
        click.echo(d.text(), nl=False)
    if exit_code and any(d.changed for d in diffs):
        sys.exit(1)
