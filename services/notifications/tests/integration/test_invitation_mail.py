"""A staff invitation mailed for identity: in the language identity names, or, for an
invitee it does not know yet, in the studio's (from its settings), with the studio's
name and the link to accept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from aiosmtpd.controller import Controller
from notifications.config import Settings
from notifications.entrypoints.security_messages import ROUTES
from notifications.sinks import MailStore, received_mail
from plumbing.auth import TokenVerifier, mint_token
from plumbing.mongo import Doc
from plumbing.studio import STUDIO_SETTINGS
from plumbing.testing import scratch_database
from pymongo.asynchronous.database import AsyncDatabase
from starlette.applications import Starlette

SECRET = "a test secret of at least thirty-two characters"
SMTP_PORT = 4543
LINK = "https://console.studio.test/accept-invitation#code=inv.north.abc.def"


@pytest.fixture
async def db() -> AsyncIterator[AsyncDatabase[Doc]]:
    async with scratch_database("notifications_invite") as scratch:
        yield scratch


async def test_an_invitation_speaks_the_studio_s_language_unless_identity_names_one(
    db: AsyncDatabase[Doc], tmp_path: Path
) -> None:
    await db[STUDIO_SETTINGS].insert_one(
        {
            "_id": "north",
            "name": "Palestra Luna",
            "time_zone": "Europe/Rome",
            "currency": "EUR",
            "language": "it",
        }
    )
    settings = Settings(
        jwt_secret=SECRET, smtp_port=SMTP_PORT, delivery_attempts=1, kafka_bootstrap=""
    )
    app = Starlette(routes=ROUTES)
    app.state.runtime = SimpleNamespace(settings=settings, verifier=TokenVerifier(settings), db=db)
    token = mint_token(SECRET, tenant="north", roles=["ADMIN"], subject="service:identity")
    controller = Controller(MailStore(tmp_path), hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://notifications"
        ) as http:
            for to, language in (("new@studio.test", ""), ("ivan@studio.test", "es")):
                sent = await http.post(
                    "/internal/security-messages",
                    headers={"authorization": f"Bearer {token}"},
                    json={
                        "purpose": "STAFF_INVITATION",
                        "channel": "EMAIL",
                        "to": to,
                        "language": language,
                        "code": LINK,
                    },
                )
                assert (sent.status_code, sent.json()) == (202, {"sent": True})
    finally:
        controller.stop()
    [new] = received_mail("new@studio.test", tmp_path)
    assert new["subject"] == "Sei invitato a Palestra Luna"
    assert LINK in new["body"] and "7 giorni" in new["body"]
    [ivan] = received_mail("ivan@studio.test", tmp_path)
    assert ivan["subject"] == "Te invitan a Palestra Luna" and LINK in ivan["body"]
