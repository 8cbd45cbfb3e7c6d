"""An HTTP service a CRM calls: FastAPI on uvicorn (``pip install recommender[server]``).

``create_app(knowledge_dir)`` serves every catalog of a knowledge directory:

* ``POST /recommendations`` (a profile in, a result out; ``?catalog=sme&topK=3&asOf=2026-12-01``) and
  ``POST /recommendations:batch`` (``{"profiles": [...]}``, at most ``max_batch``; the same query);
  ``asOf`` is the day to recommend as of (default: today in the operator's time zone);
* ``GET /catalogs``, ``GET /catalogs/{id}/productOfferings`` (TMF620 ProductOffering JSON);
* ``POST /validate`` (``{"knowledge": NAME}``: a directory the server was started with,
  by name, never a path from the request); each problem in Chinese and English;
* ``GET /`` the page to try a customer (:mod:`recommender.try_page`);
* ``GET /health``; ``POST /admin/reload`` (only with an admin token, compared in constant
  time; atomic, and a failed reload keeps the old knowledge serving).

Bodies are read with a size limit (413), parsed by the library (a bad profile is a 422
listing every problem, located), and each request has a time limit (504). The OpenAPI
document comes from the pydantic models.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
from collections.abc import AsyncIterator, Mapping
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from pydantic_core import PydanticCustomError

from . import authoring
from .computing import Computed, Computing
from .engine import ENGINES, EngineName
from .errors import DATE_SAID, Issue, KnowledgeError, said_of
from .knowledge import available_catalogs
from .knowledge.schema import Day
from .messages import LANGS
from .profile import CustomerProfile
from .recommender import Recommender, default_knowledge_dir
from .result import Recommendation
from .tmf import product_offerings
from .try_page import add_try_page
from .validity import checked_day, parse_day

__all__ = ["ServerSettings", "create_app", "create_app_from_env"]


class ServerSettings(BaseModel):
    """Limits and switches of the service."""

    max_body: int = Field(default=1_000_000, ge=1, description="Largest request body, in bytes (413 beyond).")
    max_batch: int = Field(default=100, ge=1, description="Most profiles in one batch request.")
    timeout: float = Field(default=10.0, gt=0, description="Seconds a request may take (504 beyond).")
    admin_token: str | None = Field(default=None, description="Turns on POST /admin/reload, with this bearer token.")
    workers: int = Field(default=1, ge=1, description=(
        "Processes computing recommendations, each request going to the next free one (1: a thread of the "
        "service's own process)."))


class Problem(BaseModel):
    """An error response: what went wrong and, for bad input, every problem with its place."""

    detail: str
    issues: list[Issue] = Field(default_factory=list)


class BatchEntry(BaseModel):
    row: int
    result: Recommendation | None = None
    error: Problem | None = None


class BatchResponse(BaseModel):
    results: list[BatchEntry]


class ValidationResult(BaseModel):
    ok: bool
    summary: str
    summary_text: dict[str, str] = Field(description="The summary by language (zh, en).")
    issues: list[Issue] = Field(description="Every problem: message and hint in English, text and hint_text by "
                                            "language (zh, en).")


class ValidateRequest(BaseModel):
    knowledge: str = Field(description="The name of a knowledge directory the server was started with.")
    asOf: Day | None = Field(default=None, description=(  # noqa: N815 - TMF's spelling
        "Warn about products leaving the catalog within 30 days of this day (YYYY-MM-DD; default: today)."))


class CatalogInfo(BaseModel):
    id: str
    name: dict[str, str]
    products: int
    rules: int
    knowledge: str = Field(description="The fingerprint of the knowledge serving it.")
    engine: str = Field(description="The rule engine evaluating its rules: durable or compiled.")


class Health(BaseModel):
    status: str
    catalogs: list[CatalogInfo]


class _HTTPProblem(Exception):
    def __init__(self, status: int, detail: str, issues: tuple[Issue, ...] | list[Issue] = ()):
        self.status, self.problem = status, Problem(detail=detail, issues=list(issues))


_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "The body is larger than the limit."},
    422: {"model": Problem, "description": "The profile or request is invalid: every problem, located."},
    503: {"model": Problem, "description": "No knowledge is loaded."},
    504: {"model": Problem, "description": "The request took longer than the limit."},
}


class _Service:
    """What the routes share: the knowledge being served, the limits, and the request plumbing."""

    def __init__(self, root: Path, catalog: str | None, limits: ServerSettings, named: dict[str, Path],
                 engine: EngineName):
        self.root, self.catalog, self.limits, self.named, self.engine = root, catalog, limits, named, engine
        # the catalogs served and their workers, replaced whole by a reload: a request sees the old
        # catalogs or the new ones, never a mix
        self.computing = Computing(self.load(), limits.workers)

    @property
    def serving(self) -> dict[str, Recommender]:
        return self.computing.serving

    def load(self) -> dict[str, Recommender]:
        """Every catalog of the knowledge directory; KnowledgeError if any of them is invalid."""
        names: list[str | None] = [*available_catalogs(self.root)] or [None]
        recs = (Recommender.from_path(self.root, name, self.engine) for name in names)
        return {rec.knowledge.catalog.id: rec for rec in recs}

    def recommender_for(self, wanted: str | None) -> Recommender:
        return self._recommender(self.serving, wanted)

    def _recommender(self, state: dict[str, Recommender], wanted: str | None) -> Recommender:
        if not state:
            raise _HTTPProblem(503, "no knowledge is loaded")
        name = wanted or self.catalog or next(iter(state.values())).knowledge.framework.default_catalog
        rec = state.get(name)
        if rec is None:
            raise _HTTPProblem(404, f"unknown catalog {name!r}; known: {', '.join(sorted(state))}")
        return rec

    def catalogs(self) -> list[CatalogInfo]:
        return [CatalogInfo(id=cid, name=dict(r.knowledge.catalog.name.root),
                            products=len(r.knowledge.products), rules=len(r.knowledge.rules),
                            knowledge=r.knowledge.fingerprint, engine=r.engine)
                for cid, r in sorted(self.serving.items())]

    def health(self) -> Health:
        if not self.serving:
            raise _HTTPProblem(503, "no knowledge is loaded")
        return Health(status="ok", catalogs=self.catalogs())

    async def body(self, request: Request) -> Any:
        """The request's JSON, read no further than the size limit."""
        limit = self.limits.max_body
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _HTTPProblem(413, f"the body is larger than {limit:,} bytes")
        data = bytearray()
        async for part in request.stream():
            data += part
            if len(data) > limit:
                raise _HTTPProblem(413, f"the body is larger than {limit:,} bytes")
        try:
            return json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise _HTTPProblem(400, f"the body is not valid JSON: {exc}") from None

    async def recommended(self, catalog: str | None, profiles: list[Any], top_k: int, day: date) -> list[Computed]:
        """Each profile's result JSON or problems, computed by the next free worker, within the time limit
        (waiting counts; work not yet started when the time is up is dropped, so an overloaded service
        sheds load)."""
        computing = self.computing
        catalog_id = self._recommender(computing.serving, catalog).knowledge.catalog.id
        jobs = [asyncio.wrap_future(computing.submit(catalog_id, data, top_k, day)) for data in profiles]
        try:
            return list(await asyncio.wait_for(asyncio.gather(*jobs), self.limits.timeout))
        except TimeoutError:
            raise _HTTPProblem(504, f"the request took longer than {self.limits.timeout:g} s") from None
        except BrokenProcessPool:
            if computing is self.computing:  # the first request to find it broken starts a fresh pool
                computing.restart()
            raise _HTTPProblem(503, "a worker process stopped; send the request again") from None

    def reload(self, authorization: str) -> Health:
        """Load the knowledge again, all catalogs at once; on error the old knowledge serves on."""
        token = self.limits.admin_token
        if token is None:
            raise _HTTPProblem(404, "not found")
        if not hmac.compare_digest(authorization.removeprefix("Bearer ").encode(), token.encode()):
            raise _HTTPProblem(401, "a valid admin token is needed")
        try:
            fresh = self.load()
        except KnowledgeError as exc:
            raise _HTTPProblem(422, "the new knowledge is invalid; the old one is still serving", exc.issues) from None
        old, self.computing = self.computing, Computing(fresh, self.limits.workers)
        old.close()  # requests under way on the old knowledge still finish
        return self.health()


_AS_OF = Query(None, description=(
    "The day to recommend as of, YYYY-MM-DD: only the products, prices and offers in force that day (their "
    "validFor) count. Default: today in the operator's time zone (Asia/Shanghai)."), examples=["2026-12-01"])


_OFFERINGS_AS_OF = Query(None, description=(
    "A day, YYYY-MM-DD: only the products in force that day (their validFor), each with the prices in force "
    "that day. Default: the whole catalog, every price with its validFor."), examples=["2026-12-01"])


def _as_of_day(value: str | None) -> date:
    """The ``asOf`` query parameter as a day (today when absent); a located 422 when it is not one."""
    if value is None:
        return checked_day(None)
    try:
        return parse_day(value)
    except PydanticCustomError as exc:
        raise _HTTPProblem(422, "asOf is not a date", [Issue(
            code="bad-date", message=said_of(exc), hint=DATE_SAID, path="query.asOf")]) from None


def create_app(knowledge: str | Path | None = None, catalog: str | None = None, *,
               settings: ServerSettings | None = None,
               directories: Mapping[str, str | Path] | None = None, engine: EngineName = "auto") -> FastAPI:
    """The service for every catalog of ``knowledge`` (default: the shipped knowledge).

    ``catalog`` serves requests that name none (default: the framework's default catalog).
    ``directories`` names the knowledge directories ``POST /validate`` may check (default:
    ``{"default": knowledge}``). ``engine`` picks the rule engine, as for :class:`Recommender`.
    """
    root = Path(knowledge or default_knowledge_dir())
    named = {name: Path(path) for name, path in (directories or {"default": root}).items()}
    service = _Service(root, catalog, settings or ServerSettings(), named, engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.computing.stop()  # a stopped service leaves no worker process behind

    app = FastAPI(title="recommender", description=(__doc__ or "").split("\n\n")[0],
                  responses={503: _ERRORS[503]}, lifespan=lifespan)

    @app.exception_handler(_HTTPProblem)
    async def _problem(_: Request, exc: _HTTPProblem) -> JSONResponse:
        return JSONResponse(exc.problem.model_dump(mode="json", exclude_none=True), status_code=exc.status)

    _add_recommendations(app, service)
    _add_knowledge(app, service)
    add_try_page(app, service.recommender_for, lambda: sorted(service.serving), service.limits.max_body)
    return app


def _add_recommendations(app: FastAPI, service: _Service) -> None:
    profile_body = {"requestBody": {"required": True, "content": {
        "application/json": {"schema": CustomerProfile.model_json_schema()}}}}
    max_batch = service.limits.max_batch
    batch_body = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["profiles"], "properties": {
            "profiles": {"type": "array", "items": CustomerProfile.model_json_schema(), "maxItems": max_batch}}}}}}}
    errors: dict[int | str, dict[str, Any]] = {k: _ERRORS[k] for k in (413, 422, 504)}

    @app.post("/recommendations", response_model=Recommendation, openapi_extra=profile_body, responses=errors)
    async def recommendations(request: Request, catalog: str | None = None, topK: int = 3,  # noqa: N803
                              asOf: str | None = _AS_OF) -> Any:  # noqa: N803
        """The ranked, explained bundles for one customer profile (the JSON body)."""
        if not 1 <= topK <= 20:
            raise _HTTPProblem(422, "topK must be between 1 and 20")
        day = _as_of_day(asOf)
        [(result, issues)] = await service.recommended(catalog, [await service.body(request)], topK, day)
        if result is None:
            raise _HTTPProblem(422, "the profile is invalid", issues)
        return Response(result, media_type="application/json")

    @app.post("/recommendations:batch", response_model=BatchResponse, openapi_extra=batch_body, responses=errors)
    async def recommendations_batch(request: Request, catalog: str | None = None, topK: int = 3,  # noqa: N803
                                    asOf: str | None = _AS_OF) -> Any:  # noqa: N803
        """Many profiles at once (at most the configured batch size); a bad one does not stop the rest.
        All are recommended as of one day."""
        day = _as_of_day(asOf)
        data = await service.body(request)
        profiles = data.get("profiles") if isinstance(data, dict) else None
        if not isinstance(profiles, list):
            raise _HTTPProblem(422, 'send {"profiles": [...]}')
        if len(profiles) > max_batch:
            raise _HTTPProblem(413, f"at most {max_batch} profiles per batch, got {len(profiles)}")
        done = await service.recommended(catalog, profiles, topK, day)
        # the results' JSON goes out as the workers wrote it, each entry as BatchEntry would write it
        entries = (f'{{"row":{row},"result":{result}}}' if result is not None else
                   BatchEntry(row=row, error=Problem(detail="the profile is invalid", issues=list(issues)))
                   .model_dump_json(exclude_none=True)
                   for row, (result, issues) in enumerate(done, start=1))
        return Response(f'{{"results":[{",".join(entries)}]}}', media_type="application/json")


def _add_knowledge(app: FastAPI, service: _Service) -> None:
    @app.get("/catalogs", response_model=list[CatalogInfo])
    def catalogs() -> list[CatalogInfo]:
        """The catalogs being served."""
        return service.catalogs()

    @app.get("/catalogs/{catalog_id}/productOfferings")
    def offerings(catalog_id: str, asOf: str | None = _OFFERINGS_AS_OF) -> list[dict[str, Any]]:  # noqa: N803
        """The catalog's products as TMF620 ProductOffering resources: all of them with every dated price,
        or, with ``asOf``, those in force that day with that day's prices."""
        day = None if asOf is None else _as_of_day(asOf)
        return product_offerings(service.recommender_for(catalog_id).knowledge, day)

    @app.post("/validate", response_model=ValidationResult)
    def validate(request: ValidateRequest) -> ValidationResult:
        """Validate a knowledge directory the server knows by name; every problem, located."""
        path = service.named.get(request.knowledge)
        if path is None:
            known = ", ".join(sorted(service.named))
            raise _HTTPProblem(404, f"unknown knowledge {request.knowledge!r}; known: {known}")
        result = authoring.validate(path, as_of=request.asOf)
        return ValidationResult(ok=result.ok, summary=result.summary(),
                                summary_text={lang: result.summary(lang) for lang in LANGS}, issues=list(result.issues))

    @app.get("/health", response_model=Health)
    def health() -> Health:
        """Whether the service has knowledge to serve, and which."""
        return service.health()

    @app.post("/admin/reload", response_model=Health, include_in_schema=service.limits.admin_token is not None,
              responses={401: {"model": Problem}, 422: {"model": Problem, "description": "The new knowledge is "
                                                                                        "invalid; the old serves on."}})
    def reload(request: Request) -> Health:
        """Reload the knowledge from its directory, all catalogs at once; on error the old knowledge serves on."""
        return service.reload(request.headers.get("authorization", ""))


def create_app_from_env() -> FastAPI:
    """The app configured by environment variables, as ``recommender serve`` starts it in uvicorn."""
    settings = ServerSettings(**json.loads(os.environ.get("RECOMMENDER_SERVER_SETTINGS", "{}")))
    engine = os.environ.get("RECOMMENDER_ENGINE") or "auto"
    if engine not in ENGINES:
        raise ValueError(f"RECOMMENDER_ENGINE must be one of {', '.join(ENGINES)}, not {engine!r}")
    return create_app(os.environ.get("RECOMMENDER_KNOWLEDGE") or None, os.environ.get("RECOMMENDER_CATALOG") or None,
                      settings=settings, engine=cast(EngineName, engine))
