"""Use cases behind the API: templates (N1/R10) and messages requested from the card (N4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from plumbing.mongo import Doc
from plumbing.outbox import Outbox, stored, with_events
from pymongo.asynchronous.database import AsyncDatabase

from notifications.adapters.recipients import (
    REQUESTS,
    load_recipient,
    requests,
    template_id,
    templates,
)
from notifications.domain.templates import LANGUAGES, SPECS, default_text, spec_of, validate
from notifications.events import MessageRequested, catalog


@dataclass(frozen=True, slots=True)
class TemplateView:
    key: str
    channel: str
    language: str
    subject: str | None
    body: str
    customized: bool


@dataclass(frozen=True, slots=True)
class Refused:
    message: str
    code: str
    field: str


async def list_templates(db: AsyncDatabase[Doc], tenant: str) -> list[TemplateView]:
    overrides = {str(d["_id"]).split(":", 1)[1]: d for d in await templates(db, tenant).find({})}
    views: list[TemplateView] = []
    for key, spec in SPECS.items():
        for channel in spec.channels:
            for language in LANGUAGES:
                own = overrides.get(template_id(key, channel, language))
                if own is not None:
                    views.append(
                        TemplateView(key, channel, language, own.get("subject"), own["body"], True)
                    )
                else:
                    text = default_text(key, channel, language)
                    views.append(
                        TemplateView(key, channel, language, text.subject, text.body, False)
                    )
    return views


async def save_template(
    db: AsyncDatabase[Doc],
    tenant: str,
    key: str,
    channel: str,
    language: str,
    subject: str | None,
    body: str,
    *,
    by: str,
    now: datetime,
) -> TemplateView:
    text = validate(key, channel, language, subject, body)
    await templates(db, tenant).update(
        {"_id": template_id(key, channel, language)},
        {
            "$set": {
                "key": key,
                "channel": channel,
                "language": language,
                "subject": text.subject,
                "body": text.body,
                "changed_by": by,
                "changed_at": now,
            }
        },
        upsert=True,
    )
    return TemplateView(key, channel, language, text.subject, text.body, True)


async def request_message(
    db: AsyncDatabase[Doc],
    outbox: Outbox,
    tenant: str,
    client_id: str,
    template_key: str,
    channel: str | None,
    *,
    by: str,
) -> str | Refused:
    """Queue a message from the client card; returns the request's event id."""
    spec = SPECS.get(template_key)
    if spec is None or not spec.manual:
        manual = ", ".join(sorted(k for k, s in SPECS.items() if s.manual))
        return Refused(
            f"{template_key!r} cannot be sent from the card; use one of: {manual}",
            "UNKNOWN_TEMPLATE",
            "templateKey",
        )
    spec_of(template_key)
    if await load_recipient(db, tenant, client_id) is None:
        return Refused("no client with this id", "CLIENT_NOT_FOUND", "clientId")
    event = catalog.envelope(
        MessageRequested(
            client_id=client_id, template_key=template_key, channel=channel, requested_by=by
        ),
        tenant=tenant,
        subject=client_id,
    )
    await requests(db, tenant).update(
        {"_id": event.id},
        with_events(
            {
                "$set": {
                    "client_id": client_id,
                    "template_key": template_key,
                    "channel": channel,
                    "requested_by": by,
                    "at": event.time,
                }
            },
            [stored(event, catalog.topic_of(event.type))],
        ),
        upsert=True,
    )
    await outbox.written(REQUESTS, f"{tenant}:{event.id}")
    return event.id
