"""Use cases: write to a client (N1, N2, L10, N4) and notify staff (N3).

At most once per triggering event and channel: the message record, keyed by
`<event id>|<channel>`, is written BEFORE anything is sent. A replay of the event finds
the record and sends nothing; a crash between the record and the send leaves it
PENDING, never sent twice (see docs/notifications.md for why this side was chosen).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plumbing.clock import Clock
from plumbing.event_handlers import Rejected
from plumbing.logs import get_logger
from plumbing.mongo import Doc
from plumbing.studio import StudioSettings

from notifications.adapters.delivery import Outgoing, Transport, deliver
from notifications.domain.messages import Recipient, money, why_not_coded
from notifications.domain.templates import (
    LANGUAGES,
    Text,
    date_text,
    default_text,
    language_of,
    rank_word,
    render,
    spec_of,
)
from notifications.events import (
    MessageFailed,
    MessageSent,
    MessageSuppressed,
    StaffNotified,
    catalog,
)
from notifications.service_layer.ports import Notices

log = get_logger("notifications.dispatch")


class RecipientUnknown(Exception):
    """The client's card has not reached this context yet: retried, then parked."""


@dataclass(frozen=True)
class Deps:
    notices: Callable[[str], Notices]  # one tenant's storage
    clock: Clock
    transports: Mapping[str, Transport]
    attempts: int
    backoff_seconds: float


async def template_text(notices: Notices, key: str, channel: str, language: str) -> Text:
    """The studio's own version of a template, or the default one."""
    own = await notices.template(key, channel, language)
    return own if own is not None else default_text(key, channel, language)


def client_values(recipient: Recipient, studio: StudioSettings) -> dict[str, Any]:
    return {
        "client_first_name": recipient.first_name,
        "client_last_name": recipient.last_name,
        "client_name": recipient.name,
        "studio": studio.name,
        "points": recipient.points if recipient.points is not None else 0,
        "points_value": money(recipient.points_value, recipient.currency or studio.currency),
    }


async def require_recipient(notices: Notices, client_id: str) -> Recipient:
    recipient = await notices.recipient(client_id)
    if recipient is None:
        raise RecipientUnknown(f"client {client_id} is not known here yet")
    return recipient


async def write_to_client(
    deps: Deps,
    *,
    tenant: str,
    trigger_event_id: str,
    client_id: str,
    template_key: str,
    channels: Sequence[str],
    values: Mapping[str, Any] | None = None,
    rank_terms: Mapping[str, Any] | None = None,
    dates: Mapping[str, datetime] | None = None,
) -> list[str]:
    """Send one message on the first channel that may and can be used.

    Every channel tried and refused is recorded as SUPPRESSED with the reason. `dates`
    are written as the studio's calendar days, in the client's language. Returns the
    statuses recorded by this call (empty on a replay).
    """
    spec = spec_of(template_key)
    notices = deps.notices(tenant)
    recipient = await require_recipient(notices, client_id)
    studio = await notices.studio()
    language = language_of(recipient.language, studio.language)
    filled = {**client_values(recipient, studio), **(values or {})}
    if rank_terms is not None:
        filled.update(rank_terms_in(rank_terms, language))
    for name, moment in (dates or {}).items():
        filled[name] = date_text(studio.today(moment), language)
    outcomes: list[str] = []
    for channel in channels:
        record_id = f"{trigger_event_id}|{channel}"
        status = await notices.message_status(record_id)
        if status is not None:
            if status == "SENT":
                break
            continue
        base: Doc = {
            "_id": record_id,
            "client_id": client_id,
            "template_key": template_key,
            "category": spec.category,
            "channel": channel,
            "trigger_event_id": trigger_event_id,
            "language": language,
            "at": deps.clock.now(),
            "attempts": 0,
            "reason": None,
        }
        withheld = why_not_coded(recipient, spec.category, channel)
        if withheld is not None:
            reason_code, reason_params, reason = withheld
            event = catalog.envelope(
                MessageSuppressed(
                    message_id=record_id,
                    client_id=client_id,
                    template_key=template_key,
                    channel=channel,
                    category=spec.category,
                    trigger_event_id=trigger_event_id,
                    reason=reason,
                ),
                tenant=tenant,
                subject=client_id,
            )
            doc = {
                **base,
                "status": "SUPPRESSED",
                "reason": reason,
                "reason_code": reason_code,
                "reason_params": reason_params,
            }
            if await notices.record_message(doc, [event]):
                outcomes.append("SUPPRESSED")
                log.info("message_suppressed", tenant=tenant, client_id=client_id, reason=reason)
            continue
        text = render(await template_text(notices, template_key, channel, language), filled)
        to = recipient.address(channel) or ""
        pending = {
            **base,
            "status": "PENDING",
            "to": to,
            "subject": text.subject,
            "body": text.body,
        }
        if not await notices.record_message(pending, []):
            break  # someone else (a replica handling a replay) owns this send
        outcome = await deliver(
            deps.transports,
            Outgoing(
                message_id=f"{tenant}:{record_id}",
                tenant=tenant,
                client_id=client_id,
                channel=channel,
                to=to,
                subject=text.subject,
                body=text.body,
                template_key=template_key,
                devices=recipient.push_devices() if channel == "PUSH" else (),
            ),
            attempts=deps.attempts,
            backoff_seconds=deps.backoff_seconds,
        )
        await _settle(deps, notices, pending, outcome.sent, outcome.attempts, outcome.error)
        outcomes.append("SENT" if outcome.sent else "FAILED")
        if outcome.sent:
            break
    return outcomes


def rank_terms_in(event: Mapping[str, Any], language: str) -> dict[str, Any]:
    return {
        "rank": event.get("rank") or "—",
        "next_rank": event.get("next_rank") or "",
        "category": event.get("category") or "",
        "rank_word": rank_word(event.get("terminology"), language),
    }


def event_topic(name: str) -> str:
    return catalog.topic_of(name)


async def _settle(
    deps: Deps, notices: Notices, pending: Doc, sent: bool, attempts: int, error: str | None
) -> None:
    tenant = notices.tenant
    record_id = str(pending["_id"])
    client_id = str(pending["client_id"])
    now = deps.clock.now()
    if sent:
        event = catalog.envelope(
            MessageSent(
                message_id=record_id,
                client_id=client_id,
                template_key=pending["template_key"],
                channel=pending["channel"],
                category=pending["category"],
                trigger_event_id=pending["trigger_event_id"],
                subject=pending.get("subject"),
                sent_at=now,
            ),
            tenant=tenant,
            subject=client_id,
        )
        fields: Doc = {"status": "SENT", "attempts": attempts, "sent_at": now}
        log.info("message_sent", tenant=tenant, client_id=client_id, message_id=record_id)
    else:
        reason = f"not delivered after {attempts} attempts: {error}"
        event = catalog.envelope(
            MessageFailed(
                message_id=record_id,
                client_id=client_id,
                template_key=pending["template_key"],
                channel=pending["channel"],
                trigger_event_id=pending["trigger_event_id"],
                reason=reason,
                attempts=attempts,
            ),
            tenant=tenant,
            subject=client_id,
        )
        fields = {
            "status": "FAILED",
            "attempts": attempts,
            "reason": reason,
            "reason_code": "NOT_DELIVERED",
            "reason_params": {"attempts": str(attempts), "error": str(error)},
        }
        log.warning("message_failed", tenant=tenant, client_id=client_id, reason=reason)
    await notices.settle_message(record_id, fields, [event])


async def notify_staff(
    deps: Deps,
    *,
    tenant: str,
    trigger_event_id: str,
    kind: str,
    roles: Sequence[str],
    client_id: str,
    template_key: str,
    values: Mapping[str, Any],
    rank_terms: Mapping[str, Any] | None = None,
) -> int:
    """One inbox entry per role (staff of that role see it); returns how many were new."""
    notices = deps.notices(tenant)
    recipient = await require_recipient(notices, client_id)
    studio = await notices.studio()
    language = language_of(studio.language)  # what the event says: the studio's language
    filled = {**client_values(recipient, studio), **values}
    # The notice in every language: a console reads it in its own (`Accept-Language`).
    texts: dict[str, str] = {}
    for spoken in LANGUAGES:
        words = {**filled, **(rank_terms_in(rank_terms, spoken) if rank_terms else {})}
        texts[spoken] = render(
            await template_text(notices, template_key, "PUSH", spoken), words
        ).body
    body = texts[language]
    created = 0
    for role in dict.fromkeys(r.upper() for r in roles):
        if role not in ("OWNER", "ADMIN", "OPERATOR"):
            raise Rejected(f"notify_roles names {role!r}, which is not a staff role")
        notification_id = f"{trigger_event_id}|{role}"
        event = catalog.envelope(
            StaffNotified(
                notification_id=notification_id,
                role=role,
                kind=kind,
                client_id=client_id,
                message=body,
                trigger_event_id=trigger_event_id,
            ),
            tenant=tenant,
            subject=client_id,
        )
        added = await notices.add_staff_notification(
            {
                "_id": notification_id,
                "role": role,
                "kind": kind,
                "message": body,
                "messages": texts,
                "client_id": client_id,
                "at": deps.clock.now(),
                "read": False,
                "read_by": None,
            },
            [event],
        )
        if not added:
            continue
        created += 1
    return created
