"""Use cases of the client documents (C6): an upload is checked, its bytes stored, and
the card lists it; a deletion takes it off the card, then drops the bytes."""

from __future__ import annotations

from datetime import datetime

from plumbing.ids import new_id
from plumbing.mongo import Doc
from plumbing.storage import Repository

from clients.domain.card import MAX_DOC_TYPE
from clients.domain.file_types import HEAD_BYTES, content_matches
from clients.domain.model import Problems
from clients.events import DocumentAdded, DocumentDeleted
from clients.service_layer.card_details import (
    Built,
    as_stored,
    change_card,
    find,
    listed,
    not_found,
    problems,
)
from clients.service_layer.cards import Outcome
from clients.service_layer.ports import Files

ALLOWED_CONTENT_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIC",
    "text/plain": "text",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
}


def check_upload(
    *, type_: str, file_name: str, content_type: str, size: int, max_bytes: int, head: bytes
) -> Problems:
    """What is wrong with an upload; `head` is the start of its bytes, which must be of
    the declared type (`content_matches`)."""
    found = Problems()
    if not type_.strip():
        found.add("a document needs a type (e.g. 'consent', 'medical')", "REQUIRED", "type")
    elif len(type_.strip()) > MAX_DOC_TYPE:
        found.add(f"type is at most {MAX_DOC_TYPE} characters", "TOO_LONG", "type")
    if not file_name.strip():
        found.add("the file has no name", "REQUIRED", "file")
    base = content_type.split(";")[0].strip().lower()
    if base not in ALLOWED_CONTENT_TYPES:
        kinds = ", ".join(sorted(set(ALLOWED_CONTENT_TYPES.values())))
        found.add(
            f"files of type {base or 'unknown'!r} are not accepted (accepted: {kinds})",
            "UNSUPPORTED_CONTENT_TYPE",
            "file",
        )
    if size == 0:
        found.add("the file is empty", "EMPTY_FILE", "file")
    elif size > max_bytes:
        found.add(
            f"the file is larger than the {max_bytes // (1024 * 1024)} MB limit",
            "FILE_TOO_LARGE",
            "file",
        )
    elif base in ALLOWED_CONTENT_TYPES and not content_matches(base, head):
        found.add(
            f"the file's content is not {ALLOWED_CONTENT_TYPES[base]} as its type "
            f"{base!r} says: save it again as {ALLOWED_CONTENT_TYPES[base]} and upload it",
            "CONTENT_TYPE_MISMATCH",
            "file",
        )
    return found


async def upload_document(
    cards: Repository[Doc],
    files: Files,
    client_id: str,
    *,
    type_: str,
    file_name: str,
    content_type: str,
    data: bytes,
    too_large: bool,
    visible_to_client: bool,
    max_bytes: int,
    now: datetime,
) -> Outcome:
    now = as_stored(now)
    size = max_bytes + 1 if too_large else len(data)
    refused = check_upload(
        type_=type_, file_name=file_name, content_type=content_type, size=size,
        max_bytes=max_bytes, head=data[:HEAD_BYTES],
    )  # fmt: skip
    if refused:
        return Outcome(problems=refused)
    if not listed((await cards.load(client_id)).state):
        return not_found(client_id)
    document: Doc = {
        "id": new_id(),
        "type": " ".join(type_.split()),
        "file_name": file_name.strip().replace("/", "_").replace("\\", "_")[:200],
        "content_type": content_type.split(";")[0].strip().lower(),
        "size_bytes": len(data),
        "visible_to_client": bool(visible_to_client),
        "uploaded_at": now,
    }
    await files.put(document["id"], document["file_name"], data, document["content_type"])
    event = DocumentAdded(
        client_id=client_id,
        document_id=document["id"],
        type=document["type"],
        file_name=document["file_name"],
        content_type=document["content_type"],
        size_bytes=document["size_bytes"],
        visible_to_client=document["visible_to_client"],
    )

    def build(card: Doc) -> Built:
        return {"documents": [*(card.get("documents") or []), document]}, [event]

    outcome = await change_card(cards, client_id, now, build)
    if outcome.client is None:  # erased meanwhile: do not keep the bytes
        await files.delete(document["id"])
    return outcome


async def delete_document(
    cards: Repository[Doc], files: Files, client_id: str, document_id: str, *, now: datetime
) -> Outcome:
    now = as_stored(now)
    removed: list[Doc] = []

    def build(card: Doc) -> Built:
        documents = list(card.get("documents") or [])
        document = find(documents, document_id)
        if document is None:
            return problems(f"no document {document_id!r} on this card", "NOT_FOUND", "documentId")
        removed[:] = [document]
        event = DocumentDeleted(
            client_id=client_id, document_id=document_id, type=document["type"],
            file_name=document["file_name"],
        )  # fmt: skip
        return {"documents": [d for d in documents if d["id"] != document_id]}, [event]

    outcome = await change_card(cards, client_id, now, build)
    if outcome.client is not None and removed:
        await files.delete(document_id)
    return outcome


async def set_document_visibility(
    cards: Repository[Doc], client_id: str, document_id: str, visible: bool, *, now: datetime
) -> Outcome:
    """C6: show a document to the client in the app, or hide it again. Setting what is
    already set changes nothing (the card as it is, no new revision)."""
    now = as_stored(now)

    def build(card: Doc) -> Built:
        documents = [dict(d) for d in card.get("documents") or []]
        document = find(documents, document_id)
        if document is None:
            return problems(
                f"no document {document_id!r} on this card", "NOT_FOUND", "documentId",
                id=document_id,
            )  # fmt: skip
        if bool(document.get("visible_to_client")) is bool(visible):
            return None
        document["visible_to_client"] = bool(visible)
        return {"documents": documents}, []

    return await change_card(cards, client_id, now, build)
