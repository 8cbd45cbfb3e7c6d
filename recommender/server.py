"""An HTTP service a CRM calls: FastAPI on uvicorn (``pip install recommender[server]``).

``create_app(knowledge_dir)`` serves every catalog of a knowledge directory:

* ``POST /recommendations`` (a profile in, a result out; ``?catalog=sme&topK=3``) and
  ``POST /recommendations:batch`` (``{"profiles": [...]}``, at most ``max_batch``);
* ``GET /catalogs``, ``GET /catalogs/{id}/productOfferings`` (TMF620 ProductOffering JSON);
* ``POST /validate`` (``{"knowledge": NAME}``: a directory the server was started with,
  by name, never a path from the request);
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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from . import authoring
from .errors import Issue, KnowledgeError, ProfileError
from .knowledge import available_catalogs
from .profile import CustomerProfile, Source
from .recommender import Recommender, default_knowledge_dir
from .result import Recommendation
from .tmf import product_offerings
from .try_page import add_try_page

__all__ = ["ServerSettings", "create_app", "create_app_from_env"]


class ServerSettings(BaseModel):
    """Limits and switches of the service."""

    max_body: int = Field(default=1_000_000, ge=1, description="Largest request body, in bytes (413 beyond).")
    max_batch: int = Field(default=100, ge=1, description="Most profiles in one batch request.")
    timeout: float = Field(default=10.0, gt=0, description="Seconds a request may take (504 beyond).")
    admin_token: str | None = Field(default=None, description="Turns on POST /admin/reload, with this bearer token.")


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
    issues: list[Issue]


class ValidateRequest(BaseModel):
    knowledge: str = Field(description="The name of a knowledge directory the server was started with.")


class CatalogInfo(BaseModel):
    id: str
    name: dict[str, str]
    products: int
    rules: int
    knowledge: str = Field(description="The fingerprint of the knowledge serving it.")


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


def create_app(knowledge: str | Path | None = None, catalog: str | None = None, *,
               settings: ServerSettings | None = None,
               directories: Mapping[str, str | Path] | None = None) -> FastAPI:
    """The service for every catalog of ``knowledge`` (default: the shipped knowledge).

    ``catalog`` serves requests that name none (default: the framework's default catalog).
    ``directories`` names the knowledge directories ``POST /validate`` may check (default:
    ``{"default": knowledge}``).
    """
    root = Path(knowledge or default_knowledge_dir())
    limits = settings or ServerSettings()
    named = {name: Path(path) for name, path in (directories or {"default": root}).items()}
    # replaced whole by a reload, so a request sees the old catalogs or the new ones, never a mix
    serving: list[dict[str, Recommender]] = [{}]

    def load() -> dict[str, Recommender]:
        names: list[str | None] = [*available_catalogs(root)] or [None]
        loaded = {}
        for name in names:
            rec = Recommender.from_path(root, name)
            loaded[rec.knowledge.catalog.id] = rec
        return loaded

    serving[0] = load()
    app = FastAPI(title="recommender", description=(__doc__ or "").split("\n\n")[0],
                  responses={503: _ERRORS[503]})

    @app.exception_handler(_HTTPProblem)
    async def _problem(_: Request, exc: _HTTPProblem) -> JSONResponse:
        return JSONResponse(exc.problem.model_dump(mode="json", exclude_none=True), status_code=exc.status)

    def recommender_for(wanted: str | None) -> Recommender:
        state = serving[0]
        if not state:
            raise _HTTPProblem(503, "no knowledge is loaded")
        name = wanted or catalog or next(iter(state.values())).knowledge.framework.default_catalog
        rec = state.get(name)
        if rec is None:
            raise _HTTPProblem(404, f"unknown catalog {name!r}; known: {', '.join(sorted(state))}")
        return rec

    async def body(request: Request) -> Any:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limits.max_body:
            raise _HTTPProblem(413, f"the body is larger than {limits.max_body:,} bytes")
        data = bytearray()
        async for part in request.stream():
            data += part
            if len(data) > limits.max_body:
                raise _HTTPProblem(413, f"the body is larger than {limits.max_body:,} bytes")
        try:
            return json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise _HTTPProblem(400, f"the body is not valid JSON: {exc}") from None

    async def timed(func: Any, *args: Any) -> Any:
        try:
            return await asyncio.wait_for(run_in_threadpool(func, *args), limits.timeout)
        except TimeoutError:
            raise _HTTPProblem(504, f"the request took longer than {limits.timeout:g} s") from None

    def recommend_one(rec: Recommender, data: Any, top_k: int) -> Recommendation:
        try:
            return rec.recommend(rec.parse_profile(data, source=Source(file="request")), top_k=top_k)
        except ProfileError as exc:
            raise _HTTPProblem(422, "the profile is invalid", exc.issues) from None

    profile_body = {"requestBody": {"required": True, "content": {
        "application/json": {"schema": CustomerProfile.model_json_schema()}}}}

    @app.post("/recommendations", response_model=Recommendation, openapi_extra=profile_body,
              responses={k: _ERRORS[k] for k in (413, 422, 504)})
    async def recommendations(request: Request, catalog: str | None = None, topK: int = 3) -> Any:  # noqa: N803
        """The ranked, explained bundles for one customer profile (the JSON body)."""
        if not 1 <= topK <= 20:
            raise _HTTPProblem(422, "topK must be between 1 and 20")
        rec = recommender_for(catalog)
        result: Recommendation = await timed(recommend_one, rec, await body(request), topK)
        return Response(result.model_dump_json(), media_type="application/json")

    batch_body = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["profiles"], "properties": {
            "profiles": {"type": "array", "items": CustomerProfile.model_json_schema(),
                         "maxItems": limits.max_batch}}}}}}}

    @app.post("/recommendations:batch", response_model=BatchResponse, openapi_extra=batch_body,
              responses={k: _ERRORS[k] for k in (413, 422, 504)})
    async def recommendations_batch(request: Request, catalog: str | None = None, topK: int = 3) -> Any:  # noqa: N803
        """Many profiles at once (at most the configured batch size); a bad one does not stop the rest."""
        rec = recommender_for(catalog)
        data = await body(request)
        profiles = data.get("profiles") if isinstance(data, dict) else None
        if not isinstance(profiles, list):
            raise _HTTPProblem(422, 'send {"profiles": [...]}')
        if len(profiles) > limits.max_batch:
            raise _HTTPProblem(413, f"at most {limits.max_batch} profiles per batch, got {len(profiles)}")

        def run() -> BatchResponse:
            entries = []
            for row, item in enumerate(profiles, start=1):
                try:
                    entries.append(BatchEntry(row=row, result=recommend_one(rec, item, topK)))
                except _HTTPProblem as exc:
                    entries.append(BatchEntry(row=row, error=exc.problem))
            return BatchResponse(results=entries)

        result: BatchResponse = await timed(run)
        return Response(result.model_dump_json(exclude_none=True), media_type="application/json")

    @app.get("/catalogs", response_model=list[CatalogInfo])
    def catalogs() -> list[CatalogInfo]:
        """The catalogs being served."""
        return [CatalogInfo(id=cid, name=dict(r.knowledge.catalog.name.root),
                            products=len(r.knowledge.products), rules=len(r.knowledge.rules),
                            knowledge=r.knowledge.fingerprint) for cid, r in sorted(serving[0].items())]

    @app.get("/catalogs/{catalog_id}/productOfferings")
    def offerings(catalog_id: str) -> list[dict[str, Any]]:
        """The catalog's products as TMF620 ProductOffering resources."""
        return product_offerings(recommender_for(catalog_id).knowledge)

    @app.post("/validate", response_model=ValidationResult)
    def validate(request: ValidateRequest) -> ValidationResult:
        """Validate a knowledge directory the server knows by name; every problem, located."""
        path = named.get(request.knowledge)
        if path is None:
            raise _HTTPProblem(404, f"unknown knowledge {request.knowledge!r}; known: {', '.join(sorted(named))}")
        result = authoring.validate(path)
        return ValidationResult(ok=result.ok, summary=result.summary(), issues=list(result.issues))

    @app.get("/health", response_model=Health)
    def health() -> Health:
        """Whether the service has knowledge to serve, and which."""
        if not serving[0]:
            raise _HTTPProblem(503, "no knowledge is loaded")
        return Health(status="ok", catalogs=catalogs())

    @app.post("/admin/reload", response_model=Health, include_in_schema=limits.admin_token is not None,
              responses={401: {"model": Problem}, 422: {"model": Problem, "description": "The new knowledge is "
                                                                                        "invalid; the old serves on."}})
    def reload(request: Request) -> Health:
        """Reload the knowledge from its directory, all catalogs at once; on error the old knowledge serves on."""
        if limits.admin_token is None:
            raise _HTTPProblem(404, "not found")
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
        if not hmac.compare_digest(sent, limits.admin_token.encode()):
            raise _HTTPProblem(401, "a valid admin token is needed")
        try:
            fresh = load()
        except KnowledgeError as exc:
            raise _HTTPProblem(422, "the new knowledge is invalid; the old one is still serving", exc.issues) from None
        serving[0] = fresh
        return health()

    add_try_page(app, recommender_for, lambda: sorted(serving[0]), limits.max_body)
    return app


def create_app_from_env() -> FastAPI:
    """The app configured by environment variables: how ``recommender serve --workers N`` starts each worker."""
    settings = ServerSettings(**json.loads(os.environ.get("RECOMMENDER_SERVER_SETTINGS", "{}")))
    return create_app(os.environ.get("RECOMMENDER_KNOWLEDGE") or None, os.environ.get("RECOMMENDER_CATALOG") or None,
                      settings=settings)
