"""Every event about a client becomes one entry of the client's timeline (C9), at the
time its fact happened; the event's id guards it, so a replay adds nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from plumbing.clock import as_utc
from plumbing.envelope import Envelope

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


def timeline_guard(envelope: Envelope) -> str:
    return f"{envelope.id}#tl"  # as the guard lists of earlier timelines hold it


async def add_to_timeline(
    timelines: Timelines, client_id: str, envelopes: Sequence[Envelope]
) -> None:
    """The entries of several events of one client in one write (a run of events costs
    one read and one write of the client's timeline); each event adds its entry once."""
    unique = list({e.id: e for e in envelopes}.values())
    await timelines.add(
        client_id, [timeline_entry(e) for e in unique], [timeline_guard(e) for e in unique]
    )
