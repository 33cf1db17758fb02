"""C12 privacy: erase a client, export everything held about them."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from plumbing.clock import as_utc
from plumbing.mongo import Doc
from plumbing.storage import Decision, Loaded, Refuse, Repository, Save, change, outgoing

from clients.events import ClientErased, catalog
from clients.service_layer.card_details import listed, not_found, problem
from clients.service_layer.cards import Outcome
from clients.service_layer.ports import ContactKeys, Files

ALREADY_ERASED = "ALREADY_ERASED"

# What an erased card keeps: enough to answer "this client was erased", nothing personal.
KEPT_ON_ERASE = ("id", "source", "created_at")


async def erase_client(
    cards: Repository[Doc], keys: ContactKeys, files: Files, client_id: str, *, now: datetime
) -> Outcome:
    """C12: the card keeps a tombstone, its email and phone are free for new cards, its
    documents' bytes are gone, and `clients.client_erased.v1` tells every other service.
    Erasing it again answers ALREADY_ERASED (a retry learns the erasure is done); an id
    that never was a card answers NOT_FOUND."""
    erased: list[Doc] = []

    def decide(current: Loaded[Doc]) -> Decision[Doc, Outcome]:
        card = current.state
        # An erased card loads as a forgotten state that keeps its version (the card
        # storage reads the tombstone so); the in-memory storage keeps the tombstone.
        if (card is None and current.version > 0) or (card is not None and card.get("erased")):
            return Refuse(problem(f"client {client_id!r} is already erased", ALREADY_ERASED, "id"))
        if not listed(card):
            return Refuse(not_found(client_id, "id"))
        erased[:] = [card]
        tombstone = {k: card[k] for k in KEPT_ON_ERASE if k in card}
        tombstone.update(erased=True, erased_at=now, status="ARCHIVED", updated_at=now)
        event = outgoing(catalog, ClientErased(client_id=client_id), tenant=cards.tenant,
                         subject=client_id)  # fmt: skip
        return Save(tombstone, Outcome(), [event])

    done = await change(cards, client_id, decide)
    if not done.saved:
        return done.result
    # The erasure is committed (state + event): now let go of what hangs off the card.
    (card,) = erased
    for kind in ("email", "phone"):
        if card.get(kind):
            await keys.release_key(kind, card[kind], client_id)
    for document in card.get("documents") or []:
        await files.delete(document["id"])
    return Outcome()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


INTERNAL = {"_id", "tenant", "_outbox", "_events", "search_text", "sort_name", "birth_md", "rev"}


def export_card(card: Doc, definitions: list[Doc], *, exported_at: datetime) -> str:
    """Everything the clients service holds about one client, as a JSON document."""
    labels = {d["id"]: d for d in definitions}
    body = {k: _plain(v) for k, v in card.items() if k not in INTERNAL}
    body["custom_values"] = [
        {
            "field_id": field_id,
            "label": labels.get(field_id, {}).get("label"),
            "type": labels.get(field_id, {}).get("type"),
            "value": value,
        }
        for field_id, value in (card.get("custom_values") or {}).items()
    ]
    out = {
        "service": "clients",
        "exported_at": _plain(exported_at),
        "client": body,
    }
    return json.dumps(out, ensure_ascii=False, sort_keys=True)
