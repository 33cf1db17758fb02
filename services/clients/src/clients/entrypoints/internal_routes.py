"""`POST /internal/cards-by-contact`: the identity service finds the card a client signs
in to by the contact they just proved (docs/identity.md, "Clients: a one-time code").

Exact, and at once: it reads the contact keys every card claims when it is written
(`email:<address>`, `phone:<E.164>`, the same keys that refuse a second card with the
same contact), not the search, which follows the cards' events and may not know a card
made a second ago. Internal: the gateway passes no `/internal/` path on, the request
must carry the gateway's signature (plumbing.request_guards) and identity's own service
token (`sub` `service:identity`) for the studio asked about.

Body: `{channel: EMAIL | SMS, contact}` -> 200 `{cards: [{id, email, phone}]}` (none or
one: a contact is held by one card at most), 400, 401, 403.
"""

from __future__ import annotations

from plumbing.app import Runtime
from plumbing.internal_calls import identity_call, refuse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clients.adapters.repository import Repository
from clients.domain.model import normalise_email


def contact_key(channel: str, contact: str) -> str | None:
    """The key a card holding `contact` claimed, or None for a contact no card can hold."""
    if channel == "EMAIL":
        email = normalise_email(contact)
        return f"email:{email}" if email else None
    digits = "".join(c for c in contact if c.isdigit())
    if channel != "SMS" or not 6 <= len(digits) <= 15:
        return None
    return f"phone:+{digits}"  # cards keep phones in E.164


async def cards_by_contact(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    call = await identity_call(
        request, ("channel", "contact"), "only the identity service looks cards up by contact"
    )
    if isinstance(call, JSONResponse):
        return call
    principal, body = call.principal, call.body
    key = contact_key(body["channel"], body["contact"])
    if key is None:
        return refuse("not an e-mail address or phone number", "BAD_REQUEST", 400)
    repo = Repository(runtime.db, principal.tenant, runtime.outbox)
    # Read only: a claim whose card is not written yet (being created this moment) or was
    # erased finds nothing, and is left for the writers to settle.
    claim = await repo.keys.get(key)
    card = None if claim is None else await repo.clients.get(str(claim["client_id"]))
    if card is None or card.get("erased"):
        return JSONResponse({"cards": []})
    found = {"id": str(card["id"]), "email": card.get("email"), "phone": card.get("phone")}
    return JSONResponse({"cards": [found]})


ROUTES = [Route("/internal/cards-by-contact", cards_by_contact, methods=["POST"])]
