"""Through the gateway: a client signs in to the app with a one-time code (to their own
card and nobody else's), signs up to a LEAD card, or is linked to the card of a verified
e-mail; reports their own app session; an owner's second factor; a password reset; a
bearer value that is no JWT."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from identity.domain import totp
from notifications.sinks import received_mail, received_webhooks
from plumbing.testing import GATEWAY_URL, Graph, eventually, unique_tenant

BASE = GATEWAY_URL.removesuffix("/graphql")
PASSWORD = "a long enough password"
CREATE = """
mutation($i: ClientInput!) { createClient(input: $i) { client { id } userErrors { code } } }"""
ME = "query($id: ID!) { client(id: $id) { id firstName status email } }"
VIEWER = "{ viewer { kind studio roles clientId secondFactor } }"
INVITE = """
mutation($e: String!, $r: Role!) {
  inviteStaff(email: $e, role: $r) { invitation { code } userErrors { code } }
}"""


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=BASE, timeout=30) as client:
        yield client


def address(kind: str = "client") -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}@app.test"


async def auth(http: httpx.AsyncClient, path: str, **body: Any) -> httpx.Response:
    return await http.post(f"/auth/{path}", json=body)


async def mailed_code(to: str, count: int = 1) -> str:
    """The newest code mailed to `to`, once `count` mails have arrived."""
    mails = await eventually(
        lambda: _mails(to), until=lambda found: len(found) >= count, timeout=20
    )
    match = re.search(r"\b(\d{6}|pr\.[\w-]+\.[\w-]+)\b", mails[-1]["body"])
    assert match, mails[-1]["body"]
    return match.group(1)


async def _mails(to: str) -> list[dict[str, Any]]:
    return received_mail(to)


async def searchable(owner: Graph, email: str) -> None:
    """Identity finds a card through the clients search, which follows the cards' events:
    a card made a moment ago is waited for."""
    query = "query($s: String!) { clients(filter: {search: $s}) { edges { node { id } } } }"
    await eventually(
        lambda: owner(query, {"s": email}),
        until=lambda data: len(data["clients"]["edges"]) == 1,
        timeout=20,
    )


async def code_sign_in(
    http: httpx.AsyncClient, studio: str, email: str, **extra: str
) -> httpx.Response:
    asked = await auth(http, "client/request-code", studio=studio, email=email, language="en")
    assert asked.status_code == 202, asked.text
    code = await mailed_code(email, len(received_mail(email)) + 1)
    return await auth(
        http, "client/sign-in", challenge=asked.json()["challenge"], code=code, **extra
    )


async def test_a_client_signs_in_with_a_code_to_their_own_card_and_nobody_elses(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    studio = unique_tenant("app")
    owner = graphs(studio, "OWNER")
    ana, ben = address(), address()
    ids = {}
    for name, mail in (("Ana", ana), ("Ben", ben)):
        made = await owner(CREATE, {"i": {"firstName": name, "lastName": "Card", "email": mail}})
        ids[name] = made["createClient"]["client"]["id"]
        await searchable(owner, mail)

    signed = await code_sign_in(http, studio, ana)
    assert signed.status_code == 200, signed.text
    tokens = signed.json()
    assert (tokens["role"], tokens["client_id"]) == ("CLIENT", ids["Ana"])
    as_ana = graphs(studio, token=tokens["access_token"])
    viewer = (await as_ana(VIEWER))["viewer"]
    assert (viewer["kind"], viewer["clientId"]) == ("CLIENT", ids["Ana"])
    assert (await as_ana(ME, {"id": ids["Ana"]}))["client"]["firstName"] == "Ana"
    # Ben's card stays closed to Ana's token.
    assert (await as_ana.raw(ME, {"id": ids["Ben"]})).get("data", {}).get("client") is None

    # A code asked for Ben's address does not open Ana's challenge, nor the other way.
    asked = await auth(http, "client/request-code", studio=studio, email=ben)
    bens = await mailed_code(ben)
    wrong = await auth(
        http,
        "client/sign-in",
        challenge=asked.json()["challenge"],
        code=f"{(int(bens) + 1) % 10**6:06d}",
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "CODE_INVALID")

    # The app reports its own session (K6 without a partner), for its own card only.
    session = """
    mutation($c: ID!, $at: DateTime!) {
      recordAppEvent(clientId: $c, kind: SESSION_STARTED, occurredAt: $at, platform: IOS) {
        accepted userErrors { code }
      }
    }"""
    at = datetime.now(UTC).isoformat()
    other = await as_ana.raw(session, {"c": ids["Ben"], "at": at})
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # crm takes the fact once it has heard of Ana's card (from the clients' events).
    answer = await eventually(
        lambda: as_ana(session, {"c": ids["Ana"], "at": at}),
        until=lambda data: data["recordAppEvent"]["accepted"],
        timeout=30,
    )
    assert answer["recordAppEvent"]["userErrors"] == []


async def test_an_unknown_address_gets_the_same_answer_and_signs_up_to_a_lead(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    studio = unique_tenant("app")
    newcomer = address("new")
    asked = await auth(http, "client/request-code", studio=studio, email=newcomer)
    assert asked.status_code == 202 and set(asked.json()) == {"challenge", "expires_in"}
    code = await mailed_code(newcomer)
    challenge = asked.json()["challenge"]
    needs_name = await auth(http, "client/sign-in", challenge=challenge, code=code)
    assert (needs_name.status_code, needs_name.json()["error"]) == (409, "SIGN_UP_REQUIRED")
    signed = await auth(
        http, "client/sign-in", challenge=challenge, code=code, first_name="Nora", last_name="Nueva"
    )
    assert signed.status_code == 200, signed.text
    card = await graphs(studio, "OWNER")(ME, {"id": signed.json()["client_id"]})
    assert card["client"]["status"] == "LEAD" and card["client"]["email"] == newcomer


async def test_a_sign_up_with_a_verified_email_already_on_a_card_links_to_it(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    studio = unique_tenant("app")
    mail = address("known")
    owner = graphs(studio, "OWNER")
    made = await owner(CREATE, {"i": {"firstName": "Kim", "lastName": "Known", "email": mail}})
    await searchable(owner, mail)
    signed = await code_sign_in(http, studio, mail, first_name="Someone", last_name="Else")
    assert signed.status_code == 200, signed.text
    assert signed.json()["client_id"] == made["createClient"]["client"]["id"]


async def test_an_owner_with_a_second_factor_signs_in_in_two_steps(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    studio, mail = unique_tenant("mfa"), address("owner")
    invited = await graphs(studio, "OWNER")(INVITE, {"e": mail, "r": "OWNER"})
    tokens = (
        await auth(
            http,
            "accept-invitation",
            code=invited["inviteStaff"]["invitation"]["code"],
            password=PASSWORD,
            name="Olga",
        )
    ).json()
    as_owner = graphs(studio, token=tokens["access_token"])
    started = await as_owner(
        "mutation { startSecondFactorEnrolment { secret otpauthUri userErrors { code } } }"
    )
    secret = started["startSecondFactorEnrolment"]["secret"]
    confirm = "mutation($c: String!) { confirmSecondFactor(code: $c) { enabled recoveryCodes } }"
    now = datetime.now(UTC)
    confirmed = await as_owner(confirm, {"c": totp.code_at(secret, totp.step_of(now))})
    assert confirmed["confirmSecondFactor"]["enabled"]
    assert len(confirmed["confirmSecondFactor"]["recoveryCodes"]) == 10

    first = await auth(http, "sign-in", email=mail, password=PASSWORD)
    assert (first.status_code, first.json()["error"]) == (401, "SECOND_FACTOR_REQUIRED")
    assert "access_token" not in first.json()
    recovery = confirmed["confirmSecondFactor"]["recoveryCodes"][0]
    second = await auth(http, "second-factor", challenge=first.json()["challenge"], code=recovery)
    assert second.status_code == 200, second.text
    viewer = (await graphs(studio, token=second.json()["access_token"])(VIEWER))["viewer"]
    assert viewer["secondFactor"] is True and viewer["roles"] == ["OWNER"]


async def test_a_password_reset_by_mail_ends_the_old_sessions(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    studio, mail = unique_tenant("reset"), address("staff")
    invited = await graphs(studio, "OWNER")(INVITE, {"e": mail, "r": "ADMIN"})
    old = (
        await auth(
            http,
            "accept-invitation",
            code=invited["inviteStaff"]["invitation"]["code"],
            password=PASSWORD,
            name="Ada",
        )
    ).json()
    unknown = await auth(http, "request-password-reset", email=address("nobody"))
    asked = await auth(http, "request-password-reset", email=mail)
    assert unknown.status_code == asked.status_code == 202
    assert unknown.json() == asked.json()
    token = await mailed_code(mail, 2)  # the invitation came first
    reset = await auth(http, "reset-password", token=token, password="another long password")
    assert reset.status_code == 204, reset.text
    refreshed = await auth(http, "refresh", refresh_token=old["refresh_token"])
    assert (refreshed.status_code, refreshed.json()["error"]) == (401, "SESSION_REVOKED")
    again = await auth(http, "sign-in", email=mail, password="another long password")
    assert again.status_code == 200, again.text


async def test_a_client_code_by_sms_goes_to_the_phone_through_the_webhook(
    http: httpx.AsyncClient,
) -> None:
    phone = f"+3460{uuid.uuid4().int % 10**7:07d}"
    asked = await auth(http, "client/request-code", studio=unique_tenant("sms"), phone=phone)
    assert asked.status_code == 202, asked.text
    texts = await eventually(lambda: _texts(phone), until=lambda found: len(found) == 1, timeout=20)
    assert re.search(r"\b\d{6}\b", texts[0]["body"]["body"])


async def _texts(phone: str) -> list[dict[str, Any]]:
    return received_webhooks(phone)


async def test_a_bearer_value_that_is_no_jwt_is_an_invalid_token(
    http: httpx.AsyncClient,
) -> None:
    for value in ("not-a-jwt", "a.b", "x y z", "aaa.bbb.ccc"):
        answer = await http.post(
            "/graphql",
            json={"query": "{ viewer { kind } }"},
            headers={"authorization": f"Bearer {value}"},
        )
        assert answer.status_code == 401, (value, answer.text)
        error = answer.json()["errors"][0]["extensions"]
        assert (error["code"], error["reason"]) == ("UNAUTHENTICATED", "TOKEN_INVALID")
        assert 'error="invalid_token"' in answer.headers["www-authenticate"]
