"""The HTTP edge shared by both APIs: RFC 9457 problem details and the ops endpoints.

Errors raised below a route are QuanhubError subclasses; this module alone turns them into
HTTP statuses, so no route or service module raises HTTPException. It also declares those
answers in each API's OpenAPI document: one `Problem` schema, as application/problem+json,
on every error status a route lists (`problems`), so generated clients parse them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

import orjson
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from quanhub.common.errors import QuanhubError

PROBLEM_JSON = "application/problem+json"
#: Set (to an empty directory) before worker processes start: prometheus_client then keeps
#: every process's samples in files there, and /metrics reports their sums.
MULTIPROCESS_METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"


#: Where an OpenAPI document keeps the problem schema (added by `install_problem_handlers`).
PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"


class ProblemIssue(BaseModel):
    """One reason a request does not match the API (a 422 `invalid_request` lists them)."""

    loc: list[str | int] = Field(description='Where: e.g. ["query", "limit"].')
    msg: str
    type: str


class ProblemDetails(BaseModel):
    """Every error answer of both APIs (RFC 9457), as application/problem+json.

    `code` is the machine-readable reason to branch on; a problem may carry more members
    named in its route's description (e.g. `max_events`, or a rejected batch's `rejected`).
    """

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="A URI naming the problem type (one per `code`).")
    title: str = Field(description="The problem type, in a few words.")
    status: int = Field(description="The HTTP status of this answer.")
    detail: str = Field(description="What went wrong with this request, for a person.")
    code: str = Field(description="The machine-readable reason, e.g. `unauthenticated`.")
    instance: str | None = Field(default=None, description="The request's path.")
    errors: list[ProblemIssue] | None = Field(
        default=None, description="422 `invalid_request` only: each mismatch."
    )


def problems(descriptions: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=` for its error statuses (status -> when it is answered), each
    declared as the `Problem` schema in application/problem+json."""
    return {
        status: {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
        }
        for status, description in descriptions.items()
    }


#: Statuses of every route behind `Authorization: Bearer <key>` (quanhub.common.access).
AUTH_PROBLEMS: dict[int, str] = {
    401: "Missing or invalid `Authorization: Bearer <API key>` (`unauthenticated`)",
    503: "The key registry is unavailable (`registry_unavailable`); retry after Retry-After",
}
#: 422 of every route with parameters or a body (FastAPI's own 422 is replaced by it).
INVALID_REQUEST = "A parameter or body the API refuses (`invalid_request`; `errors` says where)"


def document_metadata(port: int) -> dict[str, Any]:
    """`FastAPI(...)` arguments of both APIs' documents: the licence (pyproject's), and the
    `servers` entry a generated client starts from, the service on this host."""
    return {
        "license_info": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        "servers": [{"url": f"http://localhost:{port}", "description": "This host"}],
    }


def _declare_problems(document: dict[str, Any]) -> None:
    """Add the `Problem` schema to `document` and declare it on the error answers that
    `problem_response` sends: FastAPI's own 422 (`HTTPValidationError` as application/json,
    never sent), error statuses listed without content, and problem+json without a schema
    are rewritten. A route answering in a partner's own format declares that content, and
    a richer problem by `$ref`; both are left as they are."""
    schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(schema.pop("$defs", {}))
    schemas["Problem"] = schema
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                if status[0] not in "45":
                    continue
                content = answer.get("content", {})
                fastapi_422 = "HTTPValidationError" in str(content)
                if fastapi_422:
                    answer["description"] = INVALID_REQUEST
                untyped = PROBLEM_JSON in content and "$ref" not in str(content[PROBLEM_JSON])
                if fastapi_422 or untyped or not content:
                    answer["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def _document_with_problems(app: FastAPI) -> Callable[[], dict[str, Any]]:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:  # FastAPI builds the document once and keeps it
            _declare_problems(build())
        return build()

    return openapi


class Problem(QuanhubError):
    """An error that already knows its HTTP status (raised by route-level code only)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, code=code)
        self.status = status
        self.headers = headers or {}
        self.extra = extra or {}


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """An RFC 9457 body: type, title, status, detail, plus a machine-readable `code`."""
    body = problem_body(status, code, detail)
    if instance:
        body["instance"] = instance
    if extra:
        body.update(extra)
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def problem_body(status: int, code: str, detail: str) -> dict[str, Any]:
    """The RFC 9457 members every problem has (type, title, status, detail, code)."""
    return {
        "type": f"https://quanhub.dev/problems/{code.replace('_', '-')}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
    }


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error an RFC 9457 problem body (unexpected ones are 500 without internals)
    and the app's OpenAPI document declare them so (`_declare_problems`)."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)  # noqa: S101 - registered for Problem only
        return problem_response(
            exc.status,
            exc.code,
            exc.message,
            instance=request.url.path,
            headers=exc.headers,
            extra=exc.extra,
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem_response(
            exc.status_code,
            code,
            str(exc.detail),
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)  # noqa: S101
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return problem_response(
            422,
            "invalid_request",
            "the request does not match the API",
            instance=request.url.path,
            extra={"errors": errors},
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_middleware(_RefuseNul)
    app.openapi = _document_with_problems(app)  # type: ignore[method-assign]


class _RefuseNul:
    """400 for a path or query holding U+0000: PostgreSQL text cannot hold it, so such a
    value would otherwise fail inside a query as a 500 (pure ASGI: no cost per body)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            detail = "the path or query holds a NUL character (U+0000)"
            response = problem_response(400, "nul_character", detail, instance=scope["path"])
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


ReadinessCheck = Callable[[], Awaitable[bool]]


def scraped(registry: CollectorRegistry, *, multiprocess_mode: bool) -> CollectorRegistry:
    """What /metrics reports: this process's `registry`, or, for worker processes sharing a
    port (`multiprocess_mode`, with their directory in MULTIPROCESS_METRICS_ENV), every
    worker's samples summed."""
    if not (multiprocess_mode and os.environ.get(MULTIPROCESS_METRICS_ENV)):
        return registry
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    return combined


def ops_router(
    registry: CollectorRegistry,
    checks: dict[str, ReadinessCheck],
    *,
    multiprocess_mode: bool = False,
) -> APIRouter:
    """/healthz (process alive), /readyz (dependencies answer), /metrics (Prometheus; the
    sum over worker processes in `multiprocess_mode`, see `scraped`)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> Response:
        results: dict[str, bool] = {}
        for name, check in checks.items():
            try:
                results[name] = await check()
            except Exception:  # noqa: BLE001 - a failing check means "not ready", not a crash
                results[name] = False
        ready = all(results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": results},
            status_code=200 if ready else 503,
        )

    # Built once: a multiprocess collector reads the workers' files at each scrape.
    scrape = scraped(registry, multiprocess_mode=multiprocess_mode)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(scrape), media_type=CONTENT_TYPE_LATEST)

    return router


class _WorkerOpsServer(uvicorn.Server):
    """uvicorn without its own signal handling: the worker owns SIGTERM/SIGINT, so it can
    finish its batch and leave its group instead of uvicorn re-raising the signal."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def ops_server(app: FastAPI, host: str, port: int) -> uvicorn.Server:
    """A worker's ops HTTP server (/healthz, /readyz, /metrics), to run beside its loop."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="off",
    )
    return _WorkerOpsServer(config)
