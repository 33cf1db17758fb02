"""The studio's transactional templates (N1): read them, change one, put one back."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF
from plumbing.enums import Channel
from plumbing.gql import UserError, context_of, require, user_error
from plumbing.node_ids import global_id
from strawberry.types import Info

from notifications.adapters.notices import request_notices
from notifications.domain.templates import SPECS, TemplateError
from notifications.service_layer import manage


@strawberry.type(
    description="N1: a transactional template for one key, channel and language. "
    "Placeholders are written {name}."
)
class NotificationTemplate:
    @strawberry.field(description="The template's global id: its studio, key, channel, language.")
    def id(self, info: Info[Any, Any]) -> strawberry.ID:
        parts = (context_of(info).tenant, self.key, self.channel.value, self.language)
        return strawberry.ID(global_id("NotificationTemplate", *parts))

    key: str
    channel: Channel
    language: str
    subject: str | None
    body: str
    placeholders: list[str] = strawberry.field(
        description="The placeholders this template may use.", default_factory=list
    )
    customized: bool = strawberry.field(
        description="True when the studio changed it; false for the default text.", default=False
    )


def _template(t: manage.TemplateView) -> NotificationTemplate:
    return NotificationTemplate(
        key=t.key,
        channel=Channel(t.channel),
        language=t.language,
        subject=t.subject,
        body=t.body,
        placeholders=sorted(SPECS[t.key].placeholders),
        customized=t.customized,
    )


@strawberry.type
class NotificationTemplatePayload:
    template: NotificationTemplate | None
    user_errors: list[UserError]


# Which argument a template's refusal points at (the others: `body`).
TEMPLATE_FIELDS = {"UNKNOWN_TEMPLATE": "key", "BAD_CHANNEL": "channel", "BAD_LANGUAGE": "language"}


@strawberry.type
class TemplateQuery:
    @strawberry.field(
        description="N1: every template of the studio, in es, it and en, with its defaults "
        "where the studio has not changed them."
    )
    async def notification_templates(
        self, info: Info[Any, Any]
    ) -> list[NotificationTemplate] | None:
        ctx = require(info, *STAFF)
        return [_template(t) for t in await manage.list_templates(request_notices(ctx))]


@strawberry.type
class TemplateMutations:
    @strawberry.mutation(
        description="N1/R10: change one template. An unknown placeholder is refused "
        "(userErrors, code UNKNOWN_PLACEHOLDER)."
    )
    async def update_notification_template(
        self,
        info: Info[Any, Any],
        key: str,
        channel: Channel,
        language: str,
        body: str,
        subject: str | None = None,
    ) -> NotificationTemplatePayload | None:
        ctx = require(info, *MANAGERS)
        try:
            view = await manage.save_template(
                request_notices(ctx),
                key,
                channel.value,
                language.strip().lower(),
                subject,
                body,
                by=ctx.principal.subject,
                now=ctx.now(),
            )
        except TemplateError as exc:
            field = TEMPLATE_FIELDS.get(exc.code, "body")
            refused = user_error(str(exc), exc.code, field, **exc.params)
            return NotificationTemplatePayload(template=None, user_errors=[refused])
        return NotificationTemplatePayload(template=_template(view), user_errors=[])

    @strawberry.mutation(
        description="N1: put one template back to its default text (the studio's own version "
        "is dropped). A template never changed answers its default too."
    )
    async def reset_notification_template(
        self, info: Info[Any, Any], key: str, channel: Channel, language: str
    ) -> NotificationTemplatePayload | None:
        ctx = require(info, *MANAGERS)
        try:
            view = await manage.reset_template(
                request_notices(ctx), key, channel.value, language.strip().lower()
            )
        except TemplateError as exc:
            field = TEMPLATE_FIELDS.get(exc.code, "body")
            refused = user_error(str(exc), exc.code, field, **exc.params)
            return NotificationTemplatePayload(template=None, user_errors=[refused])
        return NotificationTemplatePayload(template=_template(view), user_errors=[])
