"""C12 privacy: erase a client, export everything held about them."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from plumbing.clock import as_utc
from plumbing.mongo import Doc

from clients.adapters.files import FileStore
from clients.adapters.repository import Repository
from clients.events import ClientErased
from clients.service_layer.cards import Outcome

# What an erased card keeps: enough to answer "this client was erased", nothing personal.
KEPT_ON_ERASE = {"_id", "tenant", "id", "source", "created_at", "rev", "_outbox", "_events"}


async def erase_client(
    repo: Repository, files: FileStore, client_id: str, *, now: datetime
) -> Outcome:
    outcome = Outcome()
    current = await repo.client(client_id)
    if current is None or current.get("erased"):
        outcome.problems.add(f"unknown client {client_id!r}", "NOT_FOUND", "id")
        return outcome
    personal = sorted(k for k in current if k not in KEPT_ON_ERASE)
    update: Doc = {
        "$unset": {k: "" for k in personal},
        "$set": {"erased": True, "erased_at": now, "status": "ARCHIVED"},
        "$inc": {"rev": 1},
    }
    update["$set"]["updated_at"] = now
    update["$unset"].pop("updated_at", None)
    update["$unset"].pop("status", None)
    doc = await repo.erase_client(client_id, update, [ClientErased(client_id=client_id)])
    if doc is None:
        outcome.problems.add(f"unknown client {client_id!r}", "NOT_FOUND", "id")
        return outcome
    # The erasure is committed (state + event): now let go of what hangs off the card.
    for kind in ("email", "phone"):
        if current.get(kind):
            await repo.release_key(kind, current[kind], client_id)
    for document in current.get("documents") or []:
        await files.delete(document["id"])
    outcome.client = doc
    return outcome


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
