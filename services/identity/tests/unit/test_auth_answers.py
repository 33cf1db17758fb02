"""The `/auth/*` refusals in the request's language (its Accept-Language, else the body's
`language`), each with its code and params (docs/identity.md, docs/contract.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest
from identity.adapters import keys
from identity.domain.people import IdentityRefused, check_password_rules
from identity.entrypoints.routes import ROUTES
from identity.service_layer import invitations
from identity.service_layer.ports import Identity
from plumbing.clock import ManualClock
from plumbing.storage import MemoryStorage
from starlette.applications import Starlette

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def new_identity() -> Identity:
    return Identity(MemoryStorage(), keys.generated(), "studio-identity", 300)


async def _client() -> httpx.AsyncClient:
    identity = new_identity()
    await invitations.add_person(
        identity,
        email="olga@studio.test",
        password=PASSWORD,
        name="Olga",
        language="en",
        studio="north",
        role="OWNER",
        now=NOW,
    )
    app = Starlette(routes=ROUTES)
    app.state.runtime = SimpleNamespace(extras={"identity": identity}, clock=ManualClock(NOW))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity")


WRONG = {"email": "olga@studio.test", "password": "not the password"}


async def test_a_failed_sign_in_is_answered_in_the_callers_language_with_its_code() -> None:
    client = await _client()
    answers = {
        lang: await client.post("/auth/sign-in", json=WRONG, headers={"accept-language": lang})
        for lang in ("es", "it", "en")
    }
    assert {a.status_code for a in answers.values()} == {401}
    assert {a.json()["error"] for a in answers.values()} == {"SIGN_IN_FAILED"}
    assert answers["es"].json()["message"] == "correo electrónico o contraseña incorrectos"
    assert answers["it"].json()["message"] == "indirizzo e-mail o password errati"
    assert answers["en"].json()["message"] == "wrong e-mail address or password"


async def test_throttled_sign_ins_name_the_wait_in_every_language() -> None:
    client = await _client()
    for _ in range(5):
        await client.post("/auth/sign-in", json=WRONG)
    spanish = await client.post("/auth/sign-in", json=WRONG, headers={"accept-language": "es-ES"})
    italian = await client.post("/auth/sign-in", json=WRONG, headers={"accept-language": "it"})
    assert spanish.status_code == italian.status_code == 429
    assert spanish.headers["retry-after"] == "900"
    assert spanish.json()["error"] == "SIGN_IN_THROTTLED"
    assert spanish.json()["params"] == italian.json()["params"] == {"minutes": "15"}
    assert spanish.json()["message"].endswith("dentro de 15 minutos")
    assert italian.json()["message"] == "troppi accessi falliti; riprova tra 15 minuti"


async def test_a_missing_field_is_named_and_the_bodys_language_speaks_without_a_header() -> None:
    client = await _client()
    missing = await client.post(
        "/auth/sign-in", json={"email": "olga@studio.test"}, headers={"accept-language": "it"}
    )
    assert missing.status_code == 400
    assert missing.json() == {
        "error": "BAD_REQUEST",
        "message": "`password` deve essere un testo non vuoto",
        "params": {"field": "password"},
    }
    phone = await client.post(
        "/auth/client/request-code", json={"studio": "north", "phone": "12", "language": "es"}
    )
    assert phone.status_code == 400
    assert phone.json()["error"] == "PHONE_INVALID"
    assert phone.json()["message"] == "un número de teléfono empieza por + y el prefijo del país"
    # Not JSON at all: the common sentence of the code.
    garbled = await client.post(
        "/auth/refresh", content=b"{", headers={"accept-language": "es", "content-type": "json"}
    )
    assert garbled.json()["message"] == "la petición no es válida"


def test_a_too_short_password_names_the_minimum() -> None:
    with pytest.raises(IdentityRefused) as refused:
        check_password_rules("short")
    assert (refused.value.code, refused.value.params) == ("PASSWORD_TOO_SHORT", {"minimum": 12})
