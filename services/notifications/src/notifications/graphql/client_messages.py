"""Messages to a client (N2, N4): what was sent or withheld on the `Client` entity, the
channels a message may reach them on, and `sendClientMessage` from the card."""

from __future__ import annotations

from datetime import datetime
from enum import Enum, StrEnum
from typing import Annotated, Any

import strawberry
from plumbing.auth import STAFF
from plumbing.clock import as_utc
from plumbing.enums import Channel, MessageCategory
from plumbing.gql import (
    MessageParam,
    PageInfo,
    context_of,
    may_read_client,
    message_params,
    page_size,
    require,
    user_error,
)
from plumbing.i18n import translate
from plumbing.intake import IngestPayload
from plumbing.mongo import Doc, local_id
from plumbing.repeats import REPEAT_KEY, RepeatRefused, key_error, once_for
from strawberry.types import Info

from notifications.adapters.notices import request_notices
from notifications.domain.messages import why_not
from notifications.graphql.paging import WINDOW, newest_first
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


@strawberry.type
class ClientMessageEdge:
    cursor: str
    node: ClientMessage


@strawberry.type
class ClientMessageConnection:
    edges: list[ClientMessageEdge]
    page_info: PageInfo


@strawberry.type
class MessageMutations:
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
