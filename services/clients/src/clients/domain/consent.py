"""B8 consent evidence (C8): who changed a communication preference, where, and what
they were shown. Plain data, no I/O.

Every real change of a switch leaves one record on the card: the actor's kind and id,
the channel the change came through, and the wording (or its version) of the consent
shown. A studio proves with it what a client agreed to or refused, and when; the client's
export carries it. Setting a switch to the value it has is no change and leaves none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from clients.domain.card import Invalid

MAX_WORDING = 2000  # the consent text as shown: a paragraph, not a contract
MAX_VERSION = 100  # "marketing-2026-03", "v4"
# The newest records a card keeps; a client switching more often than this in a card's
# life is a script, and the oldest records beyond it say nothing the newer ones do not.
MAX_RECORDS = 500


class ActorKind(StrEnum):
    CLIENT = "CLIENT"  # the client themself (the app, the web, a link or a reply)
    STAFF = "STAFF"  # someone of the studio
    PARTNER = "PARTNER"  # a partner's system, on the client's behalf


class ConsentSource(StrEnum):
    CONSOLE = "CONSOLE"  # staff in the studio's console
    PHONE = "PHONE"  # staff, told on the phone
    IN_PERSON = "IN_PERSON"  # staff, told at the desk or on paper
    APP = "APP"  # the studio's app
    WEB = "WEB"  # the client area or a website widget
    EMAIL_LINK = "EMAIL_LINK"  # an unsubscribe link in an e-mail
    SMS_REPLY = "SMS_REPLY"  # a reply such as STOP to an SMS
    PARTNER_SYSTEM = "PARTNER_SYSTEM"  # a partner's system, channel not said


# Where each kind of actor may say a change came from: staff do not click an e-mail's
# unsubscribe link for the client, and a client does not use the console.
ALLOWED: dict[ActorKind, tuple[ConsentSource, ...]] = {
    ActorKind.STAFF: (ConsentSource.CONSOLE, ConsentSource.PHONE, ConsentSource.IN_PERSON),
    ActorKind.CLIENT: (
        ConsentSource.APP,
        ConsentSource.WEB,
        ConsentSource.EMAIL_LINK,
        ConsentSource.SMS_REPLY,
    ),
    ActorKind.PARTNER: (
        ConsentSource.PARTNER_SYSTEM,
        ConsentSource.APP,
        ConsentSource.WEB,
        ConsentSource.EMAIL_LINK,
        ConsentSource.SMS_REPLY,
    ),
}


class BadEvidence(Invalid):
    """Evidence a rule refuses, with the argument it came in (`via`, `consentText`, …)."""

    def __init__(self, message: str, code: str, field: str) -> None:
        super().__init__(message, code)
        self.field = field


@dataclass(frozen=True)
class Evidence:
    actor_kind: ActorKind
    actor_id: str
    source: ConsentSource
    wording: str | None = None
    version: str | None = None


def evidence(
    actor_kind: ActorKind,
    actor_id: str,
    source: ConsentSource | None,
    wording: str | None,
    version: str | None,
) -> Evidence:
    """The checked evidence of one change; the channel defaults to the actor's first."""
    chosen = source or ALLOWED[actor_kind][0]
    if chosen not in ALLOWED[actor_kind]:
        allowed = ", ".join(ALLOWED[actor_kind])
        raise BadEvidence(
            f"a change by {actor_kind.value} cannot come through {chosen.value}; use {allowed}",
            "BAD_CHANNEL",
            "via",
        )
    text = " ".join(wording.split()) if wording is not None else None
    if text is not None and len(text) > MAX_WORDING:
        raise BadEvidence(
            f"the consent text is at most {MAX_WORDING} characters", "TOO_LONG", "consentText"
        )
    label = version.strip() if version is not None else None
    if label is not None and len(label) > MAX_VERSION:
        raise BadEvidence(
            f"the consent version is at most {MAX_VERSION} characters", "TOO_LONG", "consentVersion"
        )
    return Evidence(actor_kind, actor_id, chosen, text or None, label or None)


def record(
    proof: Evidence, category: str, channel: str, enabled: bool, at: datetime
) -> dict[str, object]:
    """The record a change leaves on the card (and in the client's export)."""
    return {
        "category": category,
        "channel": channel,
        "enabled": enabled,
        "at": at,
        "actor_kind": proof.actor_kind.value,
        "actor_id": proof.actor_id,
        "source": proof.source.value,
        "wording": proof.wording,
        "version": proof.version,
    }
