"""`POST /internal/ended-sessions`: which of these sessions have ended (signed out,
signed out everywhere, revoked for reuse), for the subgraphs that end the live
subscriptions of their tokens (docs/live-updates.md).

Internal: the gateway passes no such path on, and the API answers only requests signed
with the gateway's secret (plumbing.request_guards), which every subgraph holds; no bearer
token is asked, the caller is a process of the platform, not a person.

Body: `{sessions: [sid, …]}` (at most 1,000) -> 200 `{ended: [sid, …]}`, 400 `BAD_REQUEST`.
"""

from __future__ import annotations

from typing import Any

from plumbing.app import Runtime
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from identity.service_layer.ports import Identity
from identity.service_layer.revocations import MAX_SESSIONS, ended_sessions

PATH = "/internal/ended-sessions"


async def ended(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        body: Any = await request.json()
    except ValueError:
        body = None
    sessions = body.get("sessions") if isinstance(body, dict) else None
    if (
        not isinstance(sessions, list)
        or len(sessions) > MAX_SESSIONS
        or not all(isinstance(sid, str) and 0 < len(sid) <= 100 for sid in sessions)
    ):
        message = f"send {{sessions: [...]}}, at most {MAX_SESSIONS} session ids"
        return JSONResponse({"error": "BAD_REQUEST", "message": message}, status_code=400)
    identity: Identity = runtime.extras["identity"]
    return JSONResponse({"ended": await ended_sessions(identity, sessions)})


ROUTES = [Route(PATH, ended, methods=["POST"])]
