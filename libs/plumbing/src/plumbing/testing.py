"""Helpers for tests that talk to the running stack (gateway, services, Kafka, FerretDB).

Tests never wipe shared data: each one works in a tenant of its own (`unique_tenant`).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from plumbing import topics
from plumbing.auth import DEVELOPMENT_SIGNING_SECRET, SIGNATURE_HEADER, mint_token, sign_request
from plumbing.envelope import Envelope
from plumbing.kafka import sasl_options
from plumbing.mongo import Doc, create_client, detect_backend
from plumbing.storage.indexes import QueryLog

ROOT = Path(__file__).resolve().parents[4]
GATEWAY_URL = os.environ.get("GATEWAY_URL", "http://127.0.0.1:4000/graphql")
MONGO_URL = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017/")


@asynccontextmanager
async def scratch_database(prefix: str) -> AsyncIterator[AsyncDatabase[Doc]]:
    """A database of its own for one test (no test sees another's leftovers), on a
    client that knows the backend as the services do (bounded lists on FerretDB),
    dropped afterwards."""
    client = create_client(MONGO_URL)
    await detect_backend(client)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        yield client[name]
    finally:
        # Dropped after: on FerretDB each database is a file of its own, and a test run
        # used to leave a hundred of them behind.
        try:
            await client.drop_database(name)
        finally:
            await client.close()


KAFKA_BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
# The local stack's Kafka users and their passwords (deploy/local/kafka.sh): `operator` may
# do anything (it stands in for the platform's own producers in tests), each service and
# each partner key only what its ACLs allow.
KAFKA_SECRETS = ROOT / ".data" / "secrets" / "kafka"


def kafka_password(user: str) -> str:
    return (KAFKA_SECRETS / user).read_text().strip()


def kafka_options(user: str = "operator", password: str | None = None) -> dict[str, Any]:
    """aiokafka keyword arguments to authenticate as `user` to the local stack's Kafka
    (nothing when it runs without SASL, as a bare test broker may)."""
    if os.environ.get("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT") == "PLAINTEXT":
        return {}
    if password is None:
        password = kafka_password(user)
    return sasl_options("SASL_PLAINTEXT", "SCRAM-SHA-512", user, password)


# The stack's ports; `<CTX>_PORT` (e.g. NOTIFICATIONS_PORT) points the journeys at
# another process of that service.
SERVICE_PORTS = {
    name: int(os.environ.get(f"{name.upper()}_PORT", port))
    for name, port in {
        "clients": 4101,
        "ranks": 4102,
        "loyalty": 4103,
        "crm": 4104,
        "notifications": 4105,
    }.items()
}

T = TypeVar("T")


def jwt_secret() -> str:
    if os.environ.get("JWT_SECRET"):
        return os.environ["JWT_SECRET"]
    return (ROOT / ".data" / "secrets" / "jwt_secret").read_text().strip()


def unique_tenant(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def subgraph_url(context: str) -> str:
    return f"http://127.0.0.1:{SERVICE_PORTS[context]}/graphql"


def replica_url(context: str, role: str, n: int, path: str = "/graphql") -> str:
    """An extra process of a service (`deploy/local/services.sh replicas`, whose
    `replica_port` gives the same numbers): role `api` or `consumer`, n from 1 to 4."""
    slot = n if role == "api" else 4 + n
    return f"http://127.0.0.1:{4210 + (SERVICE_PORTS[context] - 4101) * 10 + slot}{path}"


def gateway_signing_secret() -> str:
    """The secret the gateway signs subgraph requests with (the local stack's, or the
    development placeholder the services fall back to without one)."""
    if os.environ.get("GATEWAY_SIGNING_SECRET"):
        return os.environ["GATEWAY_SIGNING_SECRET"]
    path = ROOT / ".data" / "secrets" / "gateway_signing_secret"
    return path.read_text().strip() if path.is_file() else DEVELOPMENT_SIGNING_SECRET


def signed_like_the_gateway(
    method: str, url: str, headers: dict[str, str], body: bytes = b""
) -> dict[str, str]:
    """`headers` plus the gateway's signature, for a test that calls a subgraph directly."""
    parts = httpx.URL(url)
    target = parts.raw_path.decode()  # the path with its query string, as sent
    signature = sign_request(
        gateway_signing_secret(),
        method=method,
        target=target,
        authorization=headers.get("authorization", ""),
        body=body,
    )
    return {**headers, SIGNATURE_HEADER: signature}


class GraphQLFailed(AssertionError):
    pass


class Graph:
    """A caller of the graph with one identity (tenant, roles)."""

    def __init__(
        self,
        tenant: str,
        roles: list[str],
        *,
        url: str = GATEWAY_URL,
        subject: str = "staff-1",
        client_id: str | None = None,
        scopes: list[str] | None = None,
        token: str | None = None,
        signed: bool | None = None,
        accept_language: str | None = None,
        language: str | None = None,
    ) -> None:
        self.tenant = tenant
        # Sent as Accept-Language; `language` is the person's (the token's `lang` claim).
        self.accept_language = accept_language
        self.url = url
        # A subgraph answers only requests the gateway signed: sign as the gateway does
        # when calling one directly (`signed=False` to see an unsigned call refused).
        self.signed = url != GATEWAY_URL if signed is None else signed
        self.token = (
            token
            if token is not None
            else mint_token(
                jwt_secret(),
                tenant=tenant,
                roles=roles,
                subject=subject,
                client_id=client_id,
                scopes=scopes,
                language=language,
            )
        )
        self._http = httpx.AsyncClient(timeout=30)

    def headers(self) -> dict[str, str]:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        if self.accept_language:
            headers["accept-language"] = self.accept_language
        return headers

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {**self.headers(), "content-type": "application/json"}
        if self.signed:
            headers = signed_like_the_gateway("POST", self.url, headers, body)
        return await self._http.post(self.url, content=body, headers=headers)

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.post(query, variables)
        body: dict[str, Any] = response.json()
        return body

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run an operation that must succeed; returns `data`."""
        response = await self.post(query, variables)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise GraphQLFailed(f"{response.status_code}: {body}")
        data: dict[str, Any] = body["data"]
        return data

    async def close(self) -> None:
        await self._http.aclose()


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    until: Callable[[T], bool] = bool,
    timeout: float = 15.0,
    interval: float = 0.1,
) -> T:
    """Poll until the eventually-consistent side caught up; fail with the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {value!r}")
        await asyncio.sleep(interval)


# Client cards and studio settings as the clients context announces them: tests of a
# consuming context put them on Kafka themselves, to exercise that context alone.
async def seed_client(
    producer: AIOKafkaProducer,
    tenant: str,
    first: str,
    last: str = "Test",
    *,
    gender: str | None = None,
    birth: str | None = None,
    client_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> str:
    client_id = client_id or uuid.uuid4().hex
    envelope = Envelope(
        type="clients.client_created.v1",
        source="services/clients",
        tenant=tenant,
        subject=client_id,
        data={
            "client_id": client_id,
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": phone,
            "gender": gender,
            "birth_date": birth,
            "status": "ACTIVE",
            "source": "MANUAL",
        },
    )
    await producer.send_and_wait(topics.CLIENTS, envelope.to_bytes(), key=envelope.key.encode())
    return client_id


async def seed_studio(
    producer: AIOKafkaProducer, tenant: str, zone: str, language: str, *, name: str = "Studio"
) -> None:
    envelope = Envelope(
        type="clients.studio_updated.v1",
        source="services/clients",
        tenant=tenant,
        subject=None,
        data={"name": name, "time_zone": zone, "currency": "EUR", "language": language},
    )
    await producer.send_and_wait(topics.CLIENTS, envelope.to_bytes(), key=envelope.key.encode())


@asynccontextmanager
async def recorded_database(prefix: str) -> AsyncIterator[tuple[AsyncDatabase[Doc], QueryLog]]:
    """A scratch database whose every command is recorded (`QueryLog`), for the tests that
    check each query of a MongoDB implementation against the indexes it declares."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    log = QueryLog(name)
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        MONGO_URL, tz_aware=True, retryWrites=False, event_listeners=[log]
    )
    await detect_backend(client)
    try:
        yield client[name], log
    finally:
        await client.drop_database(name)
        await client.close()
