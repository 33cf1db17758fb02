"""B7: the booking block as a policy (mode, reason, branches, who and when), set and
lifted on the in-memory storage, and what `bookingCheck` answers for each mode."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from clients.domain.booking_block import BlockMode, BookingBlock, block_of
from clients.domain.card import BookingChannel, BookingVerdict, booking_check
from clients.service_layer import booking_blocks, card_details
from plumbing.mongo import Doc
from plumbing.storage import Aggregates, DocCodec, MemoryStorage, Repository, Save, change

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
CARDS: Aggregates[Doc] = Aggregates("clients", DocCodec())
STUDIO = {"branches": [{"id": "centro", "name": "Centro"}, {"id": "norte", "name": "Norte"}]}


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


@pytest.fixture
async def cards(storage: MemoryStorage) -> Repository[Doc]:
    repo = storage.repository(CARDS, "t1")
    card = {"id": "c1", "first_name": "Ana", "last_name": "Ruiz", "status": "ACTIVE"}
    await change(repo, "c1", lambda _: Save(card, None))
    return repo


def check(
    block: BookingBlock | None, channel: BookingChannel, branch: str | None = None
) -> BookingVerdict:
    return booking_check(
        channel=channel, service_id="yoga", block=block, status="ACTIVE", disliked=[],
        language="es", branch_id=branch,
    )  # fmt: skip


def test_each_mode_refuses_what_it_says() -> None:
    online, studio = BookingChannel.ONLINE, BookingChannel.IN_STUDIO
    waitlist = BookingBlock(BlockMode.WAITLIST_ONLY, "debe 3 cuotas")
    approval = BookingBlock(BlockMode.NEEDS_APPROVAL)
    nothing = BookingBlock(BlockMode.NO_BOOKING)
    answers = {
        name: [(v.allowed, v.codes, v.waitlist_allowed) for v in (check(b, online), check(b, studio))]
        for name, b in (("waitlist", waitlist), ("approval", approval), ("nothing", nothing))
    }  # fmt: skip
    assert answers == {
        "waitlist": [(False, ["ONLINE_BOOKING_BLOCKED"], True), (True, [], True)],
        "approval": [(False, ["NEEDS_APPROVAL"], True), (True, [], True)],
        "nothing": [(False, ["BOOKING_BLOCKED"], False), (False, ["BOOKING_BLOCKED"], False)],
    }
    verdict = check(waitlist, online)
    assert verdict.block is waitlist and verdict.block.reason == "debe 3 cuotas"
    assert verdict.reasons[0].startswith("La reserva online está bloqueada")


def test_a_block_covers_its_branches_only() -> None:
    centro = BookingBlock(BlockMode.NO_BOOKING, branch_ids=("centro",))
    assert not check(centro, BookingChannel.ONLINE, "centro").allowed
    elsewhere = check(centro, BookingChannel.ONLINE, "norte")
    assert elsewhere.allowed and elsewhere.block is None
    assert not check(centro, BookingChannel.ONLINE).allowed  # no branch named: the stricter


def test_the_old_switch_reads_as_waitlist_only() -> None:
    assert block_of({"online_booking_blocked": True}) == BookingBlock(BlockMode.WAITLIST_ONLY)
    assert block_of({"online_booking_blocked": False}) is None


async def test_staff_set_and_lift_a_block(cards: Repository[Doc], storage: MemoryStorage) -> None:
    outcome = await booking_blocks.set_booking_block(
        cards, STUDIO, "c1", mode=BlockMode.NEEDS_APPROVAL, reason=" impagos ",
        branch_ids=["norte"], set_by="staff-1", now=T0,
    )  # fmt: skip
    assert outcome.client is not None and not outcome.problems
    card = outcome.client
    assert card["online_booking_blocked"] is True  # old readers still see "blocked"
    assert block_of(card) == BookingBlock(
        BlockMode.NEEDS_APPROVAL, "impagos", ("norte",), "staff-1", T0
    )
    verdict = await card_details.check_booking(
        cards, None, "c1", "yoga", BookingChannel.ONLINE, "norte"
    )
    assert verdict is not None and verdict.codes == ["NEEDS_APPROVAL"]
    lifted = await booking_blocks.lift_booking_block(cards, "c1", now=T0)
    assert lifted.client is not None and block_of(lifted.client) is None
    sent = [json.loads(e["value"]) for e in storage.pending()]
    changes = [e["data"]["changes"] for e in sent if e["type"] == "clients.client_updated.v1"]
    assert [(c["online_booking_blocked"], bool(c["booking_block"])) for c in changes] == [
        (True, True),
        (False, False),
    ]


async def test_a_block_on_an_unknown_branch_is_refused(cards: Repository[Doc]) -> None:
    outcome = await booking_blocks.set_booking_block(
        cards, STUDIO, "c1", mode=BlockMode.NO_BOOKING, reason="x" * 301,
        branch_ids=["sur"], set_by="staff-1", now=T0,
    )  # fmt: skip
    assert [(p.code, p.path) for p in outcome.problems.items] == [
        ("TOO_LONG", ("reason",)),
        ("BAD_BRANCH", ("branchIds", "0")),
    ]
    unknown = await booking_blocks.set_booking_block(
        cards, STUDIO, "c9", mode=BlockMode.NO_BOOKING, reason=None, branch_ids=[],
        set_by="staff-1", now=T0,
    )  # fmt: skip
    assert [p.code for p in unknown.problems.items] == ["NOT_FOUND"]
