"""Identity's use cases on the in-memory storage: invite, accept, sign in, switch studio,
rotate and reuse refresh tokens, sign out, throttle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from identity.adapters import keys
from identity.domain.people import IdentityRefused
from identity.service_layer import audit, invitations, revocations, sessions
from identity.service_layer.ports import Identity
from identity.testing import FakeMessenger
from plumbing.storage import MemoryStorage

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def new_identity() -> Identity:
    return Identity(
        MemoryStorage(), keys.generated(), "studio-identity", 300, messenger=FakeMessenger()
    )


def claims(identity: Identity, token: str) -> dict[str, object]:
    public = jwt.PyJWK(identity.keys.jwks()["keys"][0]).key
    decoded: dict[str, object] = jwt.decode(
        token, public, algorithms=["ES256"], options={"verify_exp": False}
    )
    return decoded


async def owner_and_operator(identity: Identity) -> tuple[str, str]:
    owner = await invitations.add_person(
        identity,
        email="Owner@Studio.test",
        password=PASSWORD,
        name="Olga",
        language="en",
        studio="north",
        role="OWNER",
        now=NOW,
    )
    invited = await invitations.invite(
        identity,
        studio="north",
        inviter=owner.id,
        inviter_role="OWNER",
        email="ivan@studio.test",
        role="OPERATOR",
        now=NOW,
    )
    tokens = await invitations.accept(
        identity, code=invited.code, password=PASSWORD, name="Ivan", language="ru", now=NOW
    )
    return owner.id, tokens.refresh_token


async def test_an_invited_operator_signs_in_with_the_role_of_the_invitation() -> None:
    identity = new_identity()
    await owner_and_operator(identity)
    tokens = await sessions.sign_in(
        identity,
        email="ivan@studio.test",
        password=PASSWORD,
        address="10.0.0.1",
        studio=None,
        now=NOW,
    )
    got = claims(identity, tokens.access_token)
    assert (got["tenant"], got["roles"], got["exp"]) == (
        "north",
        ["OPERATOR"],
        int(NOW.timestamp()) + 300,
    )
    actions = [
        e["action"]
        for e in await audit.trail(
            identity.storage, "north", since=NOW - timedelta(days=1), limit=50
        )
    ]
    assert sorted(actions) == ["invitation_accepted", "signed_in", "staff_invited"]


async def test_an_invitation_is_mailed_with_its_link_in_the_invitee_s_language() -> None:
    messenger = FakeMessenger()
    identity = Identity(
        MemoryStorage(),
        keys.generated(),
        "studio-identity",
        300,
        messenger=messenger,
        console_url="https://console.studio.test/",
    )
    owner_id, _ = await owner_and_operator(identity)
    new = await invitations.invite(
        identity,
        studio="south",
        inviter=owner_id,
        inviter_role="OWNER",
        email="New@Studio.test",
        role="ADMIN",
        now=NOW,
    )
    known = await invitations.invite(
        identity,
        studio="south",
        inviter=owner_id,
        inviter_role="OWNER",
        email="ivan@studio.test",  # signs in for "north" already, in Russian
        role="OPERATOR",
        now=NOW,
    )
    invitations_sent = [m for m in messenger.sent if m["purpose"] == "STAFF_INVITATION"]
    assert [(m["studio"], m["to"], m["channel"], m["language"]) for m in invitations_sent] == [
        ("north", "ivan@studio.test", "EMAIL", ""),
        ("south", "new@studio.test", "EMAIL", ""),  # unknown: the studio's language
        ("south", "ivan@studio.test", "EMAIL", "ru"),
    ]
    link = "https://console.studio.test/accept-invitation#code="
    assert invitations_sent[1]["code"] == link + new.code
    assert invitations_sent[2]["code"] == link + known.code


async def test_an_invitation_is_accepted_once_and_an_admin_cannot_invite_an_owner() -> None:
    identity = new_identity()
    invited = await invitations.invite(
        identity,
        studio="north",
        inviter="p-1",
        inviter_role="OWNER",
        email="a@studio.test",
        role="ADMIN",
        now=NOW,
    )
    await invitations.accept(
        identity, code=invited.code, password=PASSWORD, name="A", language="en", now=NOW
    )
    with pytest.raises(IdentityRefused) as again:
        await invitations.accept(
            identity, code=invited.code, password=PASSWORD, name="A", language="en", now=NOW
        )
    assert again.value.code == "INVITATION_USED"
    with pytest.raises(IdentityRefused) as forbidden:
        await invitations.invite(
            identity,
            studio="north",
            inviter="p-2",
            inviter_role="ADMIN",
            email="b@studio.test",
            role="OWNER",
            now=NOW,
        )
    assert forbidden.value.code == "FORBIDDEN"


async def test_refresh_rotates_and_a_reused_token_revokes_the_session() -> None:
    identity = new_identity()
    _, first = await owner_and_operator(identity)
    second = await sessions.refresh(identity, refresh_token=first, studio=None, now=NOW)
    assert second.refresh_token != first
    with pytest.raises(IdentityRefused) as reused:
        await sessions.refresh(identity, refresh_token=first, studio=None, now=NOW)
    assert reused.value.code == "REFRESH_TOKEN_REUSED"
    # The legitimate holder's newer token dies with the session.
    with pytest.raises(IdentityRefused) as revoked:
        await sessions.refresh(identity, refresh_token=second.refresh_token, studio=None, now=NOW)
    assert revoked.value.code == "SESSION_REVOKED"


async def test_a_person_of_two_studios_switches_without_signing_in_again() -> None:
    identity = new_identity()
    owner_id, _ = await owner_and_operator(identity)
    await invitations.add_person(
        identity,
        email="owner@studio.test",
        password=PASSWORD,
        name="Olga",
        language="en",
        studio="south",
        role="ADMIN",
        now=NOW,
    )
    tokens = await sessions.sign_in(
        identity,
        email="owner@studio.test",
        password=PASSWORD,
        address="10.0.0.1",
        studio="north",
        now=NOW,
    )
    switched = await sessions.refresh(
        identity, refresh_token=tokens.refresh_token, studio="south", now=NOW
    )
    assert claims(identity, switched.access_token)["tenant"] == "south"
    assert claims(identity, switched.access_token)["roles"] == ["ADMIN"]
    with pytest.raises(IdentityRefused) as elsewhere:
        await sessions.refresh(
            identity, refresh_token=switched.refresh_token, studio="west", now=NOW
        )
    assert elsewhere.value.code == "STUDIO_NOT_ALLOWED"
    assert owner_id


async def test_sign_out_and_sign_out_everywhere_stop_refresh_at_once() -> None:
    identity = new_identity()
    owner_id, refresh_token = await owner_and_operator(identity)
    await sessions.sign_out(identity, refresh_token=refresh_token, now=NOW)
    with pytest.raises(IdentityRefused) as out:
        await sessions.refresh(identity, refresh_token=refresh_token, studio=None, now=NOW)
    assert out.value.code == "SESSION_REVOKED"
    tokens = await sessions.sign_in(
        identity,
        email="owner@studio.test",
        password=PASSWORD,
        address="10.0.0.1",
        studio=None,
        now=NOW,
    )
    await sessions.sign_out_everywhere(
        identity, person=owner_id, studio="north", by=owner_id, now=NOW
    )
    with pytest.raises(IdentityRefused) as everywhere:
        await sessions.refresh(identity, refresh_token=tokens.refresh_token, studio=None, now=NOW)
    assert everywhere.value.code == "SESSION_REVOKED"


async def test_failures_are_throttled_per_account_then_the_window_passes() -> None:
    identity = new_identity()
    await owner_and_operator(identity)
    for attempt in range(5):
        with pytest.raises(IdentityRefused) as wrong:
            await sessions.sign_in(
                identity,
                email="ivan@studio.test",
                password="wrong password!",
                address=f"10.0.0.{attempt}",
                studio=None,
                now=NOW,
            )
        assert wrong.value.code == "SIGN_IN_FAILED"
    with pytest.raises(IdentityRefused) as throttled:
        await sessions.sign_in(
            identity,
            email="ivan@studio.test",
            password=PASSWORD,
            address="10.9.9.9",
            studio=None,
            now=NOW,
        )
    assert throttled.value.code == "SIGN_IN_THROTTLED"
    later = NOW + timedelta(minutes=16)
    tokens = await sessions.sign_in(
        identity,
        email="ivan@studio.test",
        password=PASSWORD,
        address="10.9.9.9",
        studio=None,
        now=later,
    )
    assert tokens.role == "OPERATOR"


async def test_an_unknown_address_fails_like_a_wrong_password() -> None:
    identity = new_identity()
    with pytest.raises(IdentityRefused) as unknown:
        await sessions.sign_in(
            identity,
            email="nobody@studio.test",
            password=PASSWORD,
            address="10.0.0.1",
            studio=None,
            now=NOW,
        )
    assert unknown.value.code == "SIGN_IN_FAILED"


async def test_signed_out_and_signed_out_everywhere_sessions_are_reported_once_each() -> None:
    identity = new_identity()
    owner_id, operator_refresh = await owner_and_operator(identity)
    owner = await sessions.sign_in(
        identity,
        email="owner@studio.test",
        password=PASSWORD,
        address="10.0.0.1",
        studio=None,
        now=NOW,
    )
    owner_sid = str(claims(identity, owner.access_token)["sid"])
    operator_sid = operator_refresh.split(".")[1]
    asked = [owner_sid, operator_sid, "no-such-session", owner_sid]
    assert await revocations.ended_sessions(identity, asked) == []

    await sessions.sign_out(identity, refresh_token=operator_refresh, now=NOW)
    assert await revocations.ended_sessions(identity, asked) == [operator_sid]

    await sessions.sign_out_everywhere(
        identity, person=owner_id, studio="north", by=owner_id, now=NOW
    )
    assert await revocations.ended_sessions(identity, asked) == [owner_sid, operator_sid]
