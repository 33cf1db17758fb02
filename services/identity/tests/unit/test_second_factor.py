"""A second factor for OWNER and ADMIN (TOTP), and password reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from identity.domain import totp
from identity.domain.codes import SecondFactorRequired
from identity.domain.people import IdentityRefused
from identity.service_layer import audit, invitations, password_reset, second_factor, sessions
from identity.service_layer.ports import Identity, Tokens
from identity.testing import FakeMessenger, new_identity

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def test_the_rfc_6238_vector() -> None:
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp.code_at(secret, 59 // 30) == "287082"
    assert totp.code_at(secret, 1111111109 // 30) == "081804"


async def owner(identity: Identity) -> str:
    person = await invitations.add_person(
        identity,
        email="owner@studio.test",
        password=PASSWORD,
        name="Olga",
        language="en",
        studio="north",
        role="OWNER",
        now=NOW,
    )
    return person.id


async def sign_in(identity: Identity, at: datetime = NOW) -> Tokens:
    return await sessions.sign_in(
        identity, email="owner@studio.test", password=PASSWORD, address="a", studio=None, now=at
    )


async def enrolled(identity: Identity) -> tuple[str, str, list[str]]:
    person = await owner(identity)
    enrolment = await second_factor.start(identity, person=person, studio="north", now=NOW)
    assert enrolment.otpauth_uri.startswith("otpauth://totp/Studio:owner%40studio.test?secret=")
    with pytest.raises(IdentityRefused) as wrong:
        await second_factor.confirm(identity, person=person, studio="north", code="0", now=NOW)
    assert wrong.value.code == "CODE_INVALID"
    code = totp.code_at(enrolment.secret, totp.step_of(NOW))
    recovery = await second_factor.confirm(
        identity, person=person, studio="north", code=code, now=NOW
    )
    assert len(recovery) == 10
    return person, enrolment.secret, recovery


async def test_an_owner_with_a_second_factor_signs_in_in_two_steps() -> None:
    identity = new_identity()
    _, secret, _ = await enrolled(identity)
    later = NOW + timedelta(minutes=1)
    with pytest.raises(SecondFactorRequired) as asked:
        await sign_in(identity, later)
    challenge = asked.value.challenge
    with pytest.raises(IdentityRefused) as wrong:
        await second_factor.complete(
            identity, challenge=challenge, code="12", address="a", now=later
        )
    assert wrong.value.code == "CODE_INVALID"
    code = totp.code_at(secret, totp.step_of(later))
    tokens = await second_factor.complete(
        identity, challenge=challenge, code=code, address="a", now=later
    )
    assert tokens.role == "OWNER"
    # The same code does not open a second challenge (no replay within its window).
    with pytest.raises(SecondFactorRequired) as again:
        await sign_in(identity, later)
    with pytest.raises(IdentityRefused) as replay:
        await second_factor.complete(
            identity, challenge=again.value.challenge, code=code, address="a", now=later
        )
    assert replay.value.code == "CODE_INVALID"
    actions = [
        e["action"]
        for e in await audit.trail(identity.storage, "north", since=NOW - timedelta(1), limit=20)
    ]
    # Entries of one instant come in no set order: counted, not listed.
    assert sorted(actions) == [
        "second_factor_enabled",
        "second_factor_failed",
        "second_factor_failed",
        "signed_in",
    ]


async def test_a_recovery_code_works_once_and_a_challenge_expires() -> None:
    identity = new_identity()
    _, _, recovery = await enrolled(identity)
    with pytest.raises(SecondFactorRequired) as asked:
        await sign_in(identity)
    await second_factor.complete(
        identity, challenge=asked.value.challenge, code=recovery[0], address="a", now=NOW
    )
    with pytest.raises(SecondFactorRequired) as again:
        await sign_in(identity)
    with pytest.raises(IdentityRefused) as used:
        await second_factor.complete(
            identity, challenge=again.value.challenge, code=recovery[0], address="a", now=NOW
        )
    assert used.value.code == "CODE_INVALID"
    with pytest.raises(IdentityRefused) as late:
        await second_factor.complete(
            identity,
            challenge=again.value.challenge,
            code=recovery[1],
            address="a",
            now=NOW + timedelta(minutes=5),
        )
    assert late.value.code == "CODE_EXPIRED"


async def test_an_operator_may_not_enrol() -> None:
    identity = new_identity()
    person = await invitations.add_person(
        identity,
        email="op@studio.test",
        password=PASSWORD,
        name="Op",
        language="en",
        studio="north",
        role="OPERATOR",
        now=NOW,
    )
    with pytest.raises(IdentityRefused) as refused:
        await second_factor.start(identity, person=person.id, studio="north", now=NOW)
    assert refused.value.code == "FORBIDDEN"


async def test_a_password_reset_is_mailed_and_ends_every_session() -> None:
    messenger = FakeMessenger()
    identity = new_identity(messenger=messenger)
    await owner(identity)
    tokens = await sign_in(identity)
    await password_reset.request_reset(identity, email="nobody@studio.test", address="a", now=NOW)
    assert messenger.sent == []  # an unknown address: nothing sent, the same answer
    await password_reset.request_reset(identity, email="Owner@studio.test", address="a", now=NOW)
    token = messenger.last_code("owner@studio.test")
    assert token.startswith("pr.")
    with pytest.raises(IdentityRefused) as short:
        await password_reset.reset_password(
            identity, token=token, password="short", address="a", now=NOW
        )
    assert short.value.code == "PASSWORD_TOO_SHORT"
    new = "a brand new passphrase"
    await password_reset.reset_password(identity, token=token, password=new, address="a", now=NOW)
    with pytest.raises(IdentityRefused) as revoked:
        await sessions.refresh(
            identity,
            refresh_token=tokens.refresh_token,
            studio=None,
            now=NOW,
        )
    assert revoked.value.code == "SESSION_REVOKED"
    with pytest.raises(IdentityRefused) as once:
        await password_reset.reset_password(
            identity, token=token, password=new, address="a", now=NOW
        )
    assert once.value.code == "CODE_USED"
    signed = await sessions.sign_in(
        identity, email="owner@studio.test", password=new, address="a", studio=None, now=NOW
    )
    assert signed.role == "OWNER"
    for _ in range(2):
        await password_reset.request_reset(
            identity, email="owner@studio.test", address="a", now=NOW
        )
    with pytest.raises(IdentityRefused) as throttled:
        await password_reset.request_reset(
            identity, email="owner@studio.test", address="a", now=NOW
        )
    assert throttled.value.code == "RESET_THROTTLED"
