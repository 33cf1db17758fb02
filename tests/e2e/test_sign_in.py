"""Staff sign-in through the gateway: invite, accept, sign in, act with the role, switch
studio, sign out; refresh rotation and reuse; refused tokens; throttling."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from plumbing.auth import mint_token
from plumbing.testing import GATEWAY_URL, Graph, jwt_secret, unique_tenant

BASE = GATEWAY_URL.removesuffix("/graphql")
PASSWORD = "a long enough password"

VIEWER = "{ viewer { id kind studio roles permissions studios { studio role } } }"
INVITE = """
mutation($e: String!, $r: Role!) {
  inviteStaff(email: $e, role: $r) { invitation { code role } userErrors { code field } }
}"""


def email() -> str:
    return f"{uuid.uuid4().hex[:10]}@staff.test"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=BASE, timeout=30) as client:
        yield client


async def auth(http: httpx.AsyncClient, path: str, **body: Any) -> httpx.Response:
    return await http.post(f"/auth/{path}", json=body)


async def invited(inviter: Graph, address: str, role: str) -> str:
    code: str = (await inviter(INVITE, {"e": address, "r": role}))["inviteStaff"]["invitation"][
        "code"
    ]
    return code


async def accepted(http: httpx.AsyncClient, code: str) -> dict[str, Any]:
    answer = await auth(http, "accept-invitation", code=code, password=PASSWORD, name="Staff")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_invite_accept_sign_in_act_switch_and_sign_out(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    north, south = unique_tenant(), unique_tenant()
    alice, bob = email(), email()
    # The studio's first owner is invited with a token of the studio's own tooling.
    await accepted(http, await invited(graphs(north, "OWNER"), alice, "OWNER"))
    signed_in = await auth(http, "sign-in", email=alice, password=PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    assert (tokens["studio"], tokens["role"], tokens["expires_in"]) == (north, "OWNER", 300)
    as_alice = graphs(north, token=tokens["access_token"])
    viewer = (await as_alice(VIEWER))["viewer"]
    assert viewer["kind"] == "STAFF" and viewer["studios"] == [{"studio": north, "role": "OWNER"}]
    assert "staff:invite" in viewer["permissions"]

    # Alice, signed in, invites Bob as an operator; an operator may not invite.
    await accepted(http, await invited(as_alice, bob, "OPERATOR"))
    bob_tokens = (await auth(http, "sign-in", email=bob, password=PASSWORD)).json()
    as_bob = graphs(north, token=bob_tokens["access_token"])
    assert "staff:invite" not in (await as_bob(VIEWER))["viewer"]["permissions"]
    refused = await as_bob.raw(INVITE, {"e": email(), "r": "OPERATOR"})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Another studio invites Alice as an admin; she switches to it without signing in.
    await accepted(http, await invited(graphs(south, "OWNER"), alice, "ADMIN"))
    switched = await auth(http, "refresh", refresh_token=tokens["refresh_token"], studio=south)
    assert switched.status_code == 200, switched.text
    in_south = (await graphs(south, token=switched.json()["access_token"])(VIEWER))["viewer"]
    assert (in_south["studio"], in_south["roles"]) == (south, ["ADMIN"])
    assert {s["studio"] for s in in_south["studios"]} == {north, south}

    # Signing out ends the session: its refresh token is refused at once.
    out = await auth(http, "sign-out", refresh_token=switched.json()["refresh_token"])
    assert out.status_code == 204
    after = await auth(http, "refresh", refresh_token=switched.json()["refresh_token"])
    assert (after.status_code, after.json()["error"]) == (401, "SESSION_REVOKED")
    assert after.headers["www-authenticate"].startswith("Bearer")

    trail = await as_alice("{ auditTrail { action email } }")
    actions = {entry["action"] for entry in trail["auditTrail"]}
    assert {"staff_invited", "invitation_accepted", "signed_in"} <= actions


async def test_a_reused_refresh_token_revokes_the_session(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    address = email()
    first = await accepted(http, await invited(graphs(unique_tenant(), "OWNER"), address, "ADMIN"))
    second = await auth(http, "refresh", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    reused = await auth(http, "refresh", refresh_token=first["refresh_token"])
    assert (reused.status_code, reused.json()["error"]) == (401, "REFRESH_TOKEN_REUSED")
    # The thief and the rightful holder both lose the session.
    newer = await auth(http, "refresh", refresh_token=second.json()["refresh_token"])
    assert (newer.status_code, newer.json()["error"]) == (401, "SESSION_REVOKED")


async def test_sign_out_everywhere_stops_every_session_at_refresh(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    tenant, address = unique_tenant(), email()
    first = await accepted(http, await invited(graphs(tenant, "OWNER"), address, "OPERATOR"))
    other = (await auth(http, "sign-in", email=address, password=PASSWORD)).json()
    await graphs(tenant, token=other["access_token"])(
        "mutation { signOutEverywhere { signedOut } }"
    )
    for session in (first, other):
        again = await auth(http, "refresh", refresh_token=session["refresh_token"])
        assert (again.status_code, again.json()["error"]) == (401, "SESSION_REVOKED")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "TOKEN_MISSING"),
        ("forged", "TOKEN_INVALID"),
        ("expired", "TOKEN_EXPIRED"),
    ],
)
async def test_refused_tokens_say_why(
    http: httpx.AsyncClient, token: str | None, reason: str
) -> None:
    if token == "expired":
        token = mint_token(jwt_secret(), tenant="north", roles=["OWNER"], ttl_seconds=-60)
    if token == "forged":
        token = mint_token("a secret nobody here holds 0123456789", tenant="north", roles=["OWNER"])
    headers = {"authorization": f"Bearer {token}"} if token else {}
    answer = await http.post("/graphql", json={"query": VIEWER}, headers=headers)
    assert answer.status_code == 401
    error = answer.json()["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["reason"]) == (
        "UNAUTHENTICATED",
        reason,
    )
    assert answer.headers["www-authenticate"].startswith('Bearer realm="studio"')


async def test_wrong_passwords_are_throttled_per_account(
    http: httpx.AsyncClient, graphs: Callable[..., Graph]
) -> None:
    address = email()
    await accepted(http, await invited(graphs(unique_tenant(), "OWNER"), address, "OPERATOR"))
    for _ in range(5):
        wrong = await auth(http, "sign-in", email=address, password="not the password")
        assert (wrong.status_code, wrong.json()["error"]) == (401, "SIGN_IN_FAILED")
    right = await auth(http, "sign-in", email=address, password=PASSWORD)
    assert (right.status_code, right.json()["error"]) == (429, "SIGN_IN_THROTTLED")
    assert right.headers["retry-after"]
