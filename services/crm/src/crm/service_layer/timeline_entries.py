"""Every event about a client becomes one entry of the client's timeline (C9), at the
time its fact happened; the event's id guards it, so a replay adds nothing. Each entry
added is announced (`crm.timeline_entry_added.v1`) in the same write: the client card's
live updates follow it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from plumbing.clock import as_utc
from plumbing.envelope import Envelope

from crm.domain.timeline import STAFF_ONLY
from crm.events import TimelineEntryAdded, catalog
from crm.service_layer.ports import Doc, Timelines

# Where a fact's data says when it happened: a visit attended yesterday and reported
# today sits at yesterday on the timeline.
HAPPENED = ("occurred_at", "attended_at", "reported_at")


def happened_at(envelope: Envelope) -> datetime:
    """When the fact happened, by its data, never later than the event says it was
    told (a time in the future would pin it above everything that follows)."""
    for name in HAPPENED:
        raw = envelope.data.get(name)
        try:
            value = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
        except ValueError:
            continue
        if isinstance(value, datetime):
            return min(as_utc(value), as_utc(envelope.time))
    return envelope.time


def timeline_entry(envelope: Envelope) -> Doc:
    return {
        "id": envelope.id,
        "at": happened_at(envelope),
        "type": envelope.type,
        "kind": envelope.fact,
        "data": envelope.data,
        "source": envelope.source,
    }


def entry_added(envelope: Envelope, client_id: str, entry: Doc) -> Envelope:
    """The announcement of `entry` (of the event `envelope`) on `client_id`'s timeline."""
    data = TimelineEntryAdded(
        entry_id=str(entry["id"]),
        client_id=client_id,
        type=str(entry["type"]),
        kind=str(entry["kind"]),
        source=str(entry["source"]),
        at=entry["at"],
        staff_only=entry["kind"] in STAFF_ONLY,
    )
    return catalog.envelope(data, tenant=envelope.tenant, subject=client_id)


def timeline_guard(envelope: Envelope) -> str:
    return f"{envelope.id}#tl"  # as the guard lists of earlier timelines hold it


async def add_to_timeline(
    timelines: Timelines, client_id: str, envelopes: Sequence[Envelope]
) -> None:
    """The entries of several events of one client in one write (a run of events costs
    one read and one write of the client's timeline); each event adds its entry once."""
    unique = list({e.id: e for e in envelopes}.values())
    entries = [timeline_entry(e) for e in unique]
    await timelines.add(
        client_id,
        entries,
        [timeline_guard(e) for e in unique],
        [entry_added(e, client_id, entry) for e, entry in zip(unique, entries, strict=True)],
    )
