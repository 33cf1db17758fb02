"""Callers of the sweep with tokens obtained by signing in, not minted: the studio's
tooling (a minted OWNER token, as `studioctl token` gives an operator) invites each staff
person, who accepts through the gateway (`/auth/accept-invitation`); a client signs in to
the app with the one-time code mailed to the e-mail on their card
(`/auth/client/request-code`, `/auth/client/sign-in`). Each is then an ES256 token of the
identity service like any signed-in person. A partner exchanges an API key the studio's
owner created, with every scope (`/auth/partner-token`), as partners do. Access tokens live five minutes and a sweep
runs longer, so each caller refreshes its token (`/auth/refresh`) when it is four minutes
old."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
from notifications.sinks import received_mail
from plumbing.testing import GATEWAY_URL, Graph, eventually

BASE = GATEWAY_URL.removesuffix("/graphql")
PASSWORD = "a sweep password long enough"
REFRESH_AFTER_SECONDS = 240
INVITE = """
mutation($e: String!, $r: Role!) {
  inviteStaff(email: $e, role: $r) { invitation { code } userErrors { code } }
}"""


class SignedIn(Graph):
    def __init__(self, tenant: str, tokens: dict[str, Any]) -> None:
        super().__init__(tenant, [], token=tokens["access_token"])
        self._refresh = str(tokens["refresh_token"])
        self._at = time.monotonic()

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        if time.monotonic() - self._at > REFRESH_AFTER_SECONDS:
            async with httpx.AsyncClient(base_url=BASE, timeout=30) as http:
                answer = await http.post("/auth/refresh", json={"refresh_token": self._refresh})
            answer.raise_for_status()
            tokens = answer.json()
            self.token, self._refresh = tokens["access_token"], tokens["refresh_token"]
            self._at = time.monotonic()
        return await super().post(query, variables)


async def signed_in(tooling: Graph, role: str) -> SignedIn:
    """A new person of `tooling`'s studio in `role`, signed in through the gateway."""
    email = f"sweep-{role.lower()}-{uuid.uuid4().hex[:10]}@staff.test"
    invited = await tooling(INVITE, {"e": email, "r": role})
    code = invited["inviteStaff"]["invitation"]["code"]
    async with httpx.AsyncClient(base_url=BASE, timeout=30) as http:
        answer = await http.post(
            "/auth/accept-invitation", json={"code": code, "password": PASSWORD, "name": role}
        )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    assert tokens["role"] == role and tokens["studio"] == tooling.tenant
    return SignedIn(tooling.tenant, tokens)


async def client_signed_in(tenant: str, email: str) -> SignedIn:
    """The client of `tenant` whose card holds `email`, signed in to the app with the code
    mailed there."""
    async with httpx.AsyncClient(base_url=BASE, timeout=30) as http:
        asked = await http.post(
            "/auth/client/request-code", json={"studio": tenant, "email": email, "language": "en"}
        )
        assert asked.status_code == 202, asked.text
        mails = await eventually(_mails_to(email), until=lambda found: len(found) >= 1, timeout=30)
        code = re.search(r"\b(\d{6})\b", mails[-1]["body"])
        assert code, mails[-1]["body"]
        answer = await http.post(
            "/auth/client/sign-in",
            json={"challenge": asked.json()["challenge"], "code": code.group(1)},
        )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    assert tokens["role"] == "CLIENT" and tokens["studio"] == tenant, tokens
    return SignedIn(tenant, tokens)


def _mails_to(email: str) -> Any:
    async def mails() -> list[dict[str, Any]]:
        return received_mail(email)

    return mails


PARTNER_KEY = """
mutation($n: String!, $s: [PartnerScope!]!) {
  createPartnerKey(name: $n, scopes: $s) { secret userErrors { code } }
}"""
ALL_SCOPES = [
    "CLIENTS_READ", "CLIENTS_WRITE", "INGEST_BOOKINGS", "INGEST_SALES", "INGEST_APP",
    "LOYALTY_REDEEM",
]  # fmt: skip
EXCHANGE_AGAIN_AFTER_SECONDS = 600  # a partner token lives 15 minutes


class Partner(Graph):
    """A partner's token exchanged from its API key, exchanged again before it expires."""

    def __init__(self, tenant: str, key: str, token: str) -> None:
        super().__init__(tenant, [], token=token)
        self._key = key
        self._at = time.monotonic()

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        if time.monotonic() - self._at > EXCHANGE_AGAIN_AFTER_SECONDS:
            self.token = await _exchange(self._key)
            self._at = time.monotonic()
        return await super().post(query, variables)


async def partner_with_key(owner: Graph) -> Partner:
    """A partner of `owner`'s studio holding an API key with every scope."""
    created = (await owner(PARTNER_KEY, {"n": "Sweep partner", "s": ALL_SCOPES}))[
        "createPartnerKey"
    ]
    assert created["userErrors"] == [], created
    key = str(created["secret"])
    return Partner(owner.tenant, key, await _exchange(key))


async def _exchange(key: str) -> str:
    async with httpx.AsyncClient(base_url=BASE, timeout=30) as http:
        answer = await http.post("/auth/partner-token", headers={"authorization": f"ApiKey {key}"})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])
