"""C8 communication preferences with their B8 consent evidence: each real change of a
switch is stored with its time and leaves a record of who made it, through which channel
and what consent they were shown (`domain/consent.py`)."""

from __future__ import annotations

from datetime import datetime

from plumbing.mongo import Doc
from plumbing.storage import Repository

from clients.domain.card import CHANNELS
from clients.domain.consent import MAX_RECORDS, Evidence, record
from clients.events import PreferencesChanged
from clients.service_layer.card_details import Built, as_stored, change_card, problem
from clients.service_layer.cards import Outcome


def preference_key(category: str, channel: str) -> str:
    return f"{category}_{channel}"


async def set_preference(
    cards: Repository[Doc],
    client_id: str,
    *,
    category: str,
    channel: str,
    enabled: bool,
    evidence: Evidence,
    now: datetime,
) -> Outcome:
    """C8: a change is stored with its time and its evidence; setting what is already set
    changes nothing (no new time, no record, no event), and "on" is the default."""
    now = as_stored(now)
    if channel not in CHANNELS:
        return problem(f"unknown channel {channel!r}", "INVALID_CHANNEL", "channel")
    key = preference_key(category, channel)

    def build(card: Doc) -> Built:
        preferences = dict(card.get("preferences") or {})
        existing = preferences.get(key)
        if existing is not None and bool(existing.get("enabled")) == enabled:
            return None
        if existing is None and enabled:
            return None  # the default is "on": switching it on changes nothing
        preferences[key] = {"enabled": enabled, "changed_at": now}
        proof = record(evidence, category, channel, enabled, now)
        kept = [*(card.get("consent_evidence") or []), proof][-MAX_RECORDS:]
        event = PreferencesChanged(
            client_id=client_id, category=category, channel=channel, enabled=enabled,
            changed_at=now, actor_kind=evidence.actor_kind.value, via=evidence.source.value,
            consent_version=evidence.version,
        )  # fmt: skip
        return {"preferences": preferences, "consent_evidence": kept}, [event]

    return await change_card(cards, client_id, now, build)
