"""The app factory: one Starlette app per process, whatever its role.

Roles: `api` serves the subgraph; `consumer` applies events from Kafka; `relay`
publishes the outbox; `all` runs the three in one process (the local stack). Every role
serves /healthz, /readyz and /metrics. Clients (MongoDB, Kafka) are created in the
lifespan, never at import time.

The API answers only requests the gateway signed, with bodies no larger than the
settings allow (`plumbing.request_guards`); health, readiness and metrics stay open to
probes and scrapes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from plumbing.auth import Principal, TokenVerifier, Unauthenticated
from plumbing.clock import Clock, SystemClock
from plumbing.consumer import EventConsumer
from plumbing.event_handlers import BatchHandler, Handler
from plumbing.event_stream import EventStream, wants_event_stream
from plumbing.fact_reports import FactReports
from plumbing.gql import RequestContext
from plumbing.health import Check, healthz, metrics, readyz
from plumbing.i18n import Catalog, from_accept_language, negotiate, supported
from plumbing.kafka import KafkaPublisher, client_options, kafka_reachable
from plumbing.logs import configure_logging, get_logger
from plumbing.mongo import Doc, create_client, detect_backend
from plumbing.outbox import Outbox
from plumbing.outbox_relay import OutboxRelay
from plumbing.request_guards import (
    OPEN_PATHS,
    Authenticate,
    GatewayOnly,
    Timing,
    signing_verifier,
)
from plumbing.settings import Environment, ServiceSettings
from plumbing.storage import Aggregates, Storage, open_storage
from plumbing.studio import studio_settings
from plumbing.tracing import configure_tracing

log = get_logger("plumbing.app")


class ProcessRole(StrEnum):
    API = "api"
    CONSUMER = "consumer"
    RELAY = "relay"
    ALL = "all"


@dataclass
class Runtime:
    """Process-wide resources, created in the lifespan and shared by every request."""

    settings: ServiceSettings
    mongo: AsyncMongoClient[Doc]
    db: AsyncDatabase[Doc]
    outbox: Outbox
    publisher: KafkaPublisher
    clock: Clock
    verifier: TokenVerifier
    consumer: EventConsumer | None = None
    relay: OutboxRelay | None = None
    # The storage port (`plumbing.storage`), opened once at start for the definition's
    # aggregates and read models; the implementation follows the database.
    storage: Storage | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def store(self) -> Storage:
        if self.storage is None:  # pragma: no cover - wiring error
            raise RuntimeError("storage is opened in the lifespan, before any request")
        return self.storage


@dataclass
class Job:
    """Work a consumer process repeats as time passes (expiry, seniority…).

    `run(runtime, now, tenant)` must be idempotent and safe to run in several replicas at
    once. `tenant` None means every tenant. Outside production, tests trigger a job for
    one tenant at a chosen instant with `POST /_dev/jobs/<name>` (no global clock moves).
    """

    name: str
    every_seconds: float
    run: Callable[[Runtime, datetime, str | None], Awaitable[object]]


@dataclass
class ServiceDefinition:
    name: str
    schema: strawberry.federation.Schema
    outbox_collections: Sequence[str] = ()
    # What this service keeps behind the storage port: the relay publishes the events
    # saved with their states, and a job tidies what the local database keeps behind.
    aggregates: Sequence[Aggregates[Any]] = ()
    read_models: Sequence[str] = ()
    consume_topics: Sequence[str] = ()
    handlers: Callable[[Runtime], Mapping[str, Handler]] = lambda _: {}
    # Optional bulk paths for hot event types (see `plumbing.consumer`).
    batch_handlers: Callable[[Runtime], Mapping[str, BatchHandler]] = lambda _: {}
    setup: Callable[[Runtime], Awaitable[None]] | None = None
    jobs: Sequence[Job] = ()
    # Extra HTTP routes of the API role (file downloads, token exchange…). Endpoints find
    # the process resources in `request.app.state.runtime`.
    routes: Sequence[BaseRoute] = ()
    # Work the API role runs beside its requests for as long as the process lives (an
    # in-memory read model that follows topics). Each must return soon after `stop` is set.
    api_tasks: Sequence[Callable[[Runtime, asyncio.Event], Coroutine[Any, Any, None]]] = ()
    # Routes of the API role that anyone reaching the port may call without the gateway's
    # signature (identity's public signing keys, which the gateway and services fetch).
    open_paths: Sequence[str] = ()
    # The service's own messages (`<ctx>/messages.py`) over the common ones
    # (`plumbing.i18n`): code -> language -> template.
    messages: Catalog = field(default_factory=dict)
    # False for a service that neither publishes nor consumes events (identity): its
    # processes never connect to Kafka, run no relay, and are ready without it, so it
    # needs no Kafka user and KAFKA_BOOTSTRAP may be empty.
    uses_kafka: bool = True
    # Reports of the facts this service's consumer settles (applied, waiting, parked), for
    # the subscriptions that follow them (`plumbing.fact_reports`).
    fact_reports: FactReports | None = None
    # Where the studio's language is read when a request names none (no Accept-Language,
    # no `lang` claim): by default the copy of the studio kept from clients' events; the
    # clients service, which owns the studio, reads its own document.
    studio_language: Callable[[Runtime, str], Awaitable[str | None]] | None = None


class _SubgraphView(GraphQL[RequestContext, None]):
    def __init__(
        self, schema: strawberry.federation.Schema, runtime: Runtime, definition: ServiceDefinition
    ) -> None:
        super().__init__(schema, graphql_ide=None, multipart_uploads_enabled=True)
        self._runtime = runtime
        self._messages = definition.messages
        self._studio_language = definition.studio_language

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        rt = self._runtime
        principal: Principal = request.scope["principal"]
        return RequestContext(
            request=request,
            response=response,
            principal=principal,
            db=rt.db,
            outbox=rt.outbox,
            clock=rt.clock,
            settings=rt.settings,
            storage=rt.storage,
            language=await _language(
                rt, request.headers.get("accept-language"), principal, self._studio_language
            ),
            messages=self._messages,
        )


async def _language(
    rt: Runtime,
    accept_language: str | None,
    principal: Principal,
    studio_language: Callable[[Runtime, str], Awaitable[str | None]] | None,
) -> str:
    """The request's language: its `Accept-Language`, else the person's, else the
    studio's (read only when the first two say nothing; the copy is remembered)."""
    chosen = from_accept_language(accept_language) or supported(principal.language)
    if chosen is not None:
        return chosen
    if studio_language is not None:
        return negotiate(None, None, await studio_language(rt, principal.tenant))
    return negotiate(None, None, (await studio_settings(rt.db, principal.tenant)).language)


def _tidy_jobs(definition: ServiceDefinition) -> list[Job]:
    """Each aggregate kind's old states, deleted once their events are out (the local
    database keeps a state per version; on MongoDB there is nothing to do)."""

    def tidy(kind: Aggregates[Any]) -> Callable[[Runtime, datetime, str | None], Awaitable[int]]:
        async def run(runtime: Runtime, now: datetime, tenant: str | None) -> int:
            return await runtime.store().tidy(kind)

        return run

    return [Job(f"tidy-{kind.name}", 600.0, tidy(kind)) for kind in definition.aggregates]


def create_app(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    role: ProcessRole = ProcessRole.ALL,
    *,
    clock: Clock | None = None,
) -> Starlette:
    configure_logging(settings.log_level, json=settings.log_json)
    configure_tracing(settings)
    serves_api = role in (ProcessRole.API, ProcessRole.ALL)
    if definition.uses_kafka and not settings.kafka_bootstrap:
        raise ValueError(f"KAFKA_BOOTSTRAP is empty, but {definition.name} uses Kafka")
    if not definition.uses_kafka and (definition.consume_topics or definition.api_tasks):
        raise ValueError(f"{definition.name} reads topics, which needs Kafka (uses_kafka)")
    # Before anything starts: a production API without the gateway's secret must not run.
    signatures = signing_verifier(settings) if serves_api else None
    holder: dict[str, Runtime] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        mongo = create_client(settings.mongo_url)
        db = mongo[settings.mongo_db]
        runtime = Runtime(
            settings=settings,
            mongo=mongo,
            db=db,
            outbox=Outbox(db),
            publisher=KafkaPublisher(
                settings.kafka_bootstrap,
                client_id=settings.service_name,
                options=client_options(settings),
            ),
            clock=clock or SystemClock(),
            verifier=TokenVerifier(settings),
        )
        holder["rt"] = runtime
        app.state.runtime = runtime
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        await _retrying("database", lambda: detect_backend(mongo))

        async def opened() -> None:
            runtime.storage = await open_storage(db, definition.aggregates, definition.read_models)

        await _retrying("storage", opened)
        if definition.setup is not None:
            await _retrying("setup", lambda: definition.setup(runtime))  # type: ignore[misc]
        outbox_collections = [
            *definition.outbox_collections,
            *(c for kind in definition.aggregates for c in kind.outbox_collections),
        ]
        relays = definition.uses_kafka and role in (ProcessRole.RELAY, ProcessRole.ALL)
        if relays and outbox_collections:
            runtime.relay = OutboxRelay(
                db,
                runtime.publisher,
                outbox_collections,
                outbox=runtime.outbox,
                sweep_seconds=settings.outbox_sweep_seconds,
            )
            tasks.append(asyncio.create_task(runtime.relay.run(stop), name="relay"))
        if role in (ProcessRole.CONSUMER, ProcessRole.ALL) and definition.consume_topics:
            runtime.consumer = EventConsumer(
                db=db,
                bootstrap=settings.kafka_bootstrap,
                group=settings.consumer_group,
                topics_=list(definition.consume_topics),
                handlers=definition.handlers(runtime),
                batch_handlers=definition.batch_handlers(runtime),
                dlq_publisher=runtime.publisher,
                max_attempts=settings.consumer_max_attempts,
                wait_seconds=settings.consumer_wait_seconds,
                kafka_options=client_options(settings),
                reports=definition.fact_reports,
            )
            tasks.append(asyncio.create_task(runtime.consumer.run(stop), name="consumer"))
            for job in (*definition.jobs, *_tidy_jobs(definition)):
                tasks.append(asyncio.create_task(_repeat(job, runtime, stop), name=job.name))
        if role in (ProcessRole.API, ProcessRole.ALL):
            for number, work in enumerate(definition.api_tasks):
                tasks.append(asyncio.create_task(work(runtime, stop), name=f"api-task-{number}"))
        log.info("service_started", service=settings.service_name, role=role.value)
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                try:
                    await asyncio.wait_for(task, timeout=10)
                except Exception as exc:
                    log.warning("task_stop_failed", task=task.get_name(), error=repr(exc))
            await runtime.publisher.stop()
            await mongo.close()

    async def mongo_ok() -> bool:
        await holder["rt"].db.command("ping")
        return True

    async def kafka_ok() -> bool:
        return await kafka_reachable(settings.kafka_bootstrap)

    checks: dict[str, Check] = {"mongo": mongo_ok}
    if definition.uses_kafka:
        checks["kafka"] = kafka_ok
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz(checks)),
        Route("/metrics", metrics),
    ]
    if role in (ProcessRole.API, ProcessRole.ALL):

        async def graphql(request: Request) -> Response:
            runtime = holder["rt"]
            view = runtime.extras.get("view")
            if view is None:
                subgraph = _SubgraphView(definition.schema, runtime, definition)
                view = runtime.extras["view"] = Authenticate(subgraph, runtime.verifier)
                # Subscriptions, as the gateway asks for them: over SSE (`event_stream`).
                runtime.extras["stream"] = Authenticate(
                    EventStream(definition.schema, lambda r: subgraph.get_context(r, None)),
                    runtime.verifier,
                )
            if wants_event_stream(request.scope):
                view = runtime.extras["stream"]
            await view(request.scope, request.receive, request._send)
            return _Sent()

        routes.append(Route("/graphql", graphql, methods=["GET", "POST"]))
        routes.extend(definition.routes)
    if settings.environment is not Environment.PRODUCTION and definition.jobs:
        jobs = {job.name: job for job in definition.jobs}

        async def run_job(request: Request) -> Response:
            runtime = holder["rt"]
            try:
                principal = await runtime.verifier.verify_async(
                    request.headers.get("authorization", "").partition(" ")[2].strip()
                )
            except Unauthenticated as exc:
                return JSONResponse({"error": str(exc)}, status_code=401)
            job = jobs.get(request.path_params["name"])
            if job is None:
                return JSONResponse({"error": "no such job"}, status_code=404)
            body = await request.json()
            as_of = (
                datetime.fromisoformat(body["as_of"]) if body.get("as_of") else runtime.clock.now()
            )
            if as_of.tzinfo is None:
                return JSONResponse({"error": "as_of needs an offset"}, status_code=400)
            result = await job.run(runtime, as_of, principal.tenant)
            return JSONResponse({"job": job.name, "tenant": principal.tenant, "result": result})

        routes.append(Route("/_dev/jobs/{name}", run_job, methods=["POST"]))
    app = Starlette(routes=routes, lifespan=lifespan)
    # Innermost: refused requests are still timed and traced. `/_dev/jobs` exists only
    # outside production and is driven by tests straight from the test process.
    app.add_middleware(
        GatewayOnly,
        settings=settings,
        verifier=signatures,
        open_paths=OPEN_PATHS | frozenset(definition.open_paths),
        open_prefixes=("/_dev/jobs/",)
        if settings.environment is not Environment.PRODUCTION
        else (),
    )
    app.add_middleware(Timing)
    # Continues the gateway's trace (W3C traceparent) into this subgraph; health probes
    # and metrics scrapes are not traced.
    app.add_middleware(
        OpenTelemetryMiddleware,
        excluded_urls="healthz,readyz,metrics",
        exclude_spans=["receive", "send"],
    )
    return app


class _Sent(Response):
    """The ASGI app already answered; Starlette must not send anything else."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


async def _retrying(what: str, action: Callable[[], Awaitable[None]]) -> None:
    # Start even if the database is still coming up: the stack starts things in parallel.
    for attempt in range(1, 61):
        try:
            await action()
            return
        except Exception as exc:
            log.warning("startup_step_retrying", step=what, attempt=attempt, error=repr(exc))
            await asyncio.sleep(1.0)
    raise RuntimeError(f"{what} did not succeed after 60 attempts")


async def _repeat(job: Job, runtime: Runtime, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await job.run(runtime, runtime.clock.now(), None)
        except Exception as exc:
            log.warning("job_failed", job=job.name, error=repr(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=job.every_seconds)
