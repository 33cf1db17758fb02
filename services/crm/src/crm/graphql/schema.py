"""The crm subgraph: partner facts in (K7), the studio's day at a glance out (K1–K6),
and the client's activity and timeline on the card (C9, C11)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF, Role
from plumbing.clock import as_utc
from plumbing.contracts import EventData
from plumbing.enums import AppPlatform
from plumbing.errors import BadInput
from plumbing.gql import (
    Money,
    PageInfo,
    UserError,
    context_of,
    decode_cursor,
    encode_cursor,
    page_size,
    require,
    require_scope,
    schema_extensions,
    user_error,
)
from plumbing.studio import studio_settings
from pydantic import ValidationError
from strawberry.types import Info

from crm.adapters.store import HIDDEN, Store
from crm.adapters.timelines import Key, key_of
from crm.domain import rules
from crm.domain.timeline import STAFF_ONLY, summarise
from crm.events import (
    AppLoggedOut,
    AppSessionStarted,
    BookingCancelled,
    BookingMade,
    GiftCardReported,
    MembershipReported,
    NotificationBounced,
    Payment,
    PurchaseLine,
    PurchaseRecorded,
    PurchaseRefunded,
    ReportedCredit,
    SessionScheduled,
    VisitRecorded,
    WaitlistConverted,
    WaitlistJoined,
    catalog,
)
from crm.graphql.types import (
    Booking,
    Bucket,
    ClientScope,
    Credit,
    Demographics,
    Funnel,
    FunnelPayload,
    FunnelStage,
    GiftCard,
    HeatCell,
    IngestPayload,
    Membership,
    MembershipInput,
    OccupancyPoint,
    Period,
    PurchaseInput,
    Sale,
    TaskPriority,
    TimelineConnection,
    TimelineEdge,
    TimelineEntry,
)
from crm.service_layer import planning
from crm.service_layer.ingest import Outcome, Problem, camel, record
from crm.service_layer.summary import SummaryView, load

INGESTERS = (*STAFF, Role.PARTNER)
Doc = dict[str, Any]


def _store(info: Info[Any, Any]) -> Store:
    ctx = context_of(info)
    return Store(ctx.db, ctx.tenant, ctx.outbox)


def _errors(problems: list[Problem]) -> list[UserError]:
    return [user_error(p.message, p.code, *p.field) for p in problems]


def _payload(outcome: Outcome) -> IngestPayload:
    return IngestPayload(
        accepted=outcome.accepted,
        event_id=strawberry.ID(outcome.event_id) if outcome.event_id else None,
        user_errors=_errors(outcome.problems),
    )


def _invalid(exc: ValidationError) -> IngestPayload:
    errors = []
    for err in exc.errors():
        # The caller's names (toleranceDays), not the model's (tolerance_days).
        path = [camel(p) if isinstance(p, str) else str(p) for p in err.get("loc", ())]
        errors.append(user_error(f"{'.'.join(path) or 'input'}: {err['msg']}", "INVALID", *path))
    return IngestPayload(accepted=False, event_id=None, user_errors=errors)


async def _ingest(info: Info[Any, Any], build: Any) -> IngestPayload:
    require(info, *INGESTERS)
    try:
        facts: list[EventData] = build()
    except ValidationError as exc:
        return _invalid(exc)
    for fact in facts:  # a partner key may push only the kinds of fact it was given
        require_scope(info, "ingest:" + catalog.type_of(fact).topic.split(".", 1)[1])
    return _payload(await record(_store(info), facts))


def _money(value: Any, currency: str) -> Money:
    return Money(amount=Decimal(str(value)).quantize(Decimal("0.01")), currency=currency)


def _dt(value: Any) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))


def _may_see(info: Info[Any, Any], client_id: str) -> bool:
    principal = context_of(info).principal
    return bool(
        principal.is_staff or principal.has(Role.PARTNER) or principal.client_id == client_id
    )


async def _visible_timeline(
    info: Info[Any, Any], client_id: str, count: int, before: Key | None
) -> list[Doc]:
    """The `count` newest entries this caller may read (one more than a page tells
    whether there is a next page). Staff read everything; others do not read the studio's
    own work (`STAFF_ONLY`), and pages are read on until `count` remain."""
    timelines = _store(info).timelines
    if context_of(info).principal.is_staff:
        return await timelines.newest(client_id, count, before)
    kept: list[Doc] = []
    while True:
        read = await timelines.newest(client_id, count, before)
        kept += [e for e in read if e.get("kind") not in STAFF_ONLY]
        if len(kept) >= count or len(read) < count:
            return kept[:count]
        before = key_of(read[-1])


# ---------------------------------------------------------------------- client entity
@strawberry.type
class ClientActivity:
    upcoming_bookings: list[Booking]
    unpaid_sales: list[Sale]
    memberships: list[Membership]
    gift_cards: list[GiftCard]
    has_app: bool
    app_platform: AppPlatform | None
    past: strawberry.Private[list[Booking]]

    @strawberry.field
    def past_bookings(self, first: int | None = 20) -> list[Booking]:
        return self.past[: page_size(first)]


def _booking(booking_id: str, b: Doc) -> Booking:
    return Booking(
        id=strawberry.ID(rules.unsafe_key(booking_id)),
        session_id=strawberry.ID(b["session_id"]),
        service_id=strawberry.ID(b["service_id"]) if b.get("service_id") else None,
        service_name=b.get("service_name"),
        professional_id=strawberry.ID(b["professional_id"]) if b.get("professional_id") else None,
        starts_at=_dt(b["starts_at"]),
        status=b["status"],
        from_app=bool(b.get("from_app")),
    )


def _activity(profile: Doc, now: datetime, today: date, currency: str) -> ClientActivity:
    bookings = [_booking(k, v) for k, v in (profile.get("bookings") or {}).items()]
    upcoming = sorted(
        (b for b in bookings if b.starts_at >= now and b.status == "BOOKED"),
        key=lambda b: b.starts_at,
    )
    past = sorted(
        (b for b in bookings if b.starts_at < now), key=lambda b: b.starts_at, reverse=True
    )
    unpaid = [
        Sale(
            id=strawberry.ID(s["invoice_number"]),
            invoice_number=s["invoice_number"],
            total=_money(s["total"], currency),
            paid=_money(s["paid"], currency),
            at=_dt(s["at"]),
        )
        for s in (profile.get("sales") or {}).values()
        if Decimal(s["due"]) > 0 and not s.get("refunded")
    ]
    memberships = [
        Membership(
            id=strawberry.ID(m["membership_id"]),
            plan=m["plan"],
            branch_id=m.get("branch_id"),
            seller_id=m.get("seller_id"),
            status=m["status"],
            valid_from=date.fromisoformat(str(m["valid_from"])),
            valid_until=date.fromisoformat(str(m["valid_until"])) if m.get("valid_until") else None,
            tolerance_days=int(m.get("tolerance_days") or 0),
            credits=[
                Credit(
                    id=strawberry.ID(c["credit_id"]),
                    kind=c["kind"],
                    status=c["status"],
                    expires_at=_dt(c["expires_at"]) if c.get("expires_at") else None,
                )
                for c in m.get("credits") or []
            ],
            note=m.get("note"),
        )
        for m in (profile.get("memberships") or {}).values()
    ]
    cards = [
        GiftCard(
            id=strawberry.ID(g["gift_card_id"]),
            code=g["code"],
            balance=Money(amount=Decimal(str(g["balance"])), currency=g["currency"]),
            expires_at=_dt(g["expires_at"]) if g.get("expires_at") else None,
        )
        for g in (profile.get("gift_cards") or {}).values()
    ]
    app = profile.get("app") or {}
    has_app = rules.app_active(app, today)
    return ClientActivity(
        upcoming_bookings=upcoming,
        unpaid_sales=sorted(unpaid, key=lambda s: s.at),
        memberships=sorted(memberships, key=lambda m: m.valid_from),
        gift_cards=cards,
        has_app=has_app,
        app_platform=AppPlatform(app["platform"]) if has_app and app.get("platform") else None,
        past=past,
    )


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        return cls(id=id)

    @strawberry.field(description="Bookings, unpaid sales, memberships, gift cards and app status.")
    async def activity(self, info: Info[Any, Any]) -> ClientActivity:
        ctx = context_of(info)
        profile = await _store(info).profile(str(self.id)) if _may_see(info, str(self.id)) else None
        studio = await studio_settings(ctx.db, ctx.tenant)
        now = ctx.now()
        return _activity(profile or {}, now, studio.today(now), studio.currency)

    @strawberry.field(description="Everything that happened to this client, newest first.")
    async def timeline(
        self, info: Info[Any, Any], first: int | None = 20, after: str | None = None
    ) -> TimelineConnection:
        if not _may_see(info, str(self.id)):
            return TimelineConnection(
                edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None)
            )
        ctx = context_of(info)
        size = page_size(first)
        before = None
        position = decode_cursor(after)
        if position is not None:
            at_text, _, entry_id = position.partition("|")
            try:
                before = (as_utc(datetime.fromisoformat(at_text)), entry_id)
            except ValueError:
                raise BadInput(
                    "the cursor is not one this API returned", code="BAD_CURSOR"
                ) from None
        entries = await _visible_timeline(info, str(self.id), size + 1, before)
        language = (await studio_settings(ctx.db, ctx.tenant)).language
        edges = []
        for entry in entries[:size]:
            at = as_utc(entry["at"])
            edges.append(
                TimelineEdge(
                    cursor=encode_cursor(f"{at.isoformat()}|{entry['id']}"),
                    node=TimelineEntry(
                        id=strawberry.ID(entry["id"]),
                        at=at,
                        kind=entry["kind"],
                        summary=summarise(entry["type"], entry.get("data") or {}, language),
                        source=entry["source"],
                    ),
                )
            )
        return TimelineConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(entries) > size, end_cursor=edges[-1].cursor if edges else None
            ),
        )


# ---------------------------------------------------------------------- K4 types
@strawberry.type
class Task:
    id: strawberry.ID
    title: str
    due_at: datetime | None
    priority: TaskPriority
    assignee_id: strawberry.ID | None
    client: Client | None
    done: bool


@strawberry.type
class TaskPayload:
    task: Task | None
    user_errors: list[UserError]


def _task(doc: Doc) -> Task:
    return Task(
        id=strawberry.ID(doc["id"]),
        title=doc["title"],
        due_at=_dt(doc["due_at"]) if doc.get("due_at") else None,
        priority=TaskPriority(doc["priority"]),
        assignee_id=doc.get("assignee_id"),
        client=Client(id=strawberry.ID(doc["client_id"])) if doc.get("client_id") else None,
        done=bool(doc["done"]),
    )


def _funnel(doc: Doc) -> Funnel:
    members = doc.get("members") or {}
    return Funnel(
        id=strawberry.ID(doc["id"]),
        name=doc["name"],
        stages=[
            FunnelStage(
                id=strawberry.ID(s["id"]),
                name=s["name"],
                client_count=sum(1 for v in members.values() if v == s["id"]),
            )
            for s in doc["stages"]
        ],
        created_at=_dt(doc["created_at"]),
    )


def _task_order(doc: Doc) -> tuple[int, int, datetime, datetime]:
    due = doc.get("due_at")
    return (
        int(bool(doc["done"])),
        rules.priority_rank(doc["priority"]),
        _dt(due) if due else datetime.max.replace(tzinfo=UTC),
        _dt(doc["created_at"]),
    )


async def _tasks(store: Store, done: bool | None, first: int) -> list[Task]:
    query: Doc = {} if done is None else {"done": done}
    docs = await store.tasks.find(query, projection=HIDDEN)
    return [_task(d) for d in sorted(docs, key=_task_order)[:first]]


async def _funnels(store: Store, first: int | None = None) -> list[Funnel]:
    docs = await store.funnels.find({}, projection=HIDDEN, sort=[("created_at", -1), ("_id", -1)])
    return [_funnel(d) for d in docs[: first if first is not None else len(docs)]]


# ---------------------------------------------------------------------- summary
@strawberry.type
class CountWithClients:
    count: int
    ids: strawberry.Private[list[str]]

    @strawberry.field
    def clients(self, first: int | None = 20) -> list[Client]:
        return [Client(id=strawberry.ID(c)) for c in self.ids[: page_size(first)]]


def _listed(ids: list[str]) -> CountWithClients:
    return CountWithClients(count=len(ids), ids=ids)


@strawberry.type
class CrmSummary:
    view: strawberry.Private[SummaryView]
    store: strawberry.Private[Store]
    branch_id: strawberry.Private[str | None] = None

    @strawberry.field(
        description="K1: places offered vs booked per hour, in the studio's time zone."
    )
    def occupancy(
        self, service_id: strawberry.ID | None = None, professional_id: strawberry.ID | None = None
    ) -> list[OccupancyPoint]:
        return [
            OccupancyPoint(at=at, places_offered=p.offered, places_booked=p.booked, rate=p.rate)
            for at, p in self.view.occupancy(service_id, professional_id)
        ]

    @strawberry.field(description="B10: occupancy of the month of `date` as weekday × hour cells.")
    def heatmap(self) -> list[HeatCell]:
        return [
            HeatCell(
                weekday=c.weekday,
                hour=c.hour,
                places_offered=c.offered,
                places_booked=c.booked,
                rate=c.rate,
            )
            for c in rules.heatmap(self.view.month_doc.get("heat") or {})
        ]

    @strawberry.field(
        description="B10: the same summary for the previous day (DAY) or month (MONTH)."
    )
    async def previous_period(self, info: Info[Any, Any]) -> CrmSummary:
        view = self.view
        earlier = rules.previous_period(view.day, view.period)
        loaded = await load(self.store, earlier, view.period, self.branch_id, view.zone)
        return CrmSummary(view=loaded, store=self.store, branch_id=self.branch_id)

    @strawberry.field
    def booked_today(self) -> CountWithClients:
        return _listed(self.view.list_of("booked"))

    @strawberry.field
    def booked_from_app(self) -> int:
        return self.view.count("app")

    @strawberry.field
    def on_waitlist(self) -> CountWithClients:
        return _listed(self.view.list_of("wait"))

    @strawberry.field
    def waitlist_converted(self) -> int:
        return self.view.count("conv")

    @strawberry.field
    def cancelled(self) -> CountWithClients:
        return _listed(self.view.list_of("canc"))

    @strawberry.field
    def rebooked_within7_days(self) -> int:
        return self.view.count("rebooked")

    @strawberry.field
    def with_unpaid_sale(self) -> CountWithClients:
        return _listed(self.view.unpaid_booked())

    @strawberry.field
    def birthdays(self) -> CountWithClients:
        return _listed(self.view.birthdays)

    @strawberry.field
    def with_active_fee(self) -> int:
        return self.view.total("fee")

    @strawberry.field
    def with_balance(self) -> int:
        return self.view.total("balance")

    @strawberry.field
    def with_unused_balance(self) -> int:
        return self.view.total("unused")

    @strawberry.field
    def with_balance_no_booking(self) -> int:
        return self.view.balance_no_booking()

    @strawberry.field
    def active_in_app(self) -> int:
        return self.view.count("appact", self.view.period_doc)

    @strawberry.field(description="K6: clients counted as having the app today.")
    def with_app(self) -> int:
        return self.view.total("app")

    @strawberry.field
    async def latest_funnels(self, first: int | None = 5) -> list[Funnel]:
        return await _funnels(self.store, page_size(first))

    @strawberry.field
    async def urgent_tasks(self, first: int | None = 5) -> list[Task]:
        return await _tasks(self.store, False, page_size(first))

    @strawberry.field
    def demographics(self, scope: ClientScope | None = ClientScope.ALL) -> Demographics:
        name = (scope or ClientScope.ALL).value
        return Demographics(
            gender=[Bucket(key=k, count=n) for k, n in self.view.buckets(name, "g", rules.GENDERS)],
            age_bands=[
                Bucket(key=k, count=n) for k, n in self.view.buckets(name, "a", rules.AGE_BANDS)
            ],
            app_platform=[
                Bucket(key=k, count=n) for k, n in self.view.buckets(name, "p", rules.PLATFORMS)
            ],
        )


# ---------------------------------------------------------------------- root
@strawberry.type
class Query:
    @strawberry.field(description="K1–K5: the studio's day (or month) at a glance.")
    async def crm_summary(
        self,
        info: Info[Any, Any],
        date: date,
        period: Period | None = Period.DAY,
        branch_id: strawberry.ID | None = None,
    ) -> CrmSummary:
        ctx = require(info, *STAFF)
        store = _store(info)
        studio = await studio_settings(ctx.db, ctx.tenant)
        view = await load(store, date, (period or Period.DAY).value, branch_id, studio.zone)
        return CrmSummary(view=view, store=store, branch_id=branch_id)

    @strawberry.field(description="K4: open tasks first, the most urgent first.")
    async def tasks(
        self, info: Info[Any, Any], done: bool | None = None, first: int | None = 50
    ) -> list[Task]:
        require(info, *STAFF)
        return await _tasks(_store(info), done, page_size(first, default=50))

    @strawberry.field(description="K4: newest first.")
    async def funnels(self, info: Info[Any, Any]) -> list[Funnel]:
        require(info, *STAFF)
        return await _funnels(_store(info))


def _app_fact(
    client_id: str, kind: str, platform: AppPlatform | None, at: datetime, reason: str | None
) -> list[EventData]:
    fact = rules.APP_KINDS.get(kind.upper())
    if fact == "app_session_started":
        if platform is None:
            raise BadInput(
                "a SESSION_STARTED app event needs its platform", code="PLATFORM_REQUIRED"
            )
        return [AppSessionStarted(client_id=client_id, platform=platform.value, occurred_at=at)]
    if fact == "app_logged_out":
        return [AppLoggedOut(client_id=client_id, occurred_at=at)]
    if fact == "notification_bounced":
        why = "APP_UNINSTALLED" if kind.upper() == "APP_UNINSTALLED" else (reason or "UNKNOWN")
        return [NotificationBounced(client_id=client_id, reason=why, occurred_at=at)]
    known = ", ".join(rules.APP_KINDS)
    raise BadInput(f"unknown app event kind {kind!r} (one of {known})", code="BAD_KIND")


def _booking_facts(
    id: str,
    client_id: str,
    session_id: str,
    status: str,
    from_app: bool,
    balance_kind: str | None,
    at: datetime,
) -> list[EventData]:
    fact = rules.BOOKING_STATUSES.get(status.upper())
    if fact == "booking_made":
        return [
            BookingMade(
                booking_id=id,
                client_id=client_id,
                session_id=session_id,
                from_app=from_app,
                balance_kind=balance_kind,
                occurred_at=at,
            )
        ]
    if fact == "booking_cancelled":
        return [
            BookingCancelled(
                booking_id=id,
                client_id=client_id,
                session_id=session_id,
                balance_kind=balance_kind,
                occurred_at=at,
            )
        ]
    if fact == "waitlist_joined":
        return [
            WaitlistJoined(entry_id=id, client_id=client_id, session_id=session_id, occurred_at=at)
        ]
    if fact == "waitlist_converted":
        # The waitlist place becomes a booking with the same id.
        return [
            WaitlistConverted(
                entry_id=id,
                client_id=client_id,
                session_id=session_id,
                booking_id=id,
                occurred_at=at,
            ),
            BookingMade(
                booking_id=id,
                client_id=client_id,
                session_id=session_id,
                from_app=from_app,
                balance_kind=balance_kind,
                occurred_at=at,
            ),
        ]
    known = ", ".join(rules.BOOKING_STATUSES)
    raise BadInput(f"unknown booking status {status!r} (one of {known})", code="BAD_STATUS")


def _bad(message: str, code: str, *path: str) -> IngestPayload:
    return IngestPayload(
        accepted=False, event_id=None, user_errors=[user_error(message, code, *path)]
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="K7: a sale (its invoice number identifies it).")
    async def record_purchase(self, info: Info[Any, Any], input: PurchaseInput) -> IngestPayload:
        def build() -> list[EventData]:
            total = sum((line.amount for line in input.lines), Decimal("0"))
            paid = sum((p.amount for p in input.payments), Decimal("0"))
            due = (
                input.amount_due
                if input.amount_due is not None
                else max(total - paid, Decimal("0"))
            )
            return [
                PurchaseRecorded(
                    invoice_number=input.invoice_number.strip(),
                    client_id=str(input.client_id),
                    branch_id=input.branch_id,
                    channel=input.channel.value,
                    occurred_at=input.occurred_at,
                    lines=[
                        PurchaseLine(
                            category=line.category.value,
                            item_id=str(line.item_id),
                            name=line.name,
                            quantity=line.quantity,
                            amount=line.amount,
                        )
                        for line in input.lines
                    ],
                    payments=[
                        Payment(method=p.method.value, amount=p.amount) for p in input.payments
                    ],
                    amount_due=due,
                )
            ]

        return await _ingest(info, build)

    @strawberry.mutation(description="K7: a sale was refunded.")
    async def refund_purchase(
        self, info: Info[Any, Any], invoice_number: str, occurred_at: datetime
    ) -> IngestPayload:
        require(info, *INGESTERS)
        require_scope(info, "ingest:sales")
        sale = await _store(info).fact(f"sale:{invoice_number}")
        if sale is None:
            return _bad(f"unknown invoice {invoice_number!r}", "UNKNOWN_INVOICE", "invoiceNumber")
        return await _ingest(
            info,
            lambda: [
                PurchaseRefunded(
                    invoice_number=invoice_number,
                    client_id=sale.get("client_id"),
                    occurred_at=occurred_at,
                )
            ],
        )

    @strawberry.mutation(description="K7: a session with its capacity (places offered).")
    async def record_session(
        self,
        info: Info[Any, Any],
        id: strawberry.ID,
        service_id: strawberry.ID,
        starts_at: datetime,
        capacity: int,
        professional_id: strawberry.ID | None = None,
        branch_id: strawberry.ID | None = None,
        service_name: str | None = None,
    ) -> IngestPayload:
        require(info, *INGESTERS)
        require_scope(info, "ingest:bookings")
        if capacity < 0:
            return _bad("capacity must be 0 or more", "BAD_CAPACITY", "capacity")
        return await _ingest(
            info,
            lambda: [
                SessionScheduled(
                    session_id=str(id),
                    service_id=str(service_id),
                    service_name=service_name,
                    professional_id=professional_id,
                    branch_id=branch_id,
                    starts_at=starts_at,
                    capacity=capacity,
                )
            ],
        )

    @strawberry.mutation(
        description="K7: status BOOKED, CANCELLED, WAITLISTED or CONVERTED (a waitlist place "
        "that became a booking with the same id)."
    )
    async def record_booking(
        self,
        info: Info[Any, Any],
        id: strawberry.ID,
        client_id: strawberry.ID,
        session_id: strawberry.ID,
        status: str,
        from_app: bool,
        occurred_at: datetime,
        balance_kind: str | None = None,
    ) -> IngestPayload:
        require(info, *INGESTERS)
        require_scope(info, "ingest:bookings")
        if status.upper() not in rules.BOOKING_STATUSES:
            return _bad(f"unknown booking status {status!r}", "BAD_STATUS", "status")
        return await _ingest(
            info,
            lambda: _booking_facts(
                str(id),
                str(client_id),
                str(session_id),
                status,
                from_app,
                balance_kind,
                occurred_at,
            ),
        )

    @strawberry.mutation(description="K7: attendance (the same visit twice counts once).")
    async def record_visit(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        attended_at: datetime,
        session_id: strawberry.ID | None = None,
        service_id: strawberry.ID | None = None,
        visit_id: strawberry.ID | None = None,
    ) -> IngestPayload:
        return await _ingest(
            info,
            lambda: [
                VisitRecorded(
                    visit_id=visit_id,
                    client_id=str(client_id),
                    session_id=session_id,
                    service_id=service_id,
                    attended_at=attended_at,
                )
            ],
        )

    @strawberry.mutation(
        description="K6/K7: kind SESSION_STARTED (needs platform), LOGGED_OUT, "
        "NOTIFICATION_BOUNCED (with reason) or APP_UNINSTALLED."
    )
    async def record_app_event(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        kind: str,
        occurred_at: datetime,
        platform: AppPlatform | None = None,
        reason: str | None = None,
    ) -> IngestPayload:
        require(info, *INGESTERS)
        require_scope(info, "ingest:app")
        if kind.upper() not in rules.APP_KINDS:
            return _bad(f"unknown app event kind {kind!r}", "BAD_KIND", "kind")
        if rules.APP_KINDS[kind.upper()] == "app_session_started" and platform is None:
            return _bad(
                "a SESSION_STARTED app event needs its platform", "PLATFORM_REQUIRED", "platform"
            )
        return await _ingest(
            info, lambda: _app_fact(str(client_id), kind, platform, occurred_at, reason)
        )

    @strawberry.mutation(
        description="C11/K3: a membership as the billing partner reports it (latest report wins)."
    )
    async def record_membership(
        self, info: Info[Any, Any], input: MembershipInput
    ) -> IngestPayload:
        return await _ingest(
            info,
            lambda: [
                MembershipReported(
                    membership_id=str(input.id),
                    client_id=str(input.client_id),
                    plan=input.plan,
                    branch_id=input.branch_id,
                    seller_id=input.seller_id,
                    status=input.status.upper(),
                    valid_from=input.valid_from,
                    valid_until=input.valid_until,
                    tolerance_days=input.tolerance_days,
                    credits=[
                        ReportedCredit(
                            credit_id=str(c.id),
                            kind=c.kind,
                            status=c.status.upper(),
                            expires_at=c.expires_at,
                        )
                        for c in input.credits
                    ],
                    note=input.note,
                    reported_at=input.reported_at,
                )
            ],
        )

    @strawberry.mutation(
        description="C11: a gift card as the billing partner reports it (latest report wins)."
    )
    async def record_gift_card(
        self,
        info: Info[Any, Any],
        id: strawberry.ID,
        client_id: strawberry.ID,
        code: str,
        balance: Decimal,
        currency: str,
        reported_at: datetime,
        expires_at: datetime | None = None,
    ) -> IngestPayload:
        return await _ingest(
            info,
            lambda: [
                GiftCardReported(
                    gift_card_id=str(id),
                    client_id=str(client_id),
                    code=code,
                    balance=balance,
                    currency=currency.upper(),
                    expires_at=expires_at,
                    reported_at=reported_at,
                )
            ],
        )

    @strawberry.mutation
    async def create_task(
        self,
        info: Info[Any, Any],
        title: str,
        due_at: datetime | None = None,
        priority: TaskPriority | None = TaskPriority.NORMAL,
        assignee_id: strawberry.ID | None = None,
        client_id: strawberry.ID | None = None,
    ) -> TaskPayload:
        ctx = require(info, *STAFF)
        doc, problems = await planning.create_task(
            _store(info),
            title=title,
            due_at=due_at,
            priority=(priority or TaskPriority.NORMAL).value,
            assignee_id=assignee_id,
            client_id=client_id,
            now=ctx.now(),
        )
        return TaskPayload(task=_task(doc) if doc else None, user_errors=_errors(problems))

    @strawberry.mutation
    async def complete_task(self, info: Info[Any, Any], id: strawberry.ID) -> TaskPayload:
        ctx = require(info, *STAFF)
        doc, problems = await planning.complete_task(
            _store(info), str(id), actor=ctx.principal.subject, now=ctx.now()
        )
        return TaskPayload(task=_task(doc) if doc else None, user_errors=_errors(problems))

    @strawberry.mutation
    async def create_funnel(
        self, info: Info[Any, Any], name: str, stages: list[str]
    ) -> FunnelPayload:
        ctx = require(info, *MANAGERS)
        doc, problems = await planning.create_funnel(
            _store(info), name=name, stages=stages, now=ctx.now()
        )
        return FunnelPayload(funnel=_funnel(doc) if doc else None, user_errors=_errors(problems))

    @strawberry.mutation
    async def move_client_in_funnel(
        self,
        info: Info[Any, Any],
        funnel_id: strawberry.ID,
        client_id: strawberry.ID,
        stage_id: strawberry.ID,
    ) -> FunnelPayload:
        require(info, *STAFF)
        doc, problems = await planning.move_client(
            _store(info), funnel_id=str(funnel_id), client_id=str(client_id), stage_id=str(stage_id)
        )
        return FunnelPayload(funnel=_funnel(doc) if doc else None, user_errors=_errors(problems))


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    types=[Client],
    extensions=schema_extensions(),
    federation_version="2.9",
)
