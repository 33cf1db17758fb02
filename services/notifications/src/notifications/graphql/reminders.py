"""GraphQL types, query and mutation of the appointment reminders' studio setting (L10)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF
from plumbing.gql import RequestContext, UserError, require, user_error
from strawberry.types import Info

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


@strawberry.type
class ReminderQuery:
    @strawberry.field(
        description="L10: whether appointment reminders go out by themselves, and how many "
        "hours before each booked session."
    )
    async def appointment_reminder_settings(
        self, info: Info[Any, Any]
    ) -> AppointmentReminderSettings | None:
        return await reminder_settings(require(info, *STAFF))


@strawberry.type
class ReminderMutations:
    @strawberry.mutation(
        description="L10: switch the appointment reminders on or off and say how many hours "
        "(1-168) before each booked session they go out. Out of range: BAD_HOURS."
    )
    async def set_appointment_reminders(
        self, info: Info[Any, Any], enabled: bool, hours_before: int = 24
    ) -> AppointmentReminderSettingsPayload | None:
        return await save_reminder_settings(require(info, *MANAGERS), enabled, hours_before)
