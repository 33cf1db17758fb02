"""The client card's crm part: activity (C11) and timeline (C9)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from plumbing import node_ids
from plumbing.clock import as_utc
from plumbing.enums import AppPlatform, PaymentMethod
from plumbing.errors import BadInput
from plumbing.gql import (
    Money,
    PageInfo,
    context_of,
    decode_cursor,
    encode_cursor,
    may_read_client,
    page_size,
)
from plumbing.paging import page_of, sortable
from strawberry.types import Info

from crm.adapters.timelines import key_of
from crm.domain import rules
from crm.domain.timeline import STAFF_ONLY
from crm.graphql.context import as_time, storage_of
from crm.graphql.enums import (
    BookingStatus,
    booking_status,
    credit_status,
    membership_status,
)
from crm.graphql.timeline_entries import service_names, shown_entry
from crm.graphql.types import (
    Booking,
    Credit,
    GiftCard,
    Membership,
    MembershipPayment,
    PaymentOutcome,
    Sale,
    TimelineConnection,
    TimelineEdge,
)
from crm.service_layer.ports import Key

Doc = dict[str, Any]


def _money(value: Any, currency: str) -> Money:
    return Money(amount=Decimal(str(value)).quantize(Decimal("0.01")), currency=currency)


def _payments(membership: Doc, currency: str) -> list[MembershipPayment]:
    """C11: the membership's payment activity, newest first."""
    found = [
        MembershipPayment(
            id=strawberry.ID(x["payment_id"]),
            at=as_time(x["at"]),
            amount=_money(x["amount"], currency),
            outcome=PaymentOutcome(x["outcome"]),
            method=PaymentMethod(x["method"]) if x.get("method") else None,
            reason=x.get("reason"),
        )
        for x in membership.get("payments") or []
    ]
    return sorted(found, key=lambda x: (x.at, str(x.id)), reverse=True)


async def _visible_timeline(
    info: Info[Any, Any], client_id: str, count: int, cursor: Key | None, backward: bool
) -> list[Doc]:
    """The `count` entries this caller may read next to the cursor, newest first: older
    than it, or (`backward`) just newer (one more than a page tells whether the list goes
    on). Staff read everything; others do not read the studio's own work (`STAFF_ONLY`),
    and pages are read on until `count` remain."""
    timelines = storage_of(info).views.timelines
    read_from = timelines.newer if backward else timelines.newest
    if context_of(info).principal.is_staff:
        return await read_from(client_id, count, cursor)
    kept: list[Doc] = []
    while True:
        read = await read_from(client_id, count, cursor)
        shown = [e for e in read if e.get("kind") not in STAFF_ONLY]
        kept = shown + kept if backward else kept + shown
        if len(kept) >= count or len(read) < count:
            return kept[-count:] if backward else kept[:count]
        cursor = key_of(read[0] if backward else read[-1])


def _timeline_key(cursor: str | None) -> Key | None:
    position = decode_cursor(cursor)
    if position is None:
        return None
    at_text, _, entry_id = position.partition("|")
    try:
        return (as_utc(datetime.fromisoformat(at_text)), entry_id)
    except ValueError:
        raise BadInput("the cursor is not one this API returned", code="BAD_CURSOR") from None


@strawberry.federation.type(keys=["id"])
class ClientActivity:
    id: strawberry.ID
    upcoming_bookings: list[Booking]
    unpaid_sales: list[Sale]
    memberships: list[Membership]
    gift_cards: list[GiftCard]
    has_app: bool
    app_platform: AppPlatform | None
    past: strawberry.Private[list[Booking]]

    @strawberry.field(deprecation_reason="Use pastBookingsConnection, which pages through all.")
    def past_bookings(self, first: int | None = 20) -> list[Booking]:
        return self.past[: page_size(first)]

    @strawberry.field(description="Bookings that started before now, the latest first.")
    def past_bookings_connection(
        self,
        first: int | None = 20,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> BookingConnection:
        page = page_of(
            self.past,
            _booking_key,
            first=first,
            after=after,
            last=last,
            before=before,
            descending=True,
        )
        return BookingConnection(
            edges=[BookingEdge(cursor=c, node=b) for c, b in page.items],
            page_info=page.page_info,
        )


@strawberry.type
class BookingEdge:
    cursor: str
    node: Booking


@strawberry.type
class BookingConnection:
    edges: list[BookingEdge]
    page_info: PageInfo


def _booking_key(booking: Booking) -> tuple[str, str]:
    return (sortable(booking.starts_at), str(booking.id))


def _booking(booking_id: str, b: Doc) -> Booking:
    return Booking(
        id=strawberry.ID(rules.unsafe_key(booking_id)),
        session_id=strawberry.ID(b["session_id"]),
        service_id=strawberry.ID(b["service_id"]) if b.get("service_id") else None,
        service_name=b.get("service_name"),
        professional_id=strawberry.ID(b["professional_id"]) if b.get("professional_id") else None,
        starts_at=as_time(b["starts_at"]),
        status=booking_status(b["status"]),
        from_app=bool(b.get("from_app")),
    )


def _activity(
    client_id: str, profile: Doc, now: datetime, today: date, currency: str
) -> ClientActivity:
    bookings = [_booking(k, v) for k, v in (profile.get("bookings") or {}).items()]
    # Ties broken by id, not by the order the facts arrived in (any order, `ingest.py`).
    upcoming = sorted(
        (b for b in bookings if b.starts_at >= now and b.status is BookingStatus.BOOKED),
        key=lambda b: (b.starts_at, b.id),
    )
    past = sorted(
        (b for b in bookings if b.starts_at < now),
        key=lambda b: (b.starts_at, b.id),
        reverse=True,
    )
    unpaid = [
        Sale(
            id=strawberry.ID(s["invoice_number"]),
            invoice_number=s["invoice_number"],
            total=_money(s["total"], currency),
            paid=_money(s["paid"], currency),
            at=as_time(s["at"]),
        )
        for s in sorted(
            (profile.get("sales") or {}).values(),
            key=lambda s: (as_time(s["at"]), s["invoice_number"]),
        )
        if Decimal(s["due"]) > 0 and not s.get("refunded")
    ]
    memberships = [
        Membership(
            id=strawberry.ID(m["membership_id"]),
            plan=m["plan"],
            branch_id=m.get("branch_id"),
            seller_id=m.get("seller_id"),
            status=membership_status(m["status"]),
            valid_from=date.fromisoformat(str(m["valid_from"])),
            valid_until=date.fromisoformat(str(m["valid_until"])) if m.get("valid_until") else None,
            tolerance_days=int(m.get("tolerance_days") or 0),
            credits=[
                Credit(
                    id=strawberry.ID(c["credit_id"]),
                    kind=c["kind"],
                    status=credit_status(c["status"]),
                    expires_at=as_time(c["expires_at"]) if c.get("expires_at") else None,
                )
                for c in m.get("credits") or []
            ],
            note=m.get("note"),
            next_payment_on=date.fromisoformat(str(m["next_payment_on"])[:10])
            if m.get("next_payment_on")
            else None,
            next_payment_set_by=(m.get("next_payment_set") or {}).get("by"),
            payment_activity=_payments(m, currency),
        )
        for m in (profile.get("memberships") or {}).values()
    ]
    cards = [
        GiftCard(
            id=strawberry.ID(g["gift_card_id"]),
            code=g["code"],
            balance=Money(amount=Decimal(str(g["balance"])), currency=g["currency"]),
            expires_at=as_time(g["expires_at"]) if g.get("expires_at") else None,
        )
        for g in (profile.get("gift_cards") or {}).values()
    ]
    app = profile.get("app") or {}
    has_app = rules.app_active(app, today)
    return ClientActivity(
        id=strawberry.ID(node_ids.global_id("ClientActivity", client_id)),
        upcoming_bookings=upcoming,
        unpaid_sales=sorted(unpaid, key=lambda s: s.at),
        memberships=sorted(memberships, key=lambda m: m.valid_from),
        gift_cards=cards,
        has_app=has_app,
        app_platform=AppPlatform(app["platform"]) if has_app and app.get("platform") else None,
        past=past,
    )


async def activity_of(info: Info[Any, Any], client_id: str) -> ClientActivity:
    ctx = context_of(info)
    visible = may_read_client(info, client_id)
    storage = storage_of(info)
    profile = await storage.views.profiles.get(client_id) if visible else None
    studio = await storage.studio()
    now = ctx.now()
    return _activity(client_id, profile or {}, now, studio.today(now), studio.currency)


async def activity_by_id(info: Info[Any, Any], id: strawberry.ID) -> ClientActivity | None:
    """`node(id)` of a ClientActivity (clients checked the card is the caller's studio's)."""
    key = node_ids.key_of(str(id), "ClientActivity", 1)
    return None if key is None else await activity_of(info, key[0])


ClientActivity.resolve_reference = classmethod(  # type: ignore[attr-defined]
    lambda cls, info, id: activity_by_id(info, id)
)


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        may_read_client(info, str(id))  # a partner without `clients:read` is refused here
        return cls(id=id)

    @strawberry.field(description="Bookings, unpaid sales, memberships, gift cards and app status.")
    async def activity(self, info: Info[Any, Any]) -> ClientActivity | None:
        return await activity_of(info, str(self.id))

    @strawberry.field(description="Everything that happened to this client, newest first.")
    async def timeline(
        self,
        info: Info[Any, Any],
        first: int | None = 20,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> TimelineConnection | None:
        if not may_read_client(info, str(self.id)):
            return TimelineConnection(
                edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None)
            )
        # Backward (`last`/`before`): the entries just newer than `before` (the oldest
        # without it); `first` has a default, so `last` wins.
        backward = last is not None
        size = page_size(last, name="last") if backward else page_size(first)
        cursor = _timeline_key(before if backward else after)
        entries = await _visible_timeline(info, str(self.id), size + 1, cursor, backward)
        more = len(entries) > size
        shown = (entries[1:] if more else entries) if backward else entries[:size]
        currency = (await storage_of(info).studio()).currency
        services = await service_names(info, shown)
        edges = []
        for entry in shown:
            at = as_utc(entry["at"])
            edges.append(
                TimelineEdge(
                    cursor=encode_cursor(f"{at.isoformat()}|{entry['id']}"),
                    node=shown_entry(entry, str(self.id), currency, services),
                )
            )
        cursors = [e.cursor for e in edges]
        return TimelineConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=bool(before) if backward else more,
                end_cursor=cursors[-1] if cursors else None,
                has_previous_page=more if backward else bool(after),
                start_cursor=cursors[0] if cursors else None,
            ),
        )
