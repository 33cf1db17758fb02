"""K1–K6 and B10: the studio's day (or month) at a glance."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from plumbing.auth import STAFF
from plumbing.errors import BadInput
from plumbing.gql import (
    PageInfo,
    context_of,
    page_size,
    require,
)
from plumbing.node_ids import global_id, key_of
from plumbing.paging import page_of
from strawberry.types import Info

from crm.adapters.tenant_storage import TenantStorage
from crm.domain import rules
from crm.graphql.client_card import Client
from crm.graphql.context import storage_of
from crm.graphql.planning import Task, funnel_of, task_of
from crm.graphql.types import (
    Bucket,
    ClientScope,
    Demographics,
    Funnel,
    HeatCell,
    OccupancyPoint,
    Period,
    WaitlistEntry,
)
from crm.service_layer.planning import funnels_page, tasks_page
from crm.service_layer.profile_entries import moment
from crm.service_layer.summary import SummaryView, load, month_heatmap

Doc = dict[str, Any]


@strawberry.type
class CountWithClients:
    count: int
    ids: strawberry.Private[list[str]]

    @strawberry.field(deprecation_reason="Use clientsConnection, which pages through all.")
    def clients(self, first: int | None = 20) -> list[Client]:
        return [Client(id=strawberry.ID(c)) for c in self.ids[: page_size(first)]]

    @strawberry.field(description="The clients counted, by id.")
    def clients_connection(
        self,
        first: int | None = 20,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CountedClientConnection:
        page = page_of(
            sorted(self.ids), lambda c: (c,), first=first, after=after, last=last, before=before
        )
        return CountedClientConnection(
            edges=[
                CountedClientEdge(cursor=c, node=Client(id=strawberry.ID(i))) for c, i in page.items
            ],
            page_info=page.page_info,
        )


@strawberry.type
class CountedClientEdge:
    cursor: str
    node: Client


@strawberry.type
class CountedClientConnection:
    edges: list[CountedClientEdge]
    page_info: PageInfo


def _listed(ids: list[str], count: int | None = None) -> CountWithClients:
    return CountWithClients(count=len(ids) if count is None else count, ids=ids)


def _entry(doc: Doc) -> WaitlistEntry:
    def at(name: str) -> datetime | None:
        value = doc.get(name)
        return moment(value) if value else None

    def some(name: str) -> strawberry.ID | None:
        value = doc.get(name)
        return strawberry.ID(str(value)) if value else None

    return WaitlistEntry(
        id=strawberry.ID(doc["entry_id"]),
        client_id=some("client_id"),
        session_id=strawberry.ID(str(doc["session_id"])),
        starts_at=at("starts_at"),
        service_id=some("service_id"),
        service_name=doc.get("service_name"),
        professional_id=some("professional_id"),
        branch_id=some("branch_id"),
        joined_at=at("joined_at"),
        converted=bool(doc.get("converted")),
    )


@strawberry.federation.type(keys=["id"])
class CrmSummary:
    view: strawberry.Private[SummaryView]
    storage: strawberry.Private[TenantStorage]
    branch_id: strawberry.Private[str | None] = None

    @strawberry.field(
        name="date",
        description="The day summarised (the studio's today when `crmSummary` was asked "
        "without one); for MONTH, a day of that month.",
    )
    def day(self) -> date:
        return self.view.day

    @strawberry.field(description="The summary's global id: its studio, day, period and branch.")
    def id(self, info: Info[Any, Any]) -> strawberry.ID:
        view = self.view
        key = (view.day.isoformat(), view.period, self.branch_id or "")
        return strawberry.ID(global_id("CrmSummary", context_of(info).tenant, *key))

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

    @strawberry.field(
        description="B10: occupancy of the month of `date` as weekday × hour cells, hours "
        "in the studio's time zone; for one service and/or professional when given (both: "
        "the professional's figures in the hours the service also ran, as `occupancy`)."
    )
    async def heatmap(
        self, service_id: strawberry.ID | None = None, professional_id: strawberry.ID | None = None
    ) -> list[HeatCell]:
        if service_id or professional_id:
            cells = await month_heatmap(
                self.storage.views,
                self.view.day,
                self.branch_id,
                str(service_id) if service_id else None,
                str(professional_id) if professional_id else None,
            )
        else:
            cells = rules.heatmap(self.view.month_doc.get("heat") or {})
        return [
            HeatCell(
                weekday=c.weekday,
                hour=c.hour,
                places_offered=c.offered,
                places_booked=c.booked,
                rate=c.rate,
            )
            for c in cells
        ]

    @strawberry.field(
        description="B10: the same summary for the previous day (DAY) or month (MONTH)."
    )
    async def previous_period(self, info: Info[Any, Any]) -> CrmSummary:
        view = self.view
        earlier = rules.previous_period(view.day, view.period)
        loaded = await load(self.storage.views, earlier, view.period, self.branch_id, view.zone)
        return CrmSummary(view=loaded, storage=self.storage, branch_id=self.branch_id)

    @strawberry.field
    def booked_today(self) -> CountWithClients:
        return _listed(self.view.list_of("booked"), self.view.listed("booked"))

    @strawberry.field
    def booked_from_app(self) -> int:
        return self.view.count("app")

    @strawberry.field
    def on_waitlist(self) -> CountWithClients:
        return _listed(self.view.list_of("wait"), self.view.listed("wait"))

    @strawberry.field(
        description="K2: the day's waitlist entries, each with its session (id, time, "
        "service, professional), by start time."
    )
    def waitlist_entries(self) -> list[WaitlistEntry]:
        return [_entry(e) for e in self.view.waitlist_entries()]

    @strawberry.field
    def waitlist_converted(self) -> int:
        return self.view.count("conv")

    @strawberry.field
    def cancelled(self) -> CountWithClients:
        return _listed(self.view.list_of("canc"), self.view.listed("canc"))

    @strawberry.field
    def rebooked_within7_days(self) -> int:
        return self.view.count("rebooked")

    @strawberry.field
    def with_unpaid_sale(self) -> CountWithClients:
        return _listed(self.view.unpaid_booked(), self.view.unpaid_booked_count())

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
        return [funnel_of(f) for f in await funnels_page(self.storage.plans, page_size(first))]

    @strawberry.field
    async def urgent_tasks(self, first: int | None = 5) -> list[Task]:
        return [task_of(t) for t in await tasks_page(self.storage.plans, False, page_size(first))]

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


@strawberry.type
class SummaryQuery:
    @strawberry.field(description="K1–K5: the studio's day (or month) at a glance.")
    async def crm_summary(
        self,
        info: Info[Any, Any],
        date: Annotated[
            date | None,
            strawberry.argument(
                description="The day, or a day of the month, in the studio's calendar; "
                "omitted: today in the branch's time zone when `branchId` is given, else in the "
                "studio's."
            ),
        ] = None,
        period: Period | None = Period.DAY,
        branch_id: strawberry.ID | None = None,
    ) -> CrmSummary | None:
        require(info, *STAFF)
        return await summary_of(info, date, (period or Period.DAY).value, branch_id)


async def summary_of(
    info: Info[Any, Any], day: date | None, period: str, branch_id: str | None
) -> CrmSummary:
    storage = storage_of(info)
    studio = await storage.studio()
    if day is None:  # the branch's (else the studio's) today, not the caller's nor UTC's
        day = studio.today(context_of(info).now(), branch_id)
    view = await load(storage.views, day, period, branch_id, studio.zone)
    return CrmSummary(view=view, storage=storage, branch_id=branch_id)


async def summary_by_id(info: Info[Any, Any], id: strawberry.ID) -> CrmSummary | None:
    """`node(id)` of a CrmSummary: the same day, period and branch again (staff only)."""
    ctx = require(info, *STAFF)
    key = key_of(str(id), "CrmSummary", 4)
    if key is None or key[0] != ctx.tenant or key[2] not in {p.value for p in Period}:
        return None
    try:
        day = date.fromisoformat(key[1])
    except ValueError:
        raise BadInput("not an id this API returned", code="BAD_ID") from None
    return await summary_of(info, day, key[2], key[3] or None)


CrmSummary.resolve_reference = classmethod(  # type: ignore[attr-defined]
    lambda cls, info, id: summary_by_id(info, id)
)
