"""Use cases behind the API: templates (N1/R10) and messages requested from the card (N4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from notifications.domain.templates import (
    LANGUAGES,
    SPECS,
    check_slot,
    default_text,
    spec_of,
    validate,
)
from notifications.events import MessageRequested, catalog
from notifications.service_layer.ports import Notices


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


async def list_templates(notices: Notices) -> list[TemplateView]:
    overrides = await notices.own_templates()
    views: list[TemplateView] = []
    for key, spec in SPECS.items():
        for channel in spec.channels:
            for language in LANGUAGES:
                own = overrides.get((key, channel, language))
                if own is not None:
                    views.append(TemplateView(key, channel, language, own.subject, own.body, True))
                else:
                    text = default_text(key, channel, language)
                    views.append(
                        TemplateView(key, channel, language, text.subject, text.body, False)
                    )
    return views


async def save_template(
    notices: Notices,
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
    await notices.save_template(key, channel, language, text, by=by, at=now)
    return TemplateView(key, channel, language, text.subject, text.body, True)


async def reset_template(notices: Notices, key: str, channel: str, language: str) -> TemplateView:
    """N1: drop the studio's own version of one template; the default text is sent again.
    Resetting a template that was never changed answers the default as well."""
    check_slot(key, channel, language)
    await notices.forget_template(key, channel, language)
    text = default_text(key, channel, language)
    return TemplateView(key, channel, language, text.subject, text.body, False)


async def request_message(
    notices: Notices,
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
    if await notices.recipient(client_id) is None:
        return Refused("no client with this id", "CLIENT_NOT_FOUND", "clientId")
    event = catalog.envelope(
        MessageRequested(
            client_id=client_id, template_key=template_key, channel=channel, requested_by=by
        ),
        tenant=notices.tenant,
        subject=client_id,
    )
    await notices.record_request(
        event.id,
        {
            "client_id": client_id,
            "template_key": template_key,
            "channel": channel,
            "requested_by": by,
            "at": event.time,
        },
        [event],
    )
    return event.id
