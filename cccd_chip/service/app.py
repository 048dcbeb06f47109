"""The HTTP API of ``cccd serve`` (FastAPI on Starlette; docs/service.md "API").

Every answer is JSON; every error is RFC 9457 problem+json (:mod:`.problems`).
Order of the gates for a request: authentication (``Authorization: Bearer``,
401/403) -> rate limit (429 + ``Retry-After``) -> body size (413) and read
timeout (408) -> JSON depth / syntax (400) -> dump format (422). Database work
runs in threads, verification in the worker processes (:mod:`.verifier`); the event
loop only moves bytes.

``POST /v1/verifications``, the one route under load, is a plain ASGI endpoint
(:class:`VerificationsEndpoint`) that :class:`Front` calls before FastAPI's
middleware, routing, dependency injection and validation: the same gates in the same
order, written out. Its OpenAPI operation is declared with FastAPI like every other
route (:func:`_document_post_verifications`), so ``/openapi.json`` describes it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import itertools
import json
import logging
import math
import secrets
import time
from urllib.parse import parse_qsl
from dataclasses import dataclass, field
from typing import Any, Literal, Optional

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..errors import CccdError, DatabaseError
from .config import ServiceConfig
from .db import ping
from .keys import allows, bearer_token
from .metrics import Metrics
from .privacy import DumpSealer
from .problems import PROBLEM_JSON, Problem
from .ratelimit import RateLimiter
from .repository import ApiKey, NewVerification, Repository, VerificationRecord
from .trust import earliest_next_update, summary, with_material
from .verifier import NoWorkerError, TrustState, Verifier, WorkerLostError
from .writer import FLUSH_BUCKETS, RecordWriter

log = logging.getLogger("cccd.service")

KEY_CACHE_SECONDS = 2.0  # a revoked key is refused at the latest this long after `cccd keys revoke`
VERDICTS = ("successful", "failed", "undetermined", "not_supported", "aborted")
ID_PATTERN = r"^[0-9a-f]{32}$"


@dataclass
class Service:
    """Everything a request needs; one per process."""

    config: ServiceConfig
    repo: Repository
    verifier: Verifier
    roots: list[bytes] = field(default_factory=list)  # --masterlist-root certificates (DER)
    metrics: Metrics = field(default_factory=Metrics)
    limiter: RateLimiter = field(init=False)
    sealer: Optional[DumpSealer] = None
    swap_lock: Optional[asyncio.Lock] = None
    key_cache: "KeyCache" = field(default_factory=lambda: KeyCache(KEY_CACHE_SECONDS))
    writer: RecordWriter = field(init=False)

    def __post_init__(self) -> None:
        lim = self.config.limits
        self.limiter = RateLimiter(lim.rate, lim.burst)
        self.writer = RecordWriter(self.repo)
        if self.config.store_dumps and self.config.dump_key is not None:
            self.sealer = DumpSealer(self.config.dump_key)


class KeyCache:
    """Keys that authenticated in the last ``ttl`` seconds, by the SHA-256 of the presented key.

    Saves a database round trip per request; bounded (cleared when full). The
    cache holds digests, never a key.
    """

    MAX = 10_000

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, ApiKey]] = {}

    def get(self, token: str) -> Optional[ApiKey]:
        hit = self._items.get(hashlib.sha256(token.encode()).hexdigest())
        if hit is None or time.monotonic() - hit[0] > self.ttl:
            return None
        return hit[1]

    def put(self, token: str, key: ApiKey) -> None:
        if len(self._items) >= self.MAX:
            self._items.clear()
        self._items[hashlib.sha256(token.encode()).hexdigest()] = (time.monotonic(), key)


# --- OpenAPI models (the answers; the request body is described in openapi_extra) --------------

class Check(BaseModel):
    model_config = ConfigDict(extra="allow")
    check: str
    verdict: Literal["successful", "failed", "undetermined", "not_supported", "aborted"]
    reason: str
    subject: Optional[str] = None
    detail: Optional[str] = None


class VerifyReport(BaseModel):
    """Exactly what ``cccd verify --json`` prints for the dump (schema cccd-verify/1)."""

    model_config = ConfigDict(extra="allow")
    schema_: Literal["cccd-verify/1"] = Field(alias="schema")
    dump: str
    overall: Literal["successful", "failed", "undetermined", "not_supported", "aborted"]
    trust_store_version: Optional[str] = None
    verified_at: Optional[str] = None
    checks: list[Check]


class Verification(BaseModel):
    id: str
    created_at: str
    dump_sha256: str
    trust_version: str
    verdict: str
    report: VerifyReport


class VerificationSummary(BaseModel):
    id: str
    created_at: str
    verdict: str
    dump_sha256: str
    trust_version: str


class VerificationPage(BaseModel):
    items: list[VerificationSummary]
    next: Optional[str] = None


class CrlInfo(BaseModel):
    issuer: str
    country: Optional[str] = None
    this_update: Optional[str] = None
    next_update: Optional[str] = None


class TrustInfo(BaseModel):
    version: str
    loaded_at: str
    swaps: int
    cscas: int
    cscas_by_country: dict[str, int]
    crls: list[CrlInfo]


class TrustChange(BaseModel):
    trust_version: str
    previous_version: str
    changed: bool


class Health(BaseModel):
    status: str
    trust_version: Optional[str] = None


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str


async def authenticate_header(svc: Service, header: Optional[str]) -> ApiKey:
    """The API key of an ``Authorization`` header (401 without one), within its rate limit (429)."""
    token = bearer_token(header)
    key = None
    if token:
        key = svc.key_cache.get(token)
        if key is None:
            key = await run_in_threadpool(svc.repo.authenticate, token)
            if key is not None:
                svc.key_cache.put(token, key)
    if key is None:
        raise Problem(401, "unauthorized", "send 'Authorization: Bearer <key>' with a key from 'cccd keys create'",
                      {"WWW-Authenticate": 'Bearer realm="cccd"'})
    wait = svc.limiter.take(key.key_id)
    if wait > 0:
        raise Problem(429, "rate-limited", f"at most {svc.limiter.rate:g} requests/s per key",
                      {"Retry-After": str(max(1, math.ceil(wait)))})
    return key


def _problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    words = {400: "Malformed JSON or JSON nested too deep", 401: "Missing or unknown API key",
             403: "API key lacks the scope", 404: "No such record", 408: "Body not received in time",
             413: "Body too large", 422: "Invalid dump or parameter",
             429: "Rate limit of this API key (see Retry-After)", 500: "Internal error",
             503: "Unavailable or verification timed out (see Retry-After)"}
    return {c: {"description": words[c], "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}}
            for c in codes}


AUTH_ERRORS = (401, 403, 422, 429, 500, 503)
BODY_ERRORS = (400, 408, 413)

DUMP_SCHEMA = {
    "type": "object",
    "description": "A single-file cccd-dump v1, as `cccd read --out x.json` writes it (docs/dump-format.md).",
    "required": ["format", "version", "files"],
    "properties": {
        "format": {"type": "string", "enum": ["cccd-dump"]},
        "version": {"type": "integer", "enum": [1]},
        "tool": {"type": "string"},
        "read_at": {"type": ["string", "null"]},
        "source": {"type": ["string", "null"]},
        "access": {"type": ["object", "null"]},
        "evidence": {"type": "object"},
        "absent": {"type": "object", "additionalProperties": {"type": "string"}},
        "files": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^([0-9A-Fa-f]{2})*$"}},
    },
}
BINARY_BODY = {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    "application/pkix-crl": {"schema": {"type": "string", "format": "binary"}}}}


def create_app(svc: Service) -> "Front":
    """The ASGI application (``uvicorn`` runs it): :class:`Front` over the FastAPI application."""
    app = FastAPI(title="cccd serve", version=__version__, docs_url=None, redoc_url=None,
                  description="Verification of cccd-dump documents (ICAO 9303 eMRTD, Vietnamese CCCD) "
                              "for eKYC back-ends. See docs/service.md.")
    app.state.svc = svc
    lim = svc.config.limits

    # --- errors as problem+json ---------------------------------------------------------
    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> Response:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        errs = exc.errors()
        loc = ".".join(str(x) for x in errs[0].get("loc", ())) if errs else "request"
        return problem_response(Problem(422, "invalid-parameter", f"invalid value for {loc}"[:200]))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        slug = {404: "not-found", 405: "invalid-parameter"}.get(exc.status_code, "invalid-parameter")
        return problem_response(Problem(exc.status_code, slug, str(exc.detail)[:200]))

    @app.exception_handler(DatabaseError)
    async def _db(_request: Request, exc: DatabaseError) -> Response:
        log.error("database error", extra={"fields": {"reason": exc.reason}})
        return problem_response(Problem(503, "unavailable", "database unavailable", {"Retry-After": "5"}))

    # --- gates ----------------------------------------------------------------------------
    async def authenticate(request: Request) -> ApiKey:
        key = await authenticate_header(svc, request.headers.get("authorization"))
        request.state.client = key.key_id
        return key

    async def verify_scope(request: Request) -> ApiKey:
        return await authenticate(request)

    async def admin_scope(request: Request) -> ApiKey:
        key = await authenticate(request)
        if not allows(key.scope, "admin"):
            raise Problem(403, "forbidden", "this endpoint needs a key of scope admin")
        return key

    # --- verifications ----------------------------------------------------------------------
    # POST /v1/verifications is answered by VerificationsEndpoint (see Front); this router only
    # declares it, so that the OpenAPI document describes it like the other routes
    documented = APIRouter()
    documented.add_api_route(
        "/v1/verifications", _document_post_verifications, methods=["POST"], status_code=201, response_model=None,
        tags=["verifications"], summary="Verify a dump and record the result",
        responses={201: {"model": Verification, "description": "Verified; a new record"},
                   200: {"model": Verification, "description": "Same dump and trust version: the existing record"},
                   **_problem_responses(*BODY_ERRORS, *AUTH_ERRORS)},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": DUMP_SCHEMA}}}})

    @app.get("/v1/verifications/{record_id}", response_model=None, tags=["verifications"],
             summary="One verification record",
             responses={200: {"model": Verification, "description": "The record"}, **_problem_responses(404, *AUTH_ERRORS)})
    async def get_verification(request: Request, key: ApiKey = Depends(verify_scope),
                               record_id: str = PathParam(..., max_length=64)) -> Response:
        import re

        if not re.match(ID_PATTERN, record_id):
            raise Problem(404, "not-found", "no such record")
        client = None if key.scope == "admin" else key.key_id
        rec = await run_in_threadpool(svc.repo.get_verification, record_id, client=client)
        if rec is None:
            raise Problem(404, "not-found", "no such record")
        return record_response(rec, 200)

    @app.get("/v1/verifications", response_model=VerificationPage, tags=["verifications"],
             summary="Records, oldest first, one page at a time",
             responses=_problem_responses(*AUTH_ERRORS))
    async def list_verifications(key: ApiKey = Depends(verify_scope),
                                 since: Optional[str] = Query(None, max_length=40, description="ISO 8601 time; records created at or after it"),
                                 verdict: Optional[Literal["successful", "failed", "undetermined", "not_supported", "aborted"]] = Query(None),
                                 cursor: Optional[str] = Query(None, max_length=20, pattern=r"^[0-9]{1,19}$",
                                                               description="The `next` value of the previous page"),
                                 limit: int = Query(50, ge=1, le=lim.page_max)) -> Any:
        since_t = parse_at(since, name="since")
        after = int(cursor) if cursor is not None else None
        client = None if key.scope == "admin" else key.key_id
        recs, nxt = await run_in_threadpool(lambda: svc.repo.list_verifications(
            client=client, since=since_t, verdict=verdict, after=after, limit=limit))
        return {"items": [r.summary() for r in recs], "next": str(nxt) if nxt is not None else None}

    # --- trust ----------------------------------------------------------------------------------
    @app.get("/v1/trust", response_model=TrustInfo, tags=["trust"], summary="The trust store in use",
             responses=_problem_responses(*AUTH_ERRORS))
    async def get_trust(key: ApiKey = Depends(verify_scope)) -> Any:
        state = svc.verifier.current
        return {"version": state.version, "loaded_at": state.loaded_at.isoformat(timespec="seconds"),
                "swaps": svc.verifier.swaps, **summary(state.store)}

    async def add_material(request: Request, key: ApiKey, kind: str) -> Response:
        deadline = time.monotonic() + lim.timeout
        raw = await read_body(request, lim.max_body, deadline)
        if not raw:
            raise Problem(400, "trust-material-rejected", f"empty body: send the {kind} (DER or PEM)")
        async with _swap_lock():
            current = svc.verifier.current
            try:
                new_store = await run_in_threadpool(with_material, current.store, kind, raw, svc.roots)
            except CccdError as e:
                raise Problem(422, "trust-material-rejected", e.message[:300]) from None
            if new_store.version == current.version:
                return json_response({"trust_version": current.version, "previous_version": current.version,
                                      "changed": False}, 200)
            await run_in_threadpool(svc.repo.add_trust_material, kind, raw, key.key_id)
            new_state = await run_in_threadpool(svc.verifier.prepare, new_store)
            svc.verifier.install(new_state)
        log.info("trust store swapped", extra={"fields": {"kind": kind, "trust_version": new_state.version,
                                                          "client": key.key_id}})
        return json_response({"trust_version": new_state.version, "previous_version": current.version,
                              "changed": True}, 201)

    trust_doc = {"requestBody": BINARY_BODY}
    trust_responses = {201: {"model": TrustChange, "description": "Verified and installed"},
                       200: {"model": TrustChange, "description": "Nothing new: the store already had it"},
                       **_problem_responses(400, 408, 413, *AUTH_ERRORS)}

    @app.post("/v1/trust/crls", status_code=201, response_model=None, tags=["trust"], openapi_extra=trust_doc,
              summary="Add a CRL (admin): its signature is checked, the store swaps atomically",
              responses=trust_responses)
    async def post_crl(request: Request, key: ApiKey = Depends(admin_scope)) -> Response:
        return await add_material(request, key, "crl")

    @app.post("/v1/trust/masterlists", status_code=201, response_model=None, tags=["trust"], openapi_extra=trust_doc,
              summary="Add a CSCA master list (admin): its signature is checked, the store swaps atomically",
              responses=trust_responses)
    async def post_masterlist(request: Request, key: ApiKey = Depends(admin_scope)) -> Response:
        return await add_material(request, key, "masterlist")

    def _swap_lock() -> asyncio.Lock:
        if svc.swap_lock is None:
            svc.swap_lock = asyncio.Lock()
        return svc.swap_lock

    # --- operations -------------------------------------------------------------------------------
    @app.get("/healthz", response_model=Health, response_model_exclude_none=True, tags=["operations"], summary="The process is alive")
    async def healthz() -> Any:
        return {"status": "ok"}

    @app.get("/readyz", response_model=Health, tags=["operations"], summary="Database and verification pool ready",
             responses=_problem_responses(503))
    async def readyz() -> Any:
        if not await run_in_threadpool(ping, svc.repo.engine):
            raise Problem(503, "unavailable", "database unavailable", {"Retry-After": "5"})
        return {"status": "ready", "trust_version": svc.verifier.current.version}

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response,
             responses={200: {"description": "Prometheus text format 0.0.4",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}})
    async def metrics() -> Response:
        state = svc.verifier.current
        text = svc.metrics.render(trust_version=state.version, trust_loaded_at=state.loaded_at,
                                  swaps=svc.verifier.swaps, workers=svc.verifier.workers,
                                  crl_next_update=earliest_next_update(state.store),
                                  db_commits=svc.writer.commits, db_records=svc.writer.records,
                                  db_flush=(FLUSH_BUCKETS, list(svc.writer.flush_buckets), svc.writer.flush_seconds))
        return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description,
                          routes=[*app.routes, *documented.routes])
        comps = doc.setdefault("components", {})
        schemas = comps.setdefault("schemas", {})
        schemas["ProblemDetails"] = ProblemDetails.model_json_schema()
        comps["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer",
                                               "description": "A key from `cccd keys create`"}}
        for path, ops in doc.get("paths", {}).items():
            if path.startswith("/v1/"):
                for op in ops.values():
                    op["security"] = [{"bearer": []}]
        app.openapi_schema = doc
        return doc

    app.openapi = custom_openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
    app.add_middleware(Observe, svc=svc)
    return Front(app, Observe(app, svc, VerificationsEndpoint(svc)))


# --- helpers --------------------------------------------------------------------------------------

def parse_at(value: Optional[str], name: str = "at") -> Optional[dt.datetime]:
    """An ISO 8601 time (``Z`` or an offset; none: UTC), like ``cccd verify --at``, as UTC.

    The same instant written with another offset is the same time reference (one
    idempotency key); a time that is no UTC time (year 1 at +14:00) is refused.
    """
    if value is None:
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        raise Problem(422, "invalid-parameter", f"{name} needs an ISO 8601 time such as 2026-01-31T12:00:00Z "
                                                "(years 1..9999 in UTC)") from None


async def read_body(request: Request, limit: int, deadline: float) -> bytes:
    """The body, at most ``limit`` bytes (413 beyond, also for a Content-Length that says so), before ``deadline``."""
    cl = request.headers.get("content-length")
    if cl is not None:
        if not cl.strip().isdigit():
            raise Problem(400, "malformed-json", "invalid Content-Length")
        if int(cl) > limit:
            raise Problem(413, "payload-too-large", f"body larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0

    async def _read() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Problem(413, "payload-too-large", f"body larger than {limit} bytes")
            chunks.append(chunk)

    try:
        await asyncio.wait_for(_read(), max(0.001, deadline - time.monotonic()))
    except asyncio.TimeoutError:
        raise Problem(408, "request-timeout", "the body did not arrive in time") from None
    except ClientDisconnect:
        raise Problem(400, "malformed-json", "client disconnected before the body was complete") from None
    return b"".join(chunks)


def problem_response(p: Problem) -> Response:
    return Response(json.dumps(p.body()), status_code=p.status, media_type=PROBLEM_JSON, headers=p.headers)


def json_response(obj: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(obj), status_code=status, media_type="application/json")


def record_body(rec: VerificationRecord) -> bytes:
    """The record as JSON; ``report`` is the stored text exactly (no re-encoding)."""
    head = json.dumps({"id": rec.id, "created_at": rec.created_at.isoformat(timespec="milliseconds"),
                       "dump_sha256": rec.dump_sha256, "trust_version": rec.trust_version, "verdict": rec.verdict})
    return (head[:-1] + ',"report":' + rec.report_json + "}").encode()


def record_response(rec: VerificationRecord, status: int) -> Response:
    return Response(record_body(rec), status_code=status, media_type="application/json",
                    headers={"Location": f"/v1/verifications/{rec.id}"})


async def _document_post_verifications(
        at: Optional[str] = Query(None, max_length=40, description="Verify as of this UTC time (ISO 8601) "
                                                                   "instead of now, like `cccd verify --at`.")) -> Response:
    """The OpenAPI declaration of ``POST /v1/verifications`` (its parameters and answers).

    Requests never reach this function: :class:`Front` hands every ``POST
    /v1/verifications`` to :class:`VerificationsEndpoint` before FastAPI's routing.
    """
    raise RuntimeError("POST /v1/verifications is answered by VerificationsEndpoint")


_Answer = tuple[int, list[tuple[bytes, bytes]], bytes]  # status, headers, body


class VerificationsEndpoint:
    """``POST /v1/verifications`` as a plain ASGI application (the route under load).

    The gates of the module docstring in their order, without FastAPI's dependency
    injection and validation: API key (401) and rate limit (429), ``at`` (422, as
    ``Query(max_length=40)`` plus :func:`parse_at`), ``Content-Length`` and the body
    (413 / 408 / 400), then the worker (:func:`.work.verify_body`: digest, JSON limits,
    dump, verification, report, document-number hash), the record writer (answered
    only after the commit) and the answer, its bytes put together here once.
    """

    def __init__(self, svc: Service) -> None:
        self.svc = svc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, headers, body = await self.answer(scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def answer(self, scope: Scope, receive: Receive) -> _Answer:
        try:
            return await self._create(scope, receive)
        except Problem as p:
            return problem_answer(p)
        except DatabaseError as e:
            log.error("database error", extra={"fields": {"reason": e.reason}})
            return problem_answer(Problem(503, "unavailable", "database unavailable", {"Retry-After": "5"}))

    async def _create(self, scope: Scope, receive: Receive) -> _Answer:
        svc = self.svc
        lim = svc.config.limits
        deadline = time.monotonic() + lim.timeout
        authorization = length = None
        for name, value in scope["headers"]:
            if name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
            elif name == b"content-length" and length is None:
                length = value
        key = await authenticate_header(svc, authorization)
        state = scope.setdefault("state", {})
        state["client"] = key.key_id
        at_iso = self._at(scope.get("query_string", b""))
        raw = await read_body_asgi(receive, length, lim.max_body, deadline)
        result, trust = await self._verify(raw, at_iso, deadline)
        if "status" in result:
            raise Problem(result["status"], result["slug"], result["detail"])
        rid = secrets.token_hex(16)
        sealed = svc.sealer.seal(rid, raw) if svc.sealer is not None else None
        new = NewVerification(client=key.key_id, dump_sha256=result["dump_sha256"], trust_version=trust.version,
                              time_reference=at_iso or "", verdict=result["verdict"],
                              report_json=result["report_json"], document_number_hash=result["document_number_hash"],
                              dump_ciphertext=sealed, dump_key_id=svc.sealer.key_id if svc.sealer is not None else None,
                              id=rid)
        rec, created = await svc.writer.write(new)  # answered only once committed (group commit)
        svc.metrics.verification(rec.verdict, created=created)
        state["record"] = rec.id
        state["verdict"] = rec.verdict
        return record_answer(rec, 201 if created else 200)

    @staticmethod
    def _at(query: bytes) -> Optional[str]:
        """The normalised ``?at=`` (the last one given), as ``Query(None, max_length=40)`` + parse_at."""
        at = None
        if query:
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if name == "at":
                    at = value
        if at is None:
            return None
        if len(at) > 40:
            raise Problem(422, "invalid-parameter", "invalid value for query.at")
        t = parse_at(at)
        return t.isoformat() if t is not None else None

    async def _verify(self, raw: bytes, at_iso: Optional[str], deadline: float) -> tuple[dict[str, Any], TrustState]:
        """The worker's result for ``raw`` and the trust state that made it (the current one if the
        state read first was retired by a swap in the meantime)."""
        verifier = self.svc.verifier
        state = verifier.current
        try:
            try:
                return await verifier.verify(state, raw, at_iso, deadline), state
            except RuntimeError:  # this state was retired by a swap in the meantime: take the current one
                state = verifier.current
                return await verifier.verify(state, raw, at_iso, deadline), state
        except NoWorkerError:
            raise Problem(503, "timeout", "too many verifications queued", {"Retry-After": "1"}) from None
        except asyncio.TimeoutError:  # the worker is stopped and replaced (verifier.py)
            raise Problem(503, "timeout", f"verification took longer than {self.svc.config.limits.timeout:g} s",
                          {"Retry-After": "5"}) from None
        except WorkerLostError:  # the worker died under this request; another one is starting
            raise Problem(503, "unavailable", "a verification process ended; it is being replaced",
                          {"Retry-After": "5"}) from None


async def read_body_asgi(receive: Receive, content_length: Optional[bytes], limit: int, deadline: float) -> bytes:
    """The body, at most ``limit`` bytes (413 beyond, also for a Content-Length that says so), before ``deadline``."""
    if content_length is not None:
        if not content_length.strip().isdigit():
            raise Problem(400, "malformed-json", "invalid Content-Length")
        if int(content_length) > limit:
            raise Problem(413, "payload-too-large", f"body larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(max(0.001, deadline - time.monotonic())):
            while True:
                message = await receive()
                if message["type"] != "http.request":  # http.disconnect
                    raise Problem(400, "malformed-json", "client disconnected before the body was complete")
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise Problem(413, "payload-too-large", f"body larger than {limit} bytes")
                if not message.get("more_body", False):
                    if not chunks:
                        return bytes(chunk)
                    chunks.append(chunk)
                    return b"".join(chunks)
                chunks.append(chunk)
    except TimeoutError:
        raise Problem(408, "request-timeout", "the body did not arrive in time") from None


def problem_answer(p: Problem) -> _Answer:
    body = json.dumps(p.body()).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in p.headers.items()]
    return p.status, headers, body


def record_answer(rec: VerificationRecord, status: int) -> _Answer:
    """:func:`record_response` as ASGI parts."""
    body = record_body(rec)
    return status, [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"location", f"/v1/verifications/{rec.id}".encode())], body


class Front:
    """The outermost ASGI application: ``POST /v1/verifications`` straight to the
    :class:`VerificationsEndpoint` (observed by ``observe``), everything else to FastAPI
    (whose innermost middleware is an :class:`Observe` too)."""

    def __init__(self, api: FastAPI, observe: "Observe") -> None:
        self.api = api
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/verifications" and scope["method"] == "POST":
            await self.observe.verification(scope, receive, send)
        else:
            await self.api(scope, receive, send)


class Observe:
    """Pure ASGI middleware: request id, metrics, one JSON log line, and a problem+json 500 for bugs.

    :meth:`verification` does the same around a :class:`VerificationsEndpoint`.
    Request ids are a random prefix per instance and a counter (unique, no system
    call per request).
    """

    def __init__(self, app: ASGIApp, svc: Service, verifications: Optional[VerificationsEndpoint] = None) -> None:
        self.app = app
        self.svc = svc
        self.verifications = verifications
        self._ids = itertools.count(1)
        self._prefix = secrets.token_hex(4)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        rid = f"{self._prefix}{next(self._ids):08x}"
        status = 500
        started = False

        async def send_wrapped(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapped)
        except Exception as e:  # a bug: answer 500 without details, log the type only
            log.error("unhandled error", extra={"fields": {"request_id": rid, "exception": type(e).__name__}})
            if not started:
                p = problem_response(Problem(500, "internal", f"internal error (request {rid})"))
                await p(scope, receive, send_wrapped)
        finally:
            route = scope.get("route")
            self._done(scope, rid, getattr(route, "path", None) or "unmatched", status, t0)

    async def verification(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``POST /v1/verifications``: the endpoint's answer, sent with the request id, observed."""
        t0 = time.perf_counter()
        rid = f"{self._prefix}{next(self._ids):08x}"
        assert self.verifications is not None
        try:
            status, headers, body = await self.verifications.answer(scope, receive)
        except Exception as e:  # a bug: answer 500 without details, log the type only
            log.error("unhandled error", extra={"fields": {"request_id": rid, "exception": type(e).__name__}})
            status, headers, body = problem_answer(Problem(500, "internal", f"internal error (request {rid})"))
        headers.append((b"x-request-id", rid.encode()))
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        finally:
            self._done(scope, rid, "/v1/verifications", status, t0)

    def _done(self, scope: Scope, rid: str, template: str, status: int, t0: float) -> None:
        seconds = time.perf_counter() - t0
        self.svc.metrics.observe(scope.get("method", "?"), template, status, seconds)
        st = scope.get("state") or {}
        fields = {"request_id": rid, "method": scope.get("method"), "route": template, "status": status,
                  "ms": round(seconds * 1000, 2)}
        for k in ("client", "record", "verdict"):
            if k in st:
                fields[k] = st[k]
        log.info("request", extra={"fields": fields})
