"""identity's security messages: the texts, and the internal route that mails them (to an
SMTP sink of the test's own), only for identity's service token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from aiosmtpd.controller import Controller
from notifications.config import Settings
from notifications.domain.security_texts import security_text
from notifications.entrypoints.security_messages import ROUTES
from notifications.sinks import MailStore, received_mail
from plumbing.auth import TokenVerifier, mint_token
from starlette.applications import Starlette

SECRET = "a test secret of at least thirty-two characters"
SMTP_PORT = 4544


def test_texts_speak_the_language_and_carry_the_code() -> None:
    assert security_text("CLIENT_SIGN_IN", "es-ES", "123456") == (
        "Tu código de acceso",
        "Tu código es 123456. Vale 10 minutos. Si no lo has pedido, ignora este mensaje.",
    )
    subject, body = security_text("PASSWORD_RESET", "de", "pr.x.y")
    assert subject == "Reset your password" and "pr.x.y ." in body


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[Path]:
    controller = Controller(MailStore(tmp_path), hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        yield tmp_path
    finally:
        controller.stop()


def app() -> Starlette:
    settings = Settings(
        jwt_secret=SECRET, smtp_port=SMTP_PORT, delivery_attempts=1, kafka_bootstrap=""
    )
    starlette = Starlette(routes=ROUTES)
    starlette.state.runtime = SimpleNamespace(settings=settings, verifier=TokenVerifier(settings))
    return starlette


async def post(token: str | None, body: object) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://notifications") as http:
        return await http.post("/internal/security-messages", json=body, headers=headers)


CODE = {
    "purpose": "CLIENT_SIGN_IN",
    "channel": "EMAIL",
    "to": "ana@mail.test",
    "language": "it",
    "code": "424242",
}


async def test_identity_s_token_mails_the_code_and_nobody_else_s_does(mailbox: Path) -> None:
    identity = mint_token(SECRET, tenant="north", roles=["ADMIN"], subject="service:identity")
    owner = mint_token(SECRET, tenant="north", roles=["OWNER"], subject="p-1")
    assert (await post(None, CODE)).status_code == 401
    assert (await post(owner, CODE)).json()["error"] == "FORBIDDEN"
    assert (await post(identity, {**CODE, "purpose": "MARKETING"})).status_code == 400
    sent = await post(identity, CODE)
    assert (sent.status_code, sent.json()) == (202, {"sent": True})
    mails = received_mail("ana@mail.test", mailbox)
    assert [(m["subject"], m["body"].strip()) for m in mails] == [
        (
            "Il tuo codice di accesso",
            "Il tuo codice è 424242. Vale 10 minuti. Se non l'hai chiesto, ignora questo "
            "messaggio.",
        )
    ]
