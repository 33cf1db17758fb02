"""`POST /internal/cards-by-contact`: identity finds a card by the exact contact a client
proved, from the contact keys (no search lag), and nobody else may ask."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest
from clients.adapters.repository import Repository
from clients.domain.model import ClientSource, ClientStatus
from clients.entrypoints.internal_routes import ROUTES
from clients.service_layer.cards import Actor, new_card
from plumbing.auth import TokenVerifier, mint_token
from plumbing.mongo import Doc
from plumbing.outbox import Outbox
from plumbing.settings import ServiceSettings
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase
from starlette.applications import Starlette

SECRET = "a test secret of at least thirty-two characters"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("clients_contact") as scratch:
        yield scratch


async def test_a_card_is_found_by_its_exact_contact_the_moment_it_is_written(
    db: AsyncDatabase[Doc],
) -> None:
    repo = Repository(db, "north", Outbox(db))
    values = {"first_name": "Ana", "last_name": "App", "email": "ana@mail.test"}
    values["phone"] = "+34600111222"
    doc, _ = new_card(
        values, "c-ana", source=ClientSource.APP, actor=Actor("service:identity"), now=NOW
    )
    assert doc["status"] == ClientStatus.LEAD  # a sign-up in the app is a lead (C1)
    for kind in ("email", "phone"):
        assert await repo.claim_key(kind, values[kind], "c-ana") is None
    await repo.clients.insert({"_id": "c-ana", **doc})

    settings = ServiceSettings(jwt_secret=SECRET, kafka_bootstrap="")
    app = Starlette(routes=ROUTES)
    app.state.runtime = SimpleNamespace(
        settings=settings, verifier=TokenVerifier(settings), db=db, outbox=Outbox(db)
    )

    async def ask(token: str, body: object) -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://clients"
        ) as http:
            return await http.post(
                "/internal/cards-by-contact",
                json=body,
                headers={"authorization": f"Bearer {token}"},
            )

    identity = mint_token(SECRET, tenant="north", roles=["ADMIN"], subject="service:identity")
    ana = {"id": "c-ana", "email": "ana@mail.test", "phone": "+34600111222"}
    found = await ask(identity, {"channel": "EMAIL", "contact": " Ana@Mail.test"})
    assert (found.status_code, found.json()) == (200, {"cards": [ana]})
    by_phone = await ask(identity, {"channel": "SMS", "contact": "+34 600 111 222"})
    assert by_phone.json() == {"cards": [ana]}
    # Only the exact contact, only this studio.
    assert (await ask(identity, {"channel": "EMAIL", "contact": "ana@mail.tes"})).json() == {
        "cards": []
    }
    south = mint_token(SECRET, tenant="south", roles=["ADMIN"], subject="service:identity")
    assert (await ask(south, {"channel": "EMAIL", "contact": "ana@mail.test"})).json() == {
        "cards": []
    }
    owner = mint_token(SECRET, tenant="north", roles=["OWNER"], subject="p-1")
    refused = await ask(owner, {"channel": "EMAIL", "contact": "ana@mail.test"})
    assert (refused.status_code, refused.json()["error"]) == (403, "FORBIDDEN")
    bad = await ask(identity, {"channel": "EMAIL", "contact": "not an address"})
    assert (bad.status_code, bad.json()["error"]) == (400, "BAD_REQUEST")
    assert (await ask("nonsense", {})).status_code == 401
