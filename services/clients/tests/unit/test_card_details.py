"""Use cases of the card's richer parts on the in-memory storage (no stack): C4 and C7's
booking check, C6 forms and documents, C7 disliked services, C8 preferences."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from clients.domain.card import BookingChannel
from clients.service_layer import card_details, documents
from plumbing.mongo import Doc
from plumbing.storage import Aggregates, DocCodec, MemoryStorage, Repository, Save, change

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
CARDS: Aggregates[Doc] = Aggregates("clients", DocCodec())


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


@pytest.fixture
async def cards(storage: MemoryStorage) -> Repository[Doc]:
    repo = storage.repository(CARDS, "t1")
    card = {"id": "c1", "first_name": "Ana", "last_name": "Ruiz", "status": "ACTIVE"}
    await change(repo, "c1", lambda _: Save(card, None))
    return repo


def sent(storage: MemoryStorage) -> list[str]:
    return [json.loads(entry["value"])["type"] for entry in storage.pending()]


class FakeFiles:
    def __init__(self) -> None:
        self.held: dict[str, bytes] = {}

    async def put(self, document_id: str, file_name: str, data: bytes, content_type: str) -> None:
        self.held[document_id] = data

    async def delete(self, document_id: str) -> None:
        self.held.pop(document_id, None)


async def test_c6_a_form_is_removable_only_while_not_filled_in(
    cards: Repository[Doc], storage: MemoryStorage
) -> None:
    assigned = await card_details.assign_form(cards, "c1", "f-intake", "Intake", now=T0)
    first, second = [
        (await card_details.assign_form(cards, "c1", "f-health", "Health", now=T0)).client,
        assigned.client,
    ]
    assert first is not None and second is not None
    forms = first["forms"]
    assert [f["name"] for f in forms] == ["Intake", "Health"]

    done = await card_details.complete_form(cards, "c1", forms[0]["id"], now=T0)
    assert not done.problems
    refused = await card_details.remove_form(cards, "c1", forms[0]["id"], now=T0)
    assert [p.code for p in refused.problems.items] == ["FORM_COMPLETED"]
    removed = await card_details.remove_form(cards, "c1", forms[1]["id"], now=T0)
    assert removed.client is not None
    assert [f["name"] for f in removed.client["forms"]] == ["Intake"]
    assert sent(storage) == [
        "clients.form_assigned.v1",
        "clients.form_assigned.v1",
        "clients.form_completed.v1",
        "clients.form_removed.v1",
    ]
    again = await card_details.complete_form(cards, "c1", forms[0]["id"], now=T0)
    assert [p.code for p in again.problems.items] == ["FORM_COMPLETED"]


async def test_c6_an_unknown_or_erased_card_is_not_found(cards: Repository[Doc]) -> None:
    unknown = await card_details.assign_form(cards, "nobody", "f", "Intake", now=T0)
    assert [p.code for p in unknown.problems.items] == ["NOT_FOUND"]
    current = await cards.load("c1")
    await cards.save(current, None)  # erased (C12)
    erased = await card_details.add_disliked(
        cards, "c1", service_id="s1", service_name="Peeling", comment=None, now=T0
    )
    assert [p.code for p in erased.problems.items] == ["NOT_FOUND"]


async def test_c6_a_document_is_kept_with_its_bytes_and_deleted_with_them(
    cards: Repository[Doc], storage: MemoryStorage
) -> None:
    files = FakeFiles()
    upload: dict[str, Any] = {"type_": "consent", "file_name": "a/b.pdf",
                              "content_type": "application/pdf", "too_large": False,
                              "visible_to_client": True, "max_bytes": 1024, "now": T0}  # fmt: skip
    added = await documents.upload_document(cards, files, "c1", data=b"%PDF-1.7\n", **upload)
    assert added.client is not None
    (document,) = added.client["documents"]
    assert document["file_name"] == "a_b.pdf" and files.held == {document["id"]: b"%PDF-1.7\n"}
    refused = await documents.upload_document(cards, files, "c1", data=b"", **upload)
    assert [p.code for p in refused.problems.items] == ["EMPTY_FILE"]
    gone = await documents.delete_document(cards, files, "c1", document["id"], now=T0)
    assert gone.client is not None and gone.client["documents"] == [] and files.held == {}
    assert sent(storage) == ["clients.document_added.v1", "clients.document_deleted.v1"]


async def test_c6_a_document_is_shown_to_the_client_and_hidden_again(
    cards: Repository[Doc], storage: MemoryStorage
) -> None:
    files = FakeFiles()
    added = await documents.upload_document(
        cards, files, "c1", type_="consent", file_name="c.pdf", content_type="application/pdf",
        data=b"%PDF-1.7\n", too_large=False, visible_to_client=False, max_bytes=1024, now=T0,
    )  # fmt: skip
    assert added.client is not None
    document_id = added.client["documents"][0]["id"]
    before = (await cards.load("c1")).version

    shown = await documents.set_document_visibility(cards, "c1", document_id, True, now=T0)
    assert shown.client is not None and shown.client["documents"][0]["visible_to_client"]
    again = await documents.set_document_visibility(cards, "c1", document_id, True, now=T0)
    assert again.client is not None and (await cards.load("c1")).version == before + 1
    hidden = await documents.set_document_visibility(cards, "c1", document_id, False, now=T0)
    assert hidden.client is not None
    assert hidden.client["documents"][0]["visible_to_client"] is False

    unknown = await documents.set_document_visibility(cards, "c1", "nope", True, now=T0)
    assert [(p.code, p.path) for p in unknown.problems.items] == [("NOT_FOUND", ("documentId",))]
    nobody = await documents.set_document_visibility(cards, "c9", document_id, True, now=T0)
    assert [p.code for p in nobody.problems.items] == ["NOT_FOUND"]
    assert sent(storage) == ["clients.document_added.v1"]


async def test_c7_a_service_is_disliked_once_and_the_booking_check_names_it(
    cards: Repository[Doc],
) -> None:
    added = await card_details.add_disliked(
        cards, "c1", service_id="s1", service_name="Peeling", comment="  too harsh ", now=T0
    )
    assert added.client is not None
    (item,) = added.client["disliked"]
    twice = await card_details.add_disliked(
        cards, "c1", service_id="s1", service_name="Peeling", comment=None, now=T0
    )
    assert [p.code for p in twice.problems.items] == ["ALREADY_DISLIKED"]

    verdict = await card_details.check_booking(cards, None, "c1", "s1", BookingChannel.IN_STUDIO)
    assert verdict is not None and "DISLIKED_SERVICE" in verdict.codes

    updated = await card_details.update_disliked(cards, "c1", item["id"], "fine now", now=T0)
    assert updated.client is not None and updated.client["disliked"][0]["comment"] == "fine now"
    removed = await card_details.remove_disliked(cards, "c1", item["id"], now=T0)
    assert removed.client is not None and removed.client["disliked"] == []
    verdict = await card_details.check_booking(cards, None, "c1", "s1", BookingChannel.IN_STUDIO)
    assert verdict is not None and verdict.allowed and verdict.codes == []


async def test_c4_an_online_booking_is_refused_while_blocked(cards: Repository[Doc]) -> None:
    current = await cards.load("c1")
    assert current.state is not None
    await cards.save(current, {**current.state, "online_booking_blocked": True})
    online = await card_details.check_booking(cards, None, "c1", "s1", BookingChannel.ONLINE)
    assert online is not None and not online.allowed
    assert online.codes == ["ONLINE_BOOKING_BLOCKED"] and online.waitlist_allowed
    staff = await card_details.check_booking(cards, None, "c1", "s1", BookingChannel.IN_STUDIO)
    assert staff is not None and staff.allowed
    assert (
        await card_details.check_booking(cards, None, "nobody", "s1", BookingChannel.IN_STUDIO)
        is None
    )


async def test_concurrent_edits_of_one_card_keep_both(cards: Repository[Doc]) -> None:
    await asyncio.gather(
        card_details.add_disliked(
            cards, "c1", service_id="s1", service_name="Peeling", comment=None, now=T0
        ),
        card_details.assign_form(cards, "c1", "f-intake", "Intake", now=T0),
    )
    card = (await cards.load("c1")).state
    assert card is not None and len(card["disliked"]) == 1 and len(card["forms"]) == 1
