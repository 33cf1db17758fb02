"""Use cases of the richer parts of the card: forms (C6), disliked services (C7),
communication preferences (C8) and the booking check (C4, C7). Documents are in
`documents.py`, custom fields in `custom_fields.py`.

Every change goes through `change_card`: load the card, build the new parts from it,
save them with their events (`plumbing.storage.change`, the one retry loop), so two
concurrent edits of one card never lose one another.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeGuard

from plumbing.contracts import EventData
from plumbing.ids import new_id
from plumbing.mongo import Doc
from plumbing.storage import (
    Decision,
    Keep,
    Loaded,
    Refuse,
    Repository,
    Save,
    TooManyConflicts,
    change,
    outgoing,
)

from clients.domain.booking_block import block_of
from clients.domain.card import (
    BookingChannel,
    BookingVerdict,
    Disliked,
    Invalid,
    booking_check,
    clean_comment,
    clean_label,
)
from clients.domain.model import Problems
from clients.events import (
    DislikedServiceAdded,
    DislikedServiceRemoved,
    DislikedServiceUpdated,
    FormAssigned,
    FormCompleted,
    FormRemoved,
    catalog,
)
from clients.service_layer.cards import Outcome
from clients.service_layer.studio import studio_view

ATTEMPTS = 5
# What a builder returns: the card's top-level fields to replace and the events, problems
# (nothing written), or None (nothing to change: the card as it is).
Built = tuple[Doc, list[EventData]] | Problems | None


def as_stored(now: datetime) -> datetime:
    """Times are stored with millisecond precision: answer with what was stored."""
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def listed(card: Doc | None) -> TypeGuard[Doc]:
    """A card that exists and is not erased (C12: an erased card is a tombstone)."""
    return card is not None and not card.get("erased")


def not_found(client_id: str, path: str = "clientId") -> Outcome:
    outcome = Outcome()
    outcome.problems.add(f"unknown client {client_id!r}", "NOT_FOUND", path, id=client_id)
    return outcome


def problem(message: str, code: str, *path: str, **params: object) -> Outcome:
    outcome = Outcome()
    outcome.problems.add(message, code, *path, **params)
    return outcome


def problems(message: str, code: str, *path: str, **params: object) -> Problems:
    found = Problems()
    found.add(message, code, *path, **params)
    return found


async def change_card(
    cards: Repository[Doc], client_id: str, now: datetime, build: Callable[[Doc], Built]
) -> Outcome:
    """Load the card, build its new parts from it, save them only if nobody wrote meanwhile
    (else load and build again). An unknown or erased card is NOT_FOUND."""
    now = as_stored(now)

    def decide(current: Loaded[Doc]) -> Decision[Doc, Outcome]:
        card = current.state
        if not listed(card):
            return Refuse(not_found(client_id))
        built = build(card)
        if built is None:
            return Keep(Outcome(client=card))
        if isinstance(built, Problems):
            return Refuse(Outcome(problems=built))
        parts, events = built
        sent = [outgoing(catalog, e, tenant=cards.tenant, subject=client_id) for e in events]
        return Save({**card, **parts, "updated_at": now}, Outcome(), sent)

    try:
        done = await change(cards, client_id, decide, attempts=ATTEMPTS)
    except TooManyConflicts:
        return problem("the card changed meanwhile: try again", "CONFLICT", "clientId")
    if done.saved:
        return Outcome(client=done.current.state)
    return done.result


def find(items: list[Doc], item_id: str) -> Doc | None:
    return next((i for i in items if i["id"] == item_id), None)


def no_form(assigned_form_id: str) -> Problems:
    return problems(
        f"no assigned form {assigned_form_id!r} on this card", "NOT_FOUND", "assignedFormId"
    )


def no_disliked(disliked_id: str) -> Problems:
    return problems(f"no disliked service {disliked_id!r} on this card", "NOT_FOUND", "dislikedId")


# ---------------------------------------------------------------- C6 forms


async def assign_form(
    cards: Repository[Doc], client_id: str, form_id: str, name: str, *, now: datetime
) -> Outcome:
    now = as_stored(now)
    try:
        clean = clean_label(name, "name", 120)
    except Invalid as exc:
        return problem(exc.message, exc.code, "name", **exc.params)
    if not form_id.strip():
        return problem("formId must not be empty", "REQUIRED", "formId")
    form = {"id": new_id(), "form_id": form_id, "name": clean, "assigned_at": now,
            "completed_at": None}  # fmt: skip

    def build(card: Doc) -> Built:
        event = FormAssigned(
            client_id=client_id, assigned_form_id=form["id"], form_id=form_id, name=clean
        )
        return {"forms": [*(card.get("forms") or []), form]}, [event]

    return await change_card(cards, client_id, now, build)


async def remove_form(
    cards: Repository[Doc], client_id: str, assigned_form_id: str, *, now: datetime
) -> Outcome:
    """C6: an assigned form can be removed only while it is not filled in."""

    def build(card: Doc) -> Built:
        forms = list(card.get("forms") or [])
        form = find(forms, assigned_form_id)
        if form is None:
            return no_form(assigned_form_id)
        if form.get("completed_at") is not None:
            return problems(
                f"the form {form['name']!r} was already filled in: a completed form cannot "
                "be removed",
                "FORM_COMPLETED",
                "assignedFormId",
            )
        kept = [f for f in forms if f["id"] != assigned_form_id]
        event = FormRemoved(
            client_id=client_id, assigned_form_id=assigned_form_id, form_id=form["form_id"],
            name=form["name"],
        )  # fmt: skip
        return {"forms": kept}, [event]

    return await change_card(cards, client_id, now, build)


async def complete_form(
    cards: Repository[Doc], client_id: str, assigned_form_id: str, *, now: datetime
) -> Outcome:
    now = as_stored(now)

    def build(card: Doc) -> Built:
        forms = list(card.get("forms") or [])
        form = find(forms, assigned_form_id)
        if form is None:
            return no_form(assigned_form_id)
        if form.get("completed_at") is not None:
            return problems(
                f"the form {form['name']!r} is already completed", "FORM_COMPLETED",
                "assignedFormId",
            )  # fmt: skip
        done = {**form, "completed_at": now}
        event = FormCompleted(
            client_id=client_id, assigned_form_id=assigned_form_id, form_id=form["form_id"],
            name=form["name"], completed_at=now,
        )  # fmt: skip
        return {"forms": [done if f["id"] == assigned_form_id else f for f in forms]}, [event]

    return await change_card(cards, client_id, now, build)


# ---------------------------------------------------------------- C7 disliked services


async def add_disliked(
    cards: Repository[Doc],
    client_id: str,
    *,
    service_id: str,
    service_name: str,
    comment: str | None,
    now: datetime,
) -> Outcome:
    now = as_stored(now)
    try:
        name = clean_label(service_name, "serviceName", 200)
        note = clean_comment(comment)
    except Invalid as exc:
        return problem(exc.message, exc.code, "serviceName" if exc.code == "REQUIRED" else
                       "comment")  # fmt: skip
    if not service_id.strip():
        return problem("serviceId must not be empty", "REQUIRED", "serviceId")

    def build(card: Doc) -> Built:
        items = list(card.get("disliked") or [])
        if any(i["service_id"] == service_id for i in items):
            return problems(
                f"{name!r} is already on this client's disliked services",
                "ALREADY_DISLIKED",
                "serviceId",
            )
        item = {"id": new_id(), "service_id": service_id, "service_name": name,
                "comment": note, "at": now}  # fmt: skip
        event = DislikedServiceAdded(
            client_id=client_id, disliked_id=item["id"], service_id=service_id,
            service_name=name, comment=note,
        )  # fmt: skip
        return {"disliked": [*items, item]}, [event]

    return await change_card(cards, client_id, now, build)


async def update_disliked(
    cards: Repository[Doc], client_id: str, disliked_id: str, comment: str | None, *, now: datetime
) -> Outcome:
    now = as_stored(now)
    try:
        note = clean_comment(comment)
    except Invalid as exc:
        return problem(exc.message, exc.code, "comment", **exc.params)

    def build(card: Doc) -> Built:
        items = list(card.get("disliked") or [])
        item = find(items, disliked_id)
        if item is None:
            return no_disliked(disliked_id)
        changed = {**item, "comment": note, "at": now}
        event = DislikedServiceUpdated(
            client_id=client_id, disliked_id=disliked_id, service_id=item["service_id"],
            service_name=item["service_name"], comment=note,
        )  # fmt: skip
        return {"disliked": [changed if i["id"] == disliked_id else i for i in items]}, [event]

    return await change_card(cards, client_id, now, build)


async def remove_disliked(
    cards: Repository[Doc], client_id: str, disliked_id: str, *, now: datetime
) -> Outcome:
    def build(card: Doc) -> Built:
        items = list(card.get("disliked") or [])
        item = find(items, disliked_id)
        if item is None:
            return no_disliked(disliked_id)
        event = DislikedServiceRemoved(
            client_id=client_id, disliked_id=disliked_id, service_id=item["service_id"],
            service_name=item["service_name"],
        )  # fmt: skip
        return {"disliked": [i for i in items if i["id"] != disliked_id]}, [event]

    return await change_card(cards, client_id, now, build)


# ---------------------------------------------------------------- C4 / C7 booking check


async def check_booking(
    cards: Repository[Doc],
    studio: Doc | None,
    client_id: str,
    service_id: str,
    channel: BookingChannel,
    branch_id: str | None = None,
    language: str | None = None,
) -> BookingVerdict | None:
    """C4/B7 (the booking block) and C7 (disliked services) for one booking, worded in
    `language` (else the studio's: `studio` is the studio's document)."""
    card = (await cards.load(client_id)).state
    if not listed(card):
        return None
    return booking_check(
        channel=channel,
        service_id=service_id,
        block=block_of(card),
        branch_id=branch_id,
        status=str(card.get("status")),
        disliked=[
            Disliked(i["service_id"], i["service_name"], i.get("comment"))
            for i in card.get("disliked") or []
        ],
        language=language or str(studio_view(cards.tenant, studio).get("language") or "en"),
    )
