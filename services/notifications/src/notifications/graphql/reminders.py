"""GraphQL types of the appointment reminders' studio setting (L10)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from plumbing.gql import RequestContext, UserError, user_error

from notifications.adapters.session_book import MongoSessionBook
from notifications.domain.reminders import ReminderSettings, ReminderSettingsError
from notifications.service_layer.reminders import set_reminder_settings


@strawberry.type(
    description="L10: appointment reminders sent by themselves, `hoursBefore` each booked "
    "session (default on, 24 hours)."
)
class AppointmentReminderSettings:
    enabled: bool
    hours_before: int
    changed_by: str | None
    changed_at: datetime | None


@strawberry.type
class AppointmentReminderSettingsPayload:
    settings: AppointmentReminderSettings | None
    user_errors: list[UserError]


def _view(s: ReminderSettings) -> AppointmentReminderSettings:
    return AppointmentReminderSettings(
        enabled=s.enabled,
        hours_before=s.hours_before,
        changed_by=s.changed_by,
        changed_at=s.changed_at,
    )


async def reminder_settings(ctx: RequestContext) -> AppointmentReminderSettings:
    return _view(await MongoSessionBook(ctx.db, ctx.tenant).settings())


async def save_reminder_settings(
    ctx: RequestContext, enabled: bool, hours_before: int
) -> AppointmentReminderSettingsPayload:
    try:
        saved = await set_reminder_settings(
            MongoSessionBook(ctx.db, ctx.tenant),
            enabled=enabled,
            hours_before=hours_before,
            by=ctx.principal.subject,
            now=ctx.now(),
        )
    except ReminderSettingsError as exc:
        refused = user_error(str(exc), exc.code, "hoursBefore", **exc.params)
        return AppointmentReminderSettingsPayload(settings=None, user_errors=[refused])
    return AppointmentReminderSettingsPayload(settings=_view(saved), user_errors=[])
