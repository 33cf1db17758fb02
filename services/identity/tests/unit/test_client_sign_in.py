"""The app's one-time-code sign-in: a client reaches their own card and nobody else's;
a sign-up makes a LEAD card; a card is linked only through a verified contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from identity.domain.people import IdentityRefused
from identity.service_layer import audit, client_sign_in, sessions
from identity.service_layer.ports import Card, Identity
from identity.testing import FakeCards, FakeMessenger, new_identity

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def claims(identity: Identity, token: str) -> dict[str, object]:
    public = jwt.PyJWK(identity.keys.jwks()["keys"][0]).key
    decoded: dict[str, object] = jwt.decode(
        token, public, algorithms=["ES256"], options={"verify_exp": False}
    )
    return decoded


def setup() -> tuple[Identity, FakeCards, FakeMessenger]:
    cards, messenger = FakeCards(), FakeMessenger()
    cards.add("north", Card("ana", "ana@mail.test", "+34600111222"))
    cards.add("north", Card("ben", "ben@mail.test", "+34600333444"))
    return new_identity(cards, messenger), cards, messenger


async def ask(identity: Identity, *, email: str | None = None, phone: str | None = None) -> str:
    requested = await client_sign_in.request_code(
        identity,
        studio="north",
        email=email,
        phone=phone,
        language="es",
        address="1.2.3.4",
        now=NOW,
    )
    return requested.challenge


async def test_a_client_signs_in_with_the_code_sent_to_their_email_and_reaches_their_card() -> None:
    identity, _, messenger = setup()
    challenge = await ask(identity, email="Ana@Mail.test")
    assert messenger.sent[-1]["channel"] == "EMAIL" and messenger.sent[-1]["to"] == "ana@mail.test"
    tokens = await client_sign_in.sign_in_with_code(
        identity,
        challenge=challenge,
        code=messenger.last_code("ana@mail.test"),
        first_name=None,
        last_name=None,
        language=None,
        address="1.2.3.4",
        now=NOW,
    )
    got = claims(identity, tokens.access_token)
    assert (got["tenant"], got["roles"], got["client_id"]) == ("north", ["CLIENT"], "ana")
    # The refresh keeps the card, and a client cannot switch to another studio.
    again = await sessions.refresh(
        identity, refresh_token=tokens.refresh_token, studio=None, now=NOW
    )
    assert claims(identity, again.access_token)["client_id"] == "ana"
    with pytest.raises(IdentityRefused) as refused:
        await sessions.refresh(identity, refresh_token=again.refresh_token, studio="south", now=NOW)
    assert refused.value.code == "STUDIO_NOT_ALLOWED"


async def test_a_code_by_sms_opens_the_card_with_that_phone_only() -> None:
    identity, _, messenger = setup()
    challenge = await ask(identity, phone="+34 600 333 444")
    tokens = await client_sign_in.sign_in_with_code(
        identity,
        challenge=challenge,
        code=messenger.last_code("+34600333444"),
        first_name=None,
        last_name=None,
        language=None,
        address="1.2.3.4",
        now=NOW,
    )
    assert claims(identity, tokens.access_token)["client_id"] == "ben"


async def test_a_code_for_one_contact_never_opens_another_card_and_wrong_codes_run_out() -> None:
    identity, _, messenger = setup()
    ana = await ask(identity, email="ana@mail.test")
    await ask(identity, email="ben@mail.test")
    bens_code = messenger.last_code("ben@mail.test")
    for _ in range(5):
        with pytest.raises(IdentityRefused) as wrong:
            await client_sign_in.sign_in_with_code(
                identity,
                challenge=ana,
                code=bens_code if bens_code != messenger.last_code("ana@mail.test") else "000000",
                first_name=None,
                last_name=None,
                language=None,
                address="1.2.3.4",
                now=NOW,
            )
        assert wrong.value.code == "CODE_INVALID"
    with pytest.raises(IdentityRefused) as exhausted:
        await client_sign_in.sign_in_with_code(
            identity,
            challenge=ana,
            code=messenger.last_code("ana@mail.test"),
            first_name=None,
            last_name=None,
            language=None,
            address="1.2.3.4",
            now=NOW,
        )
    assert exhausted.value.code == "CODE_EXHAUSTED"


async def test_codes_expire_and_are_used_once() -> None:
    identity, _, messenger = setup()
    challenge = await ask(identity, email="ana@mail.test")
    code = messenger.last_code("ana@mail.test")
    with pytest.raises(IdentityRefused) as late:
        await client_sign_in.sign_in_with_code(
            identity,
            challenge=challenge,
            code=code,
            first_name=None,
            last_name=None,
            language=None,
            address="a",
            now=NOW + timedelta(minutes=10),
        )
    assert late.value.code == "CODE_EXPIRED"
    challenge = await ask(identity, email="ana@mail.test")
    code = messenger.last_code("ana@mail.test")

    async def once() -> None:
        await client_sign_in.sign_in_with_code(
            identity,
            challenge=challenge,
            code=code,
            first_name=None,
            last_name=None,
            language=None,
            address="a",
            now=NOW,
        )

    await once()
    with pytest.raises(IdentityRefused) as used:
        await once()
    assert used.value.code == "CODE_USED"


async def test_an_unknown_contact_gets_a_code_like_any_other_and_signs_up_to_a_lead() -> None:
    identity, cards, messenger = setup()
    known = await client_sign_in.request_code(
        identity,
        studio="north",
        email="ana@mail.test",
        phone=None,
        language="",
        address="a",
        now=NOW,
    )
    unknown = await client_sign_in.request_code(
        identity,
        studio="north",
        email="new@mail.test",
        phone=None,
        language="",
        address="a",
        now=NOW,
    )
    # Same answer, same sending: nothing tells which address has a card.
    assert known.expires_in == unknown.expires_in == 600
    assert [m["to"] for m in messenger.sent] == ["ana@mail.test", "new@mail.test"]
    code = messenger.last_code("new@mail.test")
    with pytest.raises(IdentityRefused) as needs_name:
        await client_sign_in.sign_in_with_code(
            identity,
            challenge=unknown.challenge,
            code=code,
            first_name=None,
            last_name=None,
            language=None,
            address="a",
            now=NOW,
        )
    assert needs_name.value.code == "SIGN_UP_REQUIRED"
    tokens = await client_sign_in.sign_in_with_code(
        identity,
        challenge=unknown.challenge,
        code=code,
        first_name="Nora",
        last_name="Nuevo",
        language="es",
        address="a",
        now=NOW,
    )
    assert cards.leads == [("north", "lead-1", "Nora", "Nuevo")]
    assert claims(identity, tokens.access_token)["client_id"] == "lead-1"
    trail = await audit.trail(identity.storage, "north", since=NOW - timedelta(1), limit=10)
    assert [e["action"] for e in trail] == ["client_signed_up"]


async def test_a_sign_up_with_an_email_already_on_a_card_links_to_that_card_not_a_new_one() -> None:
    identity, cards, messenger = setup()
    challenge = await ask(identity, email="ben@mail.test")
    tokens = await client_sign_in.sign_in_with_code(
        identity,
        challenge=challenge,
        code=messenger.last_code("ben@mail.test"),
        first_name="Someone",
        last_name="Else",
        language=None,
        address="a",
        now=NOW,
    )
    assert claims(identity, tokens.access_token)["client_id"] == "ben"
    assert cards.leads == []


async def test_a_contact_on_two_cards_opens_neither() -> None:
    identity, cards, messenger = setup()
    cards.add("north", Card("twin", "ana@mail.test", None))
    challenge = await ask(identity, email="ana@mail.test")
    with pytest.raises(IdentityRefused) as refused:
        await client_sign_in.sign_in_with_code(
            identity,
            challenge=challenge,
            code=messenger.last_code("ana@mail.test"),
            first_name=None,
            last_name=None,
            language=None,
            address="a",
            now=NOW,
        )
    assert refused.value.code == "CONTACT_AMBIGUOUS"


async def test_code_requests_are_throttled_per_contact() -> None:
    identity, _, messenger = setup()
    for _ in range(5):
        await ask(identity, email="ana@mail.test")
    with pytest.raises(IdentityRefused) as throttled:
        await ask(identity, email="ana@mail.test")
    assert throttled.value.code == "CODE_THROTTLED"
    assert len(messenger.sent) == 5
    with pytest.raises(IdentityRefused) as both:
        await ask(identity, email="ana@mail.test", phone="+34600111222")
    assert both.value.code == "BAD_REQUEST"
