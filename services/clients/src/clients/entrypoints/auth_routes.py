"""`POST /auth/partner-token`: a partner system trades its API key for a short-lived token.

curl -X POST http://127.0.0.1:4000/auth/partner-token -H "authorization: ApiKey pk.…"
(at the gateway, which signs it on to this service; the service answers nothing unsigned)
-> {"access_token": "…", "token_type": "Bearer", "expires_in": 900}
"""

from __future__ import annotations

from plumbing.app import Runtime
from plumbing.settings import DEVELOPMENT_JWT_SECRET
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clients.adapters.partner_keys import partner_keys
from clients.service_layer.partner_keys import KeyRefused, exchange


async def partner_token(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    if settings.jwt_jwks_url and settings.jwt_secret == DEVELOPMENT_JWT_SECRET:
        # Partner tokens are HS256, signed with JWT_SECRET, which every service accepts
        # beside the identity service's keys; with no real secret there is nothing to
        # sign them with that a service with JWT_JWKS_URL would accept.
        return JSONResponse(
            {"error": "partner tokens need JWT_SECRET set in this deployment"},
            status_code=503,
        )
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "apikey" or not key.strip():
        return JSONResponse(
            {"error": "send the partner key as `Authorization: ApiKey <key>`"}, status_code=401
        )
    try:
        token, ttl = await exchange(
            partner_keys(runtime.db),
            key,
            signing_secret=runtime.settings.jwt_secret,
            now=runtime.clock.now(),
        )
    except KeyRefused as exc:
        return JSONResponse({"error": str(exc)}, status_code=401)
    return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": ttl})


ROUTES = [Route("/auth/partner-token", partner_token, methods=["POST"])]
