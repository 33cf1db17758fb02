"""How identity calls the clients subgraph and notifications: signed as the gateway
signs, with its own short service token, and only exact holders of a contact count."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt
import pytest
from identity.adapters import keys
from identity.adapters.services import ServiceCalls
from identity.domain.people import IdentityRefused
from plumbing.auth import SIGNATURE_HEADER, SignatureVerifier

SECRET = "gateway signing secret for the test, long enough"


def calls(
    answer: dict[str, Any], seen: list[httpx.Request]
) -> tuple[ServiceCalls, keys.SigningKeys]:
    signing = keys.generated()

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    return (
        ServiceCalls(
            signing,
            issuer="studio-identity",
            clients_url="http://clients:4101/graphql",
            notifications_url="http://notifications:4105/graphql",
            signing_secret=SECRET,
            transport=httpx.MockTransport(handle),
        ),
        signing,
    )


async def test_a_card_is_found_only_by_its_exact_contact_through_a_signed_call() -> None:
    seen: list[httpx.Request] = []
    nodes = [
        {"id": "ana", "email": "ana@mail.test", "phone": "+34600111222"},
        {"id": "anabel", "email": "anabel.ana@mail.test.es", "phone": None},
    ]
    # The route answers exact holders; a stray one is still not taken.
    service, signing = calls({"cards": nodes}, seen)
    found = await service.holding("north", "EMAIL", "ana@mail.test")
    assert [c.id for c in found] == ["ana"]
    by_phone = await service.holding("north", "SMS", "+34 600 111 222".replace(" ", ""))
    assert [c.id for c in by_phone] == ["ana"]
    request = seen[0]
    # The subgraph's own check of the gateway's signature passes.
    SignatureVerifier(SECRET).verify(
        request.headers[SIGNATURE_HEADER],
        method="POST",
        target="/internal/cards-by-contact",
        authorization=request.headers["authorization"],
        body=request.content,
    )
    token = request.headers["authorization"].removeprefix("Bearer ")
    public = jwt.PyJWK(signing.jwks()["keys"][0]).key
    claims = jwt.decode(token, public, algorithms=["ES256"])
    assert (claims["sub"], claims["tenant"], claims["roles"]) == (
        "service:identity",
        "north",
        ["ADMIN"],
    )
    assert claims["exp"] - claims["iat"] == 60
    assert str(request.url) == "http://clients:4101/internal/cards-by-contact"
    assert json.loads(request.content) == {"channel": "EMAIL", "contact": "ana@mail.test"}
    assert json.loads(seen[1].content) == {"channel": "SMS", "contact": "+34600111222"}


async def test_a_refused_lead_and_an_unreachable_studio_are_coded() -> None:
    seen: list[httpx.Request] = []
    refused = {
        "data": {
            "createClient": {
                "client": None,
                "userErrors": [{"code": "DUPLICATE_CLIENT", "message": "taken"}],
            }
        }
    }
    service, _ = calls(refused, seen)
    with pytest.raises(IdentityRefused) as lead:
        await service.create_lead(
            "north",
            channel="EMAIL",
            contact="a@b.test",
            first_name="A",
            last_name="B",
            language=None,
        )
    assert lead.value.code == "SIGN_UP_REFUSED"
    assert "source: APP" in json.loads(seen[-1].content)["query"]
    broken, _ = calls({"errors": [{"message": "boom"}]}, seen)
    with pytest.raises(IdentityRefused) as down:
        await broken.holding("north", "EMAIL", "a@b.test")
    assert down.value.code == "UNAVAILABLE"
    await service.send_code(
        "north", purpose="CLIENT_SIGN_IN", channel="EMAIL", to="a@b.test", language="en", code="1"
    )
    assert str(seen[-1].url) == "http://notifications:4105/internal/security-messages"
