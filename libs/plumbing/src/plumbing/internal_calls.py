"""The `/internal/` routes the identity service calls on other services (clients'
cards-by-contact, notifications' security messages; docs/identity.md). The gateway
passes no `/internal/` path on and the API answers only requests signed with the
gateway's secret (plumbing.request_guards); on top of that the bearer token must be
identity's own service token (`sub` `service:identity`, role ADMIN of the studio asked
about), and the body a JSON object of the named string fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from plumbing.app import Runtime
from plumbing.auth import Principal, Role, Unauthenticated

IDENTITY_SERVICE = "service:identity"


def refuse(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


@dataclass(frozen=True, slots=True)
class IdentityCall:
    principal: Principal
    body: dict[str, Any]


async def identity_call(
    request: Request, fields: Sequence[str], forbidden: str
) -> IdentityCall | JSONResponse:
    """The caller (identity's service token) and the body, or the refusal to answer:
    401 without a valid token, 403 (`forbidden`) for any other caller, 400 for a body
    that is not an object with every one of `fields` as a string."""
    runtime: Runtime = request.app.state.runtime
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("missing bearer token", "TOKEN_MISSING")
        principal = await runtime.verifier.verify_async(token.strip())
    except Unauthenticated as exc:
        return refuse(str(exc), exc.reason, 401)
    if principal.subject != IDENTITY_SERVICE or not principal.has(Role.ADMIN):
        return refuse(forbidden, "FORBIDDEN", 403)
    try:
        body: Any = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not all(isinstance(body.get(f), str) for f in fields):
        return refuse(f"send a JSON object with {', '.join(fields)}", "BAD_REQUEST", 400)
    return IdentityCall(principal, body)
