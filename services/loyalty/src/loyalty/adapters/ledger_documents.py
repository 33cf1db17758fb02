"""Account states and ledger pages as documents, and back.

A state's `lots`, `entries` and `keys`, a page's `entries`, are packed into one string
(`PACKED`, `plumbing.packed`): FerretDB's cost follows the number of fields, not the
bytes (300 account states of eight lots and eight ledger entries: 171 ms to insert as
sub-documents, 46 ms packed). Documents written before packing have the fields as they
are, and read so.
"""

from __future__ import annotations

from decimal import Decimal

from plumbing.mongo import Doc
from plumbing.packed import unpack

from loyalty.domain.ledger import Account, Entry, Kind, Lot, Taken

PACKED = "packed"


def lot_doc(lot: Lot) -> Doc:
    return {"id": lot.id, "points": lot.points, "at": lot.at, "expires_at": lot.expires_at}


def lot_of(doc: Doc) -> Lot:
    return Lot(doc["id"], int(doc["points"]), doc["at"], doc.get("expires_at"))


def _taken_doc(t: Taken) -> Doc:
    return {"lot_id": t.lot_id, "points": t.points, "at": t.at, "expires_at": t.expires_at}


def _taken(doc: Doc) -> Taken:
    return Taken(doc["lot_id"], int(doc["points"]), doc["at"], doc.get("expires_at"))


def entry_doc(e: Entry) -> Doc:
    # Absent fields are left out: every state carries its open entries.
    return _present(
        {
            "id": e.id,
            "kind": e.kind.value,
            "points": e.points,
            "value": str(e.value),
            "balance_after": e.balance_after,
            "at": e.at,
            "key": e.key,
            "branch_id": e.branch_id,
            "invoice_number": e.invoice_number,
            "source_type": e.source_type,
            "source_id": e.source_id,
            "source_name": e.source_name,
            "note": e.note,
            "actor_id": e.actor_id,
            "expires_at": e.expires_at,
            "channel": e.channel,
            "taken": [_taken_doc(t) for t in e.taken],
        }
    )


def _present(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if v is not None and v != []}


def entry_of(doc: Doc) -> Entry:
    return Entry(
        id=doc["id"],
        kind=Kind(doc["kind"]),
        points=int(doc["points"]),
        value=Decimal(doc["value"]),
        balance_after=int(doc["balance_after"]),
        at=doc["at"],
        key=doc.get("key"),
        branch_id=doc.get("branch_id"),
        invoice_number=doc.get("invoice_number"),
        source_type=doc.get("source_type") or "MANUAL",
        source_id=doc.get("source_id"),
        source_name=doc.get("source_name"),
        note=doc.get("note"),
        actor_id=doc.get("actor_id"),
        expires_at=doc.get("expires_at"),
        channel=doc.get("channel"),
        taken=tuple(_taken(t) for t in doc.get("taken") or []),
    )


def unpacked(doc: Doc) -> Doc:
    """A state or a page with its packed field spread out (documents written before
    packing have the fields as they are)."""
    text = doc.get(PACKED)
    return {**doc, **unpack(text)} if isinstance(text, str) else doc


def account_of(client_id: str, doc: Doc | None) -> Account:
    if doc is None:
        return Account(client_id=client_id)
    doc = unpacked(doc)
    return Account(
        client_id=client_id,
        balance=int(doc.get("balance") or 0),
        lots=[lot_of(lot) for lot in doc.get("lots") or []],
        entries=[entry_of(e) for e in doc.get("entries") or []],
        keys=set(doc.get("keys") or []),
        visits=int(doc.get("visits") or 0),
        first_invoice=doc.get("first_invoice"),
        version=int(doc.get("version") or 0),
    )
