"""What stands in front of a service's API: the bearer token, the gateway's signature and
the bounds of a request body; and the timing of every request.

Health, readiness and metrics stay open to probes and scrapes (`OPEN_PATHS`).
"""

from __future__ import annotations

import time

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plumbing.auth import (
    DEVELOPMENT_SIGNING_SECRET,
    SIGNATURE_HEADER,
    BadSignature,
    SignatureVerifier,
    TokenVerifier,
    Unauthenticated,
)
from plumbing.logs import get_logger
from plumbing.metrics import REQUEST_SECONDS
from plumbing.settings import Environment, ServiceSettings

log = get_logger("plumbing.app")


class Authenticate:
    """Verifies the bearer token before anything reaches GraphQL (no tenant, no resolver)."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("missing bearer token", "TOKEN_MISSING")
            scope["principal"] = await self.verifier.verify_async(token.strip())
        except Unauthenticated as exc:
            extensions = {"code": "UNAUTHENTICATED", "reason": exc.reason}
            body = {"errors": [{"message": str(exc), "extensions": extensions}]}
            headers = {"WWW-Authenticate": exc.www_authenticate()}
            await JSONResponse(body, status_code=401, headers=headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def refusal(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status
    )


# Open to anyone who reaches the port: probes and scrapes (the NetworkPolicy in
# deploy/k8s lets only the gateway and the metrics scraper in).
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class GatewayOnly:
    """Bounds the request body and lets through only requests the gateway signed.

    The body is read here, at most `max_body_bytes` (`max_multipart_body_bytes` for a
    multipart upload), because the signature covers it; the application then reads the
    same bytes. Refusals: 413 `REQUEST_TOO_LARGE`, 401 `GATEWAY_SIGNATURE_REQUIRED`,
    403 `GATEWAY_SIGNATURE_INVALID`. `verifier` None checks sizes only (a process that
    serves no API).
    """

    def __init__(
        self,
        app: ASGIApp,
        settings: ServiceSettings,
        verifier: SignatureVerifier | None,
        open_paths: frozenset[str] = OPEN_PATHS,
        open_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.open_paths = open_paths
        self.open_prefixes = open_prefixes
        self.max_body = settings.max_body_bytes
        self.max_multipart = settings.max_multipart_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        limit = self.max_multipart if multipart else self.max_body
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the caller went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        path: str = scope["path"]
        if self.verifier is not None and not self._open(path):
            query = scope.get("query_string", b"").decode("latin-1")
            target = scope.get("raw_path", path.encode()).decode("latin-1")
            try:
                self.verifier.verify(
                    headers.get(SIGNATURE_HEADER),
                    method=scope["method"],
                    target=f"{target}?{query}" if query else target,
                    authorization=headers.get("authorization", ""),
                    body=body,
                )
            except BadSignature as exc:
                client = scope.get("client") or ("", 0)
                log.warning("request_refused", code=exc.code, path=path, peer=client[0])
                await refusal(str(exc), exc.code, exc.status)(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _open(self, path: str) -> bool:
        return path in self.open_paths or path.startswith(self.open_prefixes)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        log.info("request_refused", code="REQUEST_TOO_LARGE", path=scope["path"], limit=limit)
        message = f"the request body is larger than {limit} bytes"
        await refusal(message, "REQUEST_TOO_LARGE", 413)(scope, receive, send)


def signing_verifier(settings: ServiceSettings) -> SignatureVerifier:
    """The API's check of the gateway's signature; a real secret is required in production."""
    secret = settings.gateway_signing_secret
    if settings.environment is Environment.PRODUCTION and (
        not secret or secret == DEVELOPMENT_SIGNING_SECRET or len(secret) < 32
    ):
        raise ValueError(
            "GATEWAY_SIGNING_SECRET must be a real secret of at least 32 characters in "
            "production (the gateway signs every subgraph request with it)"
        )
    return SignatureVerifier(secret or DEVELOPMENT_SIGNING_SECRET)


class Timing:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            REQUEST_SECONDS.labels(scope["path"], scope["method"], str(status["code"])).observe(
                time.perf_counter() - started
            )
