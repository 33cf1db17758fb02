"""`POST /internal/security-messages`: identity's sign-in codes, password resets and
staff invitations.

Internal: the gateway passes no such path on, and the API answers only requests signed
with the gateway's secret (plumbing.request_guards), which identity holds like every
subgraph. The bearer token must be identity's own service token (`sub`
`service:identity`, docs/identity.md). The message goes out at once, through the same
transports and retries as every message (adapters/delivery.py): a code that arrives a
minute late is useless, so it does not wait for the outbox and the consumer.

Body: `{purpose: CLIENT_SIGN_IN | PASSWORD_RESET | STAFF_INVITATION, channel: EMAIL |
SMS, to, language, code}` -> 202 `{sent: true}`, 502 `DELIVERY_FAILED`, 400, 401, 403.
An empty `language` means the studio's (from its settings), else English: an invitation
to someone identity does not know yet. For an invitation `code` is the link to accept.
"""

from __future__ import annotations

import secrets

import structlog
from plumbing.app import Runtime
from plumbing.internal_calls import identity_call, refuse
from plumbing.studio import studio_settings
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notifications.adapters.delivery import Outgoing, deliver, transports
from notifications.config import Settings
from notifications.domain.security_texts import PURPOSES, security_text

log = structlog.get_logger()

# A code, a reset token, or an invitation's link (the console's address and the code).
MAX_CODE = 1000


async def security_message(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    fields = ("purpose", "channel", "to", "language", "code")
    call = await identity_call(request, fields, "only the identity service sends security messages")
    if isinstance(call, JSONResponse):
        return call
    principal, body = call.principal, call.body
    if body["purpose"] not in PURPOSES or body["channel"] not in ("EMAIL", "SMS"):
        return refuse("unknown purpose or channel", "BAD_REQUEST", 400)
    if not body["to"].strip() or len(body["to"]) > 254 or len(body["code"]) > MAX_CODE:
        return refuse("bad address or code", "BAD_REQUEST", 400)
    settings = runtime.settings if isinstance(runtime.settings, Settings) else Settings()
    language = body["language"].strip()
    studio_name = principal.tenant
    if not language or body["purpose"] == "STAFF_INVITATION":
        studio = await studio_settings(runtime.db, principal.tenant)
        language = language or studio.language or "en"
        studio_name = studio.name or principal.tenant
    subject, text = security_text(body["purpose"], language, body["code"], studio=studio_name)
    message = Outgoing(
        message_id=f"{principal.tenant}:security-{secrets.token_hex(8)}|{body['channel']}",
        tenant=principal.tenant,
        client_id="",
        channel=body["channel"],
        to=body["to"].strip(),
        subject=subject,
        body=text,
        template_key=body["purpose"].lower(),
    )
    outcome = await deliver(
        transports(settings),
        message,
        attempts=settings.delivery_attempts,
        backoff_seconds=settings.delivery_backoff_seconds,
    )
    # The text holds a live secret: only the fact is logged, never the text or the code.
    log.info(
        "security_message",
        tenant=principal.tenant,
        purpose=body["purpose"],
        channel=body["channel"],
        sent=outcome.sent,
        attempts=outcome.attempts,
        error=outcome.error,
    )
    if not outcome.sent:
        return refuse(outcome.error or "not delivered", "DELIVERY_FAILED", 502)
    return JSONResponse({"sent": True}, status_code=202)


ROUTES = [Route("/internal/security-messages", security_message, methods=["POST"])]
