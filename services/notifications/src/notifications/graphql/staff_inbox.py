"""The staff console inbox (N3): the notifications of the caller's roles, marking one
read, and the live `staffInbox` subscription fed by `notifications.staff_notified.v1`."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from plumbing.auth import STAFF
from plumbing.clock import as_utc
from plumbing.envelope import Envelope
from plumbing.gql import PageInfo, UserError, page_size, require, user_error
from plumbing.i18n import current_language
from plumbing.live_graph import LiveUpdateKind, updates
from plumbing.mongo import Doc, local_id
from strawberry.types import Info

from notifications.adapters.notices import request_notices
from notifications.events import StaffNotified
from notifications.graphql.client_messages import Client
from notifications.graphql.paging import WINDOW, newest_first


@strawberry.type(description="N3: a notification in the staff console inbox of one role.")
class StaffNotification:
    id: strawberry.ID
    kind: StaffNotificationKind
    message: str
    client: Client | None
    at: datetime
    read: bool
    role: strawberry.Private[str]


def _notification(d: Doc) -> StaffNotification:
    return StaffNotification(
        id=strawberry.ID(local_id(str(d["_id"]))),
        kind=notification_kind(str(d["kind"])),
        # Written in every language when it was raised (older ones in the studio's).
        message=(d.get("messages") or {}).get(current_language()) or d["message"],
        client=Client(id=strawberry.ID(d["client_id"])) if d.get("client_id") else None,
        at=as_utc(d["at"]),
        read=bool(d.get("read")),
        role=d["role"],
    )


@strawberry.enum
class StaffNotificationKind(StrEnum):
    RANK_ELIGIBLE = "RANK_ELIGIBLE"
    OTHER = "OTHER"


def notification_kind(stored: str) -> StaffNotificationKind:
    """A stored or announced kind as the enum; one this build does not know (a newer
    producer's) is OTHER rather than a failed inbox."""
    try:
        return StaffNotificationKind(stored.upper())
    except ValueError:
        return StaffNotificationKind.OTHER


@strawberry.type
class StaffNotificationEdge:
    cursor: str
    node: StaffNotification


@strawberry.type
class StaffNotificationConnection:
    edges: list[StaffNotificationEdge]
    page_info: PageInfo


@strawberry.type
class StaffNotificationPayload:
    notification: StaffNotification | None
    user_errors: list[UserError]


@strawberry.type
class InboxQuery:
    @strawberry.field(
        description="N3: the console notifications of the caller's roles, newest first."
    )
    async def staff_notifications_connection(
        self,
        info: Info[Any, Any],
        unread_only: bool | None = True,
        first: int | None = 50,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> StaffNotificationConnection | None:
        ctx = require(info, *STAFF)
        roles = sorted(r.value for r in ctx.principal.roles if r in STAFF)
        docs = await request_notices(ctx).inbox(roles, unread_only=bool(unread_only), first=WINDOW)
        page = newest_first([_notification(d) for d in docs], first, after, last, before, 50)
        return StaffNotificationConnection(
            edges=[StaffNotificationEdge(cursor=c, node=n) for c, n in page.items],
            page_info=page.page_info,
        )

    @strawberry.field(
        description="N3: the console inbox of the caller's roles, newest first (at most `first`).",
        deprecation_reason="Use staffNotificationsConnection, which pages.",
    )
    async def staff_notifications(
        self, info: Info[Any, Any], unread_only: bool | None = True, first: int | None = 50
    ) -> list[StaffNotification] | None:
        ctx = require(info, *STAFF)
        roles = sorted(r.value for r in ctx.principal.roles if r in STAFF)
        docs = await request_notices(ctx).inbox(
            roles, unread_only=bool(unread_only), first=page_size(first, default=50)
        )
        return [_notification(d) for d in docs]


@strawberry.type
class InboxMutations:
    @strawberry.mutation(description="N3: mark a console notification as read.")
    async def mark_notification_read(
        self, info: Info[Any, Any], id: strawberry.ID
    ) -> StaffNotificationPayload | None:
        ctx = require(info, *STAFF)
        roles = [r.value for r in ctx.principal.roles if r in STAFF]
        doc = await request_notices(ctx).mark_read(
            str(id), roles, by=ctx.principal.subject, at=ctx.now()
        )
        if doc is None:
            missing = user_error("no such notification in your inbox", "NOT_FOUND", "id")
            return StaffNotificationPayload(notification=None, user_errors=[missing])
        return StaffNotificationPayload(notification=_notification(doc), user_errors=[])


INBOX_FEED = "staff-inbox"
STAFF_NOTIFIED = "notifications.staff_notified.v1"


@strawberry.type(
    description="N3: one live update of the caller's inbox. STARTED (or REFETCH: read the "
    "inbox again, what was missed is out of reach) first, then one CHANGE per new "
    "notification. Keep `cursor` and pass it as `after` when reconnecting."
)
class StaffInboxUpdate:
    kind: LiveUpdateKind
    cursor: str
    notification: StaffNotification | None = None


def inbox_keys(envelope: Envelope) -> list[str]:
    """The inbox feed's subscribers are keyed by studio; each checks the role itself."""
    return [envelope.tenant] if envelope.type == STAFF_NOTIFIED else []


@strawberry.type
class InboxSubscription:
    @strawberry.subscription(
        description="N3: new console notifications for the caller's roles, as they arrive. "
        "`after`: the last cursor seen, to get what was missed (or REFETCH)."
    )
    async def staff_inbox(
        self, info: Info[Any, Any], after: str | None = None
    ) -> AsyncGenerator[StaffInboxUpdate, None]:
        ctx = require(info, *STAFF)
        roles = {r.value for r in ctx.principal.roles if r in STAFF}

        def for_me(envelope: Envelope) -> bool:
            return envelope.data.get("role") in roles

        async for update in updates(ctx, INBOX_FEED, ctx.tenant, after, for_me):
            notification = None
            if update.event is not None:
                event = update.event.envelope
                notified = StaffNotified.model_validate(event.data)
                notification = StaffNotification(
                    id=strawberry.ID(notified.notification_id),
                    kind=notification_kind(notified.kind),
                    message=notified.message,
                    client=Client(id=strawberry.ID(notified.client_id))
                    if notified.client_id
                    else None,
                    at=event.time,
                    read=False,
                    role=notified.role,
                )
            yield StaffInboxUpdate(
                kind=update.kind, cursor=update.cursor, notification=notification
            )
