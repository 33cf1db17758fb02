"""The notifications subgraph: templates (N1), the staff inbox (N3), messages to a
client (N2, N4)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum, StrEnum
from typing import Annotated, Any, TypeVar

import strawberry
from plumbing.auth import MANAGERS, STAFF
from plumbing.clock import as_utc
from plumbing.enums import Channel, MessageCategory
from plumbing.envelope import Envelope
from plumbing.gql import (
    MessageParam,
    PageInfo,
    SubgraphSchema,
    UserError,
    context_of,
    may_read_client,
    message_params,
    page_size,
    require,
    schema_extensions,
    user_error,
)
from plumbing.i18n import current_language, translate
from plumbing.intake import IngestPayload
from plumbing.live_graph import LiveUpdateKind, updates
from plumbing.mongo import Doc, local_id
from plumbing.node_ids import global_id
from plumbing.paging import Page, page_of, sortable
from plumbing.repeats import REPEAT_KEY, RepeatRefused, key_error, once_for
from strawberry.types import Info

from notifications.adapters.notices import request_notices
from notifications.domain.messages import why_not
from notifications.domain.templates import SPECS, TemplateError
from notifications.events import StaffNotified
from notifications.graphql.devices import DeviceMutations
from notifications.graphql.reminders import (
    AppointmentReminderSettings,
    AppointmentReminderSettingsPayload,
    reminder_settings,
    save_reminder_settings,
)
from notifications.service_layer import manage


@strawberry.enum
class MessageStatus(StrEnum):
    SENT = "SENT"
    SUPPRESSED = "SUPPRESSED"
    FAILED = "FAILED"
    PENDING = "PENDING"


@strawberry.enum(description="Why a message was withheld or not delivered.")
class MessageReason(Enum):
    SWITCHED_OFF = strawberry.enum_value(
        "SWITCHED_OFF", description="The client switched off this category on this channel."
    )
    NO_ADDRESS = strawberry.enum_value(
        "NO_ADDRESS", description="No address on file for the channel (or no app, for push)."
    )
    NOT_DELIVERED = strawberry.enum_value(
        "NOT_DELIVERED", description="The provider refused it after every attempt."
    )


@strawberry.type(description="One message to a client: sent, or withheld with the reason.")
class ClientMessage:
    id: strawberry.ID
    template_key: str
    channel: Channel
    status: MessageStatus
    reason: str | None = strawberry.field(description="Why, in the request's language.")
    at: datetime
    subject: str | None = strawberry.field(description="E-mail subject as sent.", default=None)
    body: str | None = strawberry.field(
        description="The text as sent (none when suppressed).", default=None
    )
    language: str | None = strawberry.field(description="Language it was written in.", default=None)
    reason_code: MessageReason | None = strawberry.field(
        default=None, description="Why, as a stable code (none for messages kept before codes)."
    )
    reason_params: list[MessageParam] = strawberry.field(
        default_factory=list, description="What the reason names, by name."
    )


def _message(d: Doc) -> ClientMessage:
    code = d.get("reason_code")
    params = dict(d.get("reason_params") or {})
    reason = d.get("reason")
    return ClientMessage(
        id=strawberry.ID(local_id(str(d["_id"]))),
        template_key=d["template_key"],
        channel=Channel(d["channel"]),
        status=MessageStatus(d["status"]),
        reason=translate(code, params, fallback=reason) if code and reason else reason,
        reason_code=MessageReason(str(code)) if code in MessageReason.__members__ else None,
        reason_params=message_params(params),
        at=as_utc(d["at"]),
        subject=d.get("subject"),
        body=d.get("body"),
        language=d.get("language"),
    )


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        may_read_client(info, str(id))  # a partner without `clients:read` is refused here
        return cls(id=id)

    @strawberry.field(description="Messages sent or suppressed for this client, newest first.")
    async def messages_connection(
        self,
        info: Info[Any, Any],
        first: int | None = 20,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ClientMessageConnection | None:
        ctx = context_of(info)
        if not ctx.principal.is_staff and ctx.principal.client_id != str(self.id):
            return ClientMessageConnection(
                edges=[], page_info=PageInfo.of([], has_next=False, after=None)
            )
        docs = await request_notices(ctx).client_messages(str(self.id), WINDOW)
        page = newest_first([_message(d) for d in docs], first, after, last, before)
        return ClientMessageConnection(
            edges=[ClientMessageEdge(cursor=c, node=m) for c, m in page.items],
            page_info=page.page_info,
        )

    @strawberry.field(
        description="N2: messages sent or refused, newest first (at most `first`).",
        deprecation_reason="Use messagesConnection, which pages.",
    )
    async def messages(
        self, info: Info[Any, Any], first: int | None = 20
    ) -> list[ClientMessage] | None:
        ctx = context_of(info)
        if not ctx.principal.is_staff and ctx.principal.client_id != str(self.id):
            return []
        docs = await request_notices(ctx).client_messages(str(self.id), page_size(first))
        return [_message(d) for d in docs]

    @strawberry.field(
        description="N2: the channels a message of this category may reach the client on "
        "now, given its contact data and communication preferences."
    )
    async def message_channels(
        self, info: Info[Any, Any], category: MessageCategory
    ) -> list[Channel] | None:
        ctx = context_of(info)
        if not ctx.principal.is_staff and ctx.principal.client_id != str(self.id):
            return []
        recipient = await request_notices(ctx).recipient(str(self.id))
        if recipient is None:
            return []
        return [c for c in Channel if why_not(recipient, category.value, c.value) is None]


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


# The newest messages or notifications a connection pages through (a console pages a few
# screens; older ones stay stored).
WINDOW = 1000
T = TypeVar("T", ClientMessage, StaffNotification)


def newest_first(
    items: list[T],
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    default: int = 20,
) -> Page[T]:
    ordered = sorted(items, key=_newest_key, reverse=True)
    return page_of(
        ordered,
        _newest_key,
        first=first,
        after=after,
        last=last,
        before=before,
        descending=True,
        default=default,
    )


def _newest_key(item: ClientMessage | StaffNotification) -> tuple[str, str]:
    return (sortable(item.at), str(item.id))


@strawberry.type
class ClientMessageEdge:
    cursor: str
    node: ClientMessage


@strawberry.type
class ClientMessageConnection:
    edges: list[ClientMessageEdge]
    page_info: PageInfo


@strawberry.type
class StaffNotificationEdge:
    cursor: str
    node: StaffNotification


@strawberry.type
class StaffNotificationConnection:
    edges: list[StaffNotificationEdge]
    page_info: PageInfo


@strawberry.type
class Query:
    @strawberry.field(
        description="N1: every template of the studio, in es, it and en, with its defaults "
        "where the studio has not changed them."
    )
    async def notification_templates(
        self, info: Info[Any, Any]
    ) -> list[NotificationTemplate] | None:
        ctx = require(info, *STAFF)
        return [_template(t) for t in await manage.list_templates(request_notices(ctx))]

    @strawberry.field(
        description="L10: whether appointment reminders go out by themselves, and how many "
        "hours before each booked session."
    )
    async def appointment_reminder_settings(
        self, info: Info[Any, Any]
    ) -> AppointmentReminderSettings | None:
        return await reminder_settings(require(info, *STAFF))

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
class NotificationTemplatePayload:
    template: NotificationTemplate | None
    user_errors: list[UserError]


@strawberry.type
class StaffNotificationPayload:
    notification: StaffNotification | None
    user_errors: list[UserError]


# Which argument a template's refusal points at (the others: `body`).
TEMPLATE_FIELDS = {"UNKNOWN_TEMPLATE": "key", "BAD_CHANNEL": "channel", "BAD_LANGUAGE": "language"}


@strawberry.type
class Mutation(DeviceMutations):
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

    @strawberry.mutation(
        description="L10: switch the appointment reminders on or off and say how many hours "
        "(1-168) before each booked session they go out. Out of range: BAD_HOURS."
    )
    async def set_appointment_reminders(
        self, info: Info[Any, Any], enabled: bool, hours_before: int = 24
    ) -> AppointmentReminderSettingsPayload | None:
        return await save_reminder_settings(require(info, *MANAGERS), enabled, hours_before)

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

    @strawberry.mutation(
        description="N4: send a template (payment_reminder, booking_invitation, "
        "points_balance, appointment_reminder) to a client from the card; without a channel, the first one the "
        "client can be reached on. Accepted means queued: the client's preferences decide."
    )
    async def send_client_message(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        template_key: str,
        channel: Channel | None = strawberry.UNSET,
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> IngestPayload | None:
        ctx = require(info, *STAFF)

        async def run() -> tuple[IngestPayload, Doc | None]:
            result = await manage.request_message(
                request_notices(ctx),
                str(client_id),
                template_key.strip(),
                channel.value if isinstance(channel, Channel) else None,
                by=ctx.principal.subject,
            )
            if isinstance(result, manage.Refused):
                refused = user_error(result.message, result.code, result.field)
                return IngestPayload(accepted=False, event_id=None, user_errors=[refused]), None
            sent = IngestPayload(accepted=True, event_id=strawberry.ID(result), user_errors=[])
            return sent, {"eventId": result}

        async def replay(record: Doc) -> IngestPayload:
            return IngestPayload(
                accepted=True, event_id=strawberry.ID(record["eventId"]), user_errors=[]
            )

        try:
            return await once_for(ctx, idempotency_key, "sendClientMessage", run, replay)
        except RepeatRefused as exc:
            return IngestPayload(accepted=False, event_id=None, user_errors=[key_error(exc)])


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
class Subscription:
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


schema = SubgraphSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[Client],
    extensions=schema_extensions(),
    federation_version="2.9",
)
