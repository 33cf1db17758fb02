"""Through the gateway: a client's viewer leads to their card; their app registers its push device for their own card and
nobody else's, a PUSH message reaches the registered device, signing out removes it; a
card made a second ago is found at once by the code sign-in; an invited person gets the
invitation by e-mail and accepts with its link."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from notifications.sinks import received_mail, received_webhooks
from plumbing.testing import Graph, eventually, unique_tenant

from tests.e2e.test_app_sign_in import (
    BASE,
    CREATE,
    INVITE,
    PASSWORD,
    address,
    auth,
    code_sign_in,
)

REGISTER = """
mutation($c: ID!, $t: String!, $p: AppPlatform!) {
  registerDevice(clientId: $c, token: $t, platform: $p) {
    devices { token platform } client { id } userErrors { code }
  }
}"""
UNREGISTER = """
mutation($c: ID!, $t: String!) {
  unregisterDevice(clientId: $c, token: $t) { devices { token } userErrors { code } }
}"""
SEND = """
mutation($c: ID!) {
  sendClientMessage(clientId: $c, templateKey: "points_balance", channel: PUSH) {
    accepted userErrors { code }
  }
}"""


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=BASE, timeout=30) as client:
        yield client


def _code(answer: dict[str, Any]) -> str:
    return str(answer["errors"][0]["extensions"]["code"])


async def test_a_client_s_app_registers_its_device_and_push_reaches_it(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    studio = unique_tenant("push")
    owner = graphs(studio, "OWNER")
    ana, ben = address(), address()
    ids = {}
    for name, mail in (("Ana", ana), ("Ben", ben)):
        made = await owner(CREATE, {"i": {"firstName": name, "lastName": "Push", "email": mail}})
        ids[name] = made["createClient"]["client"]["id"]

    # Found at once by the exact contact, without waiting for the search to follow.
    signed = await code_sign_in(http, studio, ana)
    assert signed.status_code == 200, signed.text
    assert signed.json()["client_id"] == ids["Ana"]
    as_ana = graphs(studio, token=signed.json()["access_token"])
    # The client's viewer leads to their card, joined by the gateway.
    viewer = await as_ana("{ viewer { kind client { id firstName } } }")
    assert viewer["viewer"] == {"kind": "CLIENT", "client": {"id": ids["Ana"], "firstName": "Ana"}}

    token = f"apns-{uuid.uuid4().hex}"
    registered = await as_ana(REGISTER, {"c": ids["Ana"], "t": token, "p": "IOS"})
    assert registered["registerDevice"] == {
        "devices": [{"token": token, "platform": "IOS"}],
        "client": {"id": ids["Ana"]},
        "userErrors": [],
    }
    # Another client's card, and anyone but the client, are refused.
    assert _code(await as_ana.raw(REGISTER, {"c": ids["Ben"], "t": token, "p": "IOS"})) == (
        "FORBIDDEN"
    )
    assert _code(await owner.raw(REGISTER, {"c": ids["Ana"], "t": token, "p": "IOS"})) == (
        "FORBIDDEN"
    )
    bad = await as_ana(REGISTER, {"c": ids["Ana"], "t": "two words", "p": "IOS"})
    assert bad["registerDevice"]["userErrors"] == [{"code": "INVALID_PUSH_TOKEN"}]

    # A PUSH message goes to the registered device (notifications knows Ana's card from
    # the clients' events, so the request may need a moment to be accepted).
    sent = await eventually(
        lambda: owner(SEND, {"c": ids["Ana"]}),
        until=lambda data: data["sendClientMessage"]["accepted"],
        timeout=30,
    )
    assert sent["sendClientMessage"]["userErrors"] == []
    hooks = await eventually(
        lambda: asyncio.to_thread(received_webhooks, ids["Ana"]),
        until=lambda found: len(found) >= 1,
        timeout=30,
    )
    body = hooks[-1]["body"]
    assert body["channel"] == "PUSH"
    assert body["devices"] == [{"token": token, "platform": "IOS"}]

    # Signing out of the app removes the device.
    removed = await as_ana(UNREGISTER, {"c": ids["Ana"], "t": token})
    assert removed["unregisterDevice"] == {"devices": [], "userErrors": []}


async def test_an_invitation_is_mailed_and_accepted_with_its_link(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    studio, mail = unique_tenant("invite"), address("staff")
    invited = await graphs(studio, "OWNER")(INVITE, {"e": mail, "r": "OPERATOR"})
    assert invited["inviteStaff"]["userErrors"] == []
    mails = await eventually(
        lambda: asyncio.to_thread(received_mail, mail),
        until=lambda found: len(found) >= 1,
        timeout=30,
    )
    link = next(w for w in mails[-1]["body"].split() if "/accept-invitation#code=" in w)
    code = urlsplit(link).fragment.removeprefix("code=")
    assert code == invited["inviteStaff"]["invitation"]["code"]
    accepted = await auth(http, "accept-invitation", code=code, password=PASSWORD, name="Ines")
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["studio"], accepted.json()["role"]) == (studio, "OPERATOR")
