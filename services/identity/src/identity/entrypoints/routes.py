"""The sign-in routes (reached through the gateway, which passes `/auth/…` on unsigned
callers' behalf) and the JWKS document every verifier reads.

POST /auth/sign-in            {email, password, studio?}        -> tokens
POST /auth/refresh            {refresh_token, studio?}          -> tokens (rotated; a studio switches)
POST /auth/sign-out           {refresh_token}                   -> 204
POST /auth/accept-invitation  {code, password, name, language}  -> tokens
POST /auth/second-factor      {challenge, code}                 -> tokens
POST /auth/request-password-reset {email}                       -> 202, whoever asks
POST /auth/reset-password     {token, password}                 -> 204
POST /auth/client/request-code {studio, email | phone, language} -> 202 {challenge, expires_in}
POST /auth/client/sign-in     {challenge, code, first_name?, last_name?, language?} -> tokens
GET  /.well-known/jwks.json                                     -> the public signing keys
Refusals: `{"error": <code>, "message": …, "params": {…}}` with 400, 401
(`WWW-Authenticate`), 409, 429 or 503, the message in the request's language (its
`Accept-Language`, else the body's `language`; `identity/messages.py`); a sign-in that needs
a second factor is a 401 `SECOND_FACTOR_REQUIRED` that also names the `challenge` to
complete.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from plumbing.app import Runtime
from plumbing.i18n import negotiate, speaking, translate
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from identity.domain.codes import SecondFactorRequired
from identity.domain.people import IdentityRefused
from identity.domain.throttle import WINDOW
from identity.messages import MESSAGES
from identity.service_layer import (
    client_sign_in,
    invitations,
    password_reset,
    second_factor,
    sessions,
)
from identity.service_layer.ports import Identity

STATUS = {
    "SIGN_IN_THROTTLED": 429,
    "CODE_THROTTLED": 429,
    "RESET_THROTTLED": 429,
    "EMAIL_INVALID": 400,
    "PHONE_INVALID": 400,
    "SIGN_UP_REFUSED": 400,
    "SIGN_UP_REQUIRED": 409,
    "CONTACT_AMBIGUOUS": 409,
    "UNAVAILABLE": 503,
    "PASSWORD_TOO_SHORT": 400,
    "PASSWORD_TOO_LONG": 400,
    "BAD_REQUEST": 400,
    "STUDIO_NOT_ALLOWED": 403,
}


def identity_of(runtime: Runtime) -> Identity:
    identity: Identity = runtime.extras["identity"]
    return identity


async def _language(request: Request) -> str:
    """The request's `Accept-Language`, else the language its body names (a client signing
    up, a person accepting an invitation)."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    named = body.get("language") if isinstance(body, dict) else None
    return negotiate(
        request.headers.get("accept-language"), named if isinstance(named, str) else None, None
    )


async def refused(exc: IdentityRefused, request: Request) -> JSONResponse:
    status = STATUS.get(exc.code, 401)
    headers = {"WWW-Authenticate": f'Bearer error="invalid_grant", error_description="{exc.code}"'}
    params = {name: str(value) for name, value in exc.params.items()}
    if status == 429:
        headers = {"Retry-After": str(int(WINDOW.total_seconds()))}
        params.setdefault("minutes", str(int(WINDOW.total_seconds() // 60)))
    with speaking(await _language(request), MESSAGES):
        message = translate(exc.code, params, fallback=str(exc))
    body: dict[str, object] = {"error": exc.code, "message": message, "params": params}
    if isinstance(exc, SecondFactorRequired):
        body |= {"challenge": exc.challenge, "expires_in": exc.expires_in}
    return JSONResponse(
        body,
        status_code=status,
        headers=headers if status in (401, 429) else None,
    )


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise IdentityRefused("send a JSON object", "BAD_REQUEST") from exc
    if not isinstance(body, dict):
        raise IdentityRefused("send a JSON object", "BAD_REQUEST")
    return body


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > 4096:
        raise IdentityRefused(f"`{name}` must be a non-empty string", "BAD_REQUEST", field=name)
    return value


def _address(request: Request) -> str:
    # The gateway names the caller's address; straight callers are the gateway itself.
    forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
    return forwarded or (request.client.host if request.client else "unknown")


async def sign_in(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        body = await _body(request)
        tokens = await sessions.sign_in(
            identity_of(runtime),
            email=_text(body, "email") or "",
            password=_text(body, "password") or "",
            studio=_text(body, "studio", required=False),
            address=_address(request),
            now=runtime.clock.now(),
        )
    except IdentityRefused as exc:
        return await refused(exc, request)
    return JSONResponse(tokens.body(), headers={"Cache-Control": "no-store"})


async def refresh(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        body = await _body(request)
        tokens = await sessions.refresh(
            identity_of(runtime),
            refresh_token=_text(body, "refresh_token") or "",
            studio=_text(body, "studio", required=False),
            now=runtime.clock.now(),
        )
    except IdentityRefused as exc:
        return await refused(exc, request)
    return JSONResponse(tokens.body(), headers={"Cache-Control": "no-store"})


async def sign_out(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        body = await _body(request)
        await sessions.sign_out(
            identity_of(runtime),
            refresh_token=_text(body, "refresh_token") or "",
            now=runtime.clock.now(),
        )
    except IdentityRefused as exc:
        return await refused(exc, request)
    return Response(status_code=204)


async def accept_invitation(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        body = await _body(request)
        tokens = await invitations.accept(
            identity_of(runtime),
            code=_text(body, "code") or "",
            password=_text(body, "password") or "",
            name=_text(body, "name", required=False) or "",
            language=_text(body, "language", required=False) or "en",
            now=runtime.clock.now(),
        )
    except IdentityRefused as exc:
        return await refused(exc, request)
    return JSONResponse(tokens.body(), headers={"Cache-Control": "no-store"})


Use = Callable[[Identity, dict[str, Any], Request, Runtime], Awaitable[Response]]


def answering(use: Use) -> Callable[[Request], Awaitable[Response]]:
    """A route that reads a JSON object, runs `use`, and answers its refusals."""

    async def route(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        try:
            return await use(identity_of(runtime), await _body(request), request, runtime)
        except IdentityRefused as exc:
            return await refused(exc, request)

    return route


def _tokens(body: dict[str, object]) -> JSONResponse:
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def _second_factor(
    identity: Identity, body: dict[str, Any], request: Request, runtime: Runtime
) -> Response:
    tokens = await second_factor.complete(
        identity,
        challenge=_text(body, "challenge") or "",
        code=_text(body, "code") or "",
        address=_address(request),
        now=runtime.clock.now(),
    )
    return _tokens(tokens.body())


async def _request_reset(
    identity: Identity, body: dict[str, Any], request: Request, runtime: Runtime
) -> Response:
    await password_reset.request_reset(
        identity,
        email=_text(body, "email") or "",
        address=_address(request),
        now=runtime.clock.now(),
    )
    return JSONResponse({"requested": True}, status_code=202)


async def _reset(
    identity: Identity, body: dict[str, Any], request: Request, runtime: Runtime
) -> Response:
    await password_reset.reset_password(
        identity,
        token=_text(body, "token") or "",
        password=_text(body, "password") or "",
        address=_address(request),
        now=runtime.clock.now(),
    )
    return Response(status_code=204)


async def _client_code(
    identity: Identity, body: dict[str, Any], request: Request, runtime: Runtime
) -> Response:
    requested = await client_sign_in.request_code(
        identity,
        studio=_text(body, "studio") or "",
        email=_text(body, "email", required=False),
        phone=_text(body, "phone", required=False),
        language=(_text(body, "language", required=False) or "")[:16],
        address=_address(request),
        now=runtime.clock.now(),
    )
    return JSONResponse(requested.body(), status_code=202, headers={"Cache-Control": "no-store"})


async def _client_sign_in(
    identity: Identity, body: dict[str, Any], request: Request, runtime: Runtime
) -> Response:
    tokens = await client_sign_in.sign_in_with_code(
        identity,
        challenge=_text(body, "challenge") or "",
        code=_text(body, "code") or "",
        first_name=_text(body, "first_name", required=False),
        last_name=_text(body, "last_name", required=False),
        language=_text(body, "language", required=False),
        address=_address(request),
        now=runtime.clock.now(),
    )
    return _tokens(tokens.body())


async def jwks(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    return JSONResponse(
        identity_of(runtime).keys.jwks(), headers={"Cache-Control": "public, max-age=300"}
    )


JWKS_PATH = "/.well-known/jwks.json"

ROUTES = [
    Route("/auth/sign-in", sign_in, methods=["POST"]),
    Route("/auth/refresh", refresh, methods=["POST"]),
    Route("/auth/sign-out", sign_out, methods=["POST"]),
    Route("/auth/accept-invitation", accept_invitation, methods=["POST"]),
    Route("/auth/second-factor", answering(_second_factor), methods=["POST"]),
    Route("/auth/request-password-reset", answering(_request_reset), methods=["POST"]),
    Route("/auth/reset-password", answering(_reset), methods=["POST"]),
    Route("/auth/client/request-code", answering(_client_code), methods=["POST"]),
    Route("/auth/client/sign-in", answering(_client_sign_in), methods=["POST"]),
    Route(JWKS_PATH, jwks, methods=["GET"]),
]
