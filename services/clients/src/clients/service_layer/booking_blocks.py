"""B7: staff set or lift a client's booking block (mode, reason, branches). The card
keeps the policy and the old switch in step (`online_booking_blocked` is true while any
block is set), and `clients.client_updated.v1` announces both, so readers of the switch
keep working."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from plumbing.mongo import Doc
from plumbing.storage import Repository

from clients.domain.booking_block import BlockMode, BookingBlock, block_of, block_problems
from clients.events import ClientUpdated
from clients.service_layer.card_details import Built, as_stored, change_card
from clients.service_layer.cards import Outcome
from clients.service_layer.studio import studio_view


def _changes(block: BookingBlock | None) -> Doc:
    return {
        "booking_block": block.as_doc() if block else None,
        "online_booking_blocked": block is not None,
    }


async def set_booking_block(
    cards: Repository[Doc],
    studio: Doc | None,
    client_id: str,
    *,
    mode: BlockMode,
    reason: str | None,
    branch_ids: Sequence[str],
    set_by: str,
    now: datetime,
) -> Outcome:
    now = as_stored(now)
    branches = studio_view(cards.tenant, studio).get("branches") or []
    found = block_problems(reason, branch_ids, [str(b["id"]) for b in branches])
    if found:
        outcome = Outcome()
        for message, code, path in found:
            outcome.problems.add(message, code, *path.split("."))
        return outcome
    block = BookingBlock(
        mode=mode,
        reason=(reason or "").strip() or None,
        branch_ids=tuple(branch_ids),
        set_by=set_by,
        set_at=now,
    )

    def build(card: Doc) -> Built:
        changes = _changes(block)
        return changes, [ClientUpdated(client_id=client_id, changes=changes)]

    return await change_card(cards, client_id, now, build)


async def lift_booking_block(cards: Repository[Doc], client_id: str, *, now: datetime) -> Outcome:
    def build(card: Doc) -> Built:
        if block_of(card) is None:
            return None  # nothing to lift: the card as it is
        changes = _changes(None)
        return changes, [ClientUpdated(client_id=client_id, changes=changes)]

    return await change_card(cards, client_id, now, build)
