"""A client card's live changes (points, ranks, the card itself, its timeline), from the
events of loyalty, ranks, clients and crm as this API process's feed reads them
(`plumbing.live`)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from plumbing import topics
from plumbing.auth import STAFF, Role
from plumbing.envelope import Envelope
from plumbing.errors import Forbidden, NotFound
from plumbing.gql import context_of
from plumbing.live_graph import LiveUpdateKind, updates
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.types import Info

from clients.events import IMPORT_PROGRESSED, POINTS_EVENTS, RANK_EVENTS, TIMELINE_ENTRY_ADDED
from clients.graphql.caller import repo_of
from clients.graphql.types import Client

CARD_FEED = "client-card"
CARD_TOPICS = (topics.CLIENTS, topics.LOYALTY, topics.RANKS, topics.CRM)


@strawberry.enum(description="Which part of a client card an event changed.")
class ClientCardArea(StrEnum):
    POINTS = "POINTS"
    RANKS = "RANKS"
    CARD = "CARD"
    TIMELINE = "TIMELINE"


# A timeline entry: crm resolves it (and describes it), clients only names it.
@strawberry.federation.type(keys=[Key(fields=FieldSet("id clientId"), resolvable=False)])
class TimelineEntry:
    id: strawberry.ID
    client_id: strawberry.ID


def card_area(envelope: Envelope) -> ClientCardArea | None:
    if envelope.type in POINTS_EVENTS:
        return ClientCardArea.POINTS
    if envelope.type in RANK_EVENTS:
        return ClientCardArea.RANKS
    if envelope.type == TIMELINE_ENTRY_ADDED:
        return ClientCardArea.TIMELINE
    if envelope.context == "clients" and envelope.type != IMPORT_PROGRESSED:
        return ClientCardArea.CARD
    return None


def card_keys(envelope: Envelope) -> list[str]:
    """The card an event is about: `tenant:client id` (every event about a client names
    it as its subject)."""
    if envelope.subject is None or card_area(envelope) is None:
        return []
    return [f"{envelope.tenant}:{envelope.subject}"]


def shown_on_card(envelope: Envelope, client_id: str, *, staff: bool) -> bool:
    """Whether a caller following `client_id`'s card is handed this event: one about that
    card, and (but for staff) not the studio's own work on the client (notes, tasks…),
    which crm's `timeline` shows to staff only."""
    if envelope.subject != client_id:
        return False
    return staff or not (envelope.type == TIMELINE_ENTRY_ADDED and envelope.data.get("staff_only"))


@strawberry.type(description="One change of a client card, as the event that made it says.")
class ClientCardChange:
    event_id: strawberry.ID
    type: str = strawberry.field(description="The event's type (loyalty.points_earned.v1…).")
    area: ClientCardArea
    at: datetime
    points_balance: int | None = strawberry.field(
        description="POINTS: the balance once the movement applied."
    )
    points: int | None = strawberry.field(description="POINTS: how many points moved.")
    category_name: str | None = strawberry.field(description="RANKS: the category.")
    rank_name: str | None = strawberry.field(description="RANKS: the rank now held.")
    timeline_entry: TimelineEntry | None = strawberry.field(
        description="TIMELINE: the entry added to the client's timeline (its `summary` "
        "in the reader's language, through the gateway)."
    )
    client_id: strawberry.Private[str]

    @strawberry.field(description="The card as it is now (read when asked for).")
    async def client(self, info: Info[Any, Any]) -> Client | None:
        doc = await repo_of(context_of(info)).client(self.client_id)
        return None if doc is None or doc.get("erased") else Client.from_doc(doc)


def _change(envelope: Envelope, area: ClientCardArea, client_id: str) -> ClientCardChange:
    data = envelope.data
    points = area is ClientCardArea.POINTS
    ranks = area is ClientCardArea.RANKS
    entry = None
    if area is ClientCardArea.TIMELINE:
        entry = TimelineEntry(
            id=strawberry.ID(str(data["entry_id"])), client_id=strawberry.ID(client_id)
        )
    return ClientCardChange(
        event_id=strawberry.ID(envelope.id),
        type=envelope.type,
        area=area,
        at=envelope.time,
        points_balance=int(data["balance_after"]) if points else None,
        points=int(data["points"]) if points else None,
        category_name=str(data["category_name"]) if ranks else None,
        rank_name=str(data["rank_name"]) if ranks else None,
        timeline_entry=entry,
        client_id=client_id,
    )


@strawberry.type(
    description="One live update of a client card: STARTED (or REFETCH: read the card "
    "again, what was missed is out of reach) first, then one CHANGE per change. Keep "
    "`cursor` and pass it as `after` when reconnecting."
)
class ClientCardUpdate:
    kind: LiveUpdateKind
    cursor: str
    change: ClientCardChange | None = None


@strawberry.type
class CardSubscription:
    @strawberry.subscription(
        description="A client card's changes as they happen (staff, or the client's own "
        "card). `after`: the last cursor seen, to get what was missed (or REFETCH)."
    )
    async def client_card(
        self, info: Info[Any, Any], client_id: strawberry.ID, after: str | None = None
    ) -> AsyncGenerator[ClientCardUpdate, None]:
        ctx = context_of(info)
        wanted = str(client_id)
        own = ctx.principal.has(Role.CLIENT) and ctx.principal.client_id == wanted
        if not ctx.principal.has(*STAFF) and not own:
            raise Forbidden("only staff, or the client themself, may follow this card")
        doc = await repo_of(ctx).client(wanted)
        if doc is None or doc.get("erased"):
            raise NotFound("no such client")

        staff = ctx.principal.is_staff

        def about_card(envelope: Envelope) -> bool:
            return shown_on_card(envelope, wanted, staff=staff)

        key = f"{ctx.tenant}:{wanted}"
        async for update in updates(ctx, CARD_FEED, key, after, about_card):
            change = None
            if update.event is not None:
                envelope = update.event.envelope
                area = card_area(envelope)
                if area is None:
                    continue
                change = _change(envelope, area, wanted)
            yield ClientCardUpdate(kind=update.kind, cursor=update.cursor, change=change)
