"""The consumer side: facts and other contexts' events kept as read models.

Every effect is idempotent: the fact's natural key is claimed by one event (`claim`),
counters move once per event (`apply_once`), and set memberships are marks inserted
once. A fact that cannot be used raises `Rejected` (the consumer parks it on the DLQ);
one that needs a fact not applied yet (its session, its booking, its sale, its client's
card) raises `Pending` before writing anything (the consumer tries it again later).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from plumbing.contracts import EventData
from plumbing.envelope import Envelope
from plumbing.event_handlers import Pending, Rejected
from plumbing.studio import StudioSettings
from pydantic import ValidationError

from crm.adapters.store import Store, period_id, update_by_id
from crm.domain import rules
from crm.events import (
    AppLoggedOut,
    AppSessionStarted,
    BookingCancelled,
    BookingMade,
    GiftCardReported,
    MembershipReported,
    NotificationBounced,
    PurchaseRecorded,
    PurchaseRefunded,
    SessionScheduled,
    VisitRecorded,
    WaitlistConverted,
    WaitlistJoined,
    catalog,
)
from crm.service_layer.ingest import CONSUMER_WAITS_FOR, fact_key, problems_of
from crm.service_layer.totals import refresh_contributions

Doc = dict[str, Any]


def moment(value: Any) -> datetime:
    """A stored time as an aware datetime (read back from the database or from JSON)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def booking_entry(data: BookingMade, body: Doc, *, cancelled: bool = False) -> Doc:
    """A booking as the client's profile keeps it (`Client.activity`)."""
    return {
        "made_at": data.occurred_at,
        "balance_kind": data.balance_kind,
        "session_id": data.session_id,
        "service_id": body.get("service_id"),
        "service_name": body.get("service_name"),
        "professional_id": body.get("professional_id"),
        "starts_at": moment(body["starts_at"]),
        "status": "CANCELLED" if cancelled else "BOOKED",
        "from_app": data.from_app,
        "branch_id": body.get("branch_id"),
    }


def balance_booked_mark(period: str, cid: str) -> str:
    """K3: the client counted once among the period's booked clients with a balance."""
    return f"bwb~{period}~{cid}"


def sale_entry(data: PurchaseRecorded, *, refunded: bool = False) -> Doc:
    """A sale as the client's profile keeps it (unpaid sales, `Client.activity`)."""
    total = sum((line.amount for line in data.lines), Decimal("0"))
    paid = sum((p.amount for p in data.payments), Decimal("0"))
    due = max(data.amount_due, total - paid)
    return {
        "invoice_number": data.invoice_number,
        "total": str(total),
        "paid": str(total - due),
        "due": str(due),
        "at": data.occurred_at,
        "refunded": refunded,
    }


class Projector:
    def __init__(self, store: Store, envelope: Envelope, studio: StudioSettings) -> None:
        self.event = envelope
        self.store = store
        self.studio = studio
        self.zone = studio.zone

    @property
    def today(self) -> date:
        return self.studio.today(datetime.now(UTC))

    # ------------------------------------------------------------------ helpers
    async def periods(self, kinds: list[tuple[str, str]], branch: str | None, update: Doc) -> None:
        # Different documents: written concurrently, each at most once per event.
        await asyncio.gather(
            *(
                self.store.apply_once(
                    self.store.periods, period_id(kind, scope, key), update, self.event.id
                )
                for scope in rules.scopes(branch)
                for kind, key in kinds
            )
        )

    async def profile_update(self, client_id: str, update: Doc) -> Doc | None:
        return await self.store.apply_once(self.store.profiles, client_id, update, self.event.id)

    async def refresh(self, client_id: str) -> None:
        gained = await refresh_contributions(self.store, client_id, self.today, self.event.id)
        if "balance" in gained:
            await self.booked_before_balance(client_id)

    async def balance_booked(self, period: str, cid: str) -> None:
        """K3: count the client once among the period's booked clients with a balance."""
        if await self.store.mark(balance_booked_mark(period, cid), self.event.id):
            await self.store.apply_once(
                self.store.periods, period, {"$inc": {"bwb": 1}}, self.event.id, tag="bwb"
            )

    async def booked_before_balance(self, client_id: str) -> None:
        """K3: a client who booked and then gained a balance (the membership reported after
        the booking) counts in this month's and later periods as one who booked with it."""
        profile = await self.store.profile(client_id) or {}
        cid = rules.safe_key(client_id)
        month = self.today.strftime("%Y-%m")
        periods: set[str] = set()
        for booking in (profile.get("bookings") or {}).values():
            if booking.get("status") == "CANCELLED" or not booking.get("starts_at"):
                continue
            at = rules.slot(moment(booking["starts_at"]), self.zone)
            if at.month < month:
                continue
            for scope in rules.scopes(booking.get("branch_id")):
                periods.update((period_id("D", scope, at.day), period_id("M", scope, at.month)))
        await asyncio.gather(*(self.balance_booked(p, cid) for p in sorted(periods)))

    async def timeline(self, client_id: str | None) -> None:
        if client_id:
            await self.store.add_timeline(self.event, client_id)

    # ------------------------------------------------------------------ ingest facts
    async def ingest(self) -> None:
        try:
            data = catalog.read(self.event)
        except Exception as exc:
            raise Rejected(str(exc)) from exc
        problems = await problems_of(self.store, data)
        if any(p.code not in CONSUMER_WAITS_FOR for p in problems):
            raise Rejected("; ".join(f"{p.code}: {p.message}" for p in problems))
        if problems:
            raise Pending("; ".join(p.message for p in problems), problems[0].code)
        key = fact_key(data)
        body = {"type": self.event.type, **data.model_dump(mode="json")}
        if isinstance(data, BookingMade):
            session = await self.store.fact(f"session:{data.session_id}")
            assert session is not None
            for name in ("starts_at", "service_id", "service_name", "professional_id", "branch_id"):
                body[name] = session.get(name)
            body["status"] = "BOOKED"
        if isinstance(data, PurchaseRefunded) and not data.client_id:
            sale = await self.store.fact(f"sale:{data.invoice_number}")
            body["client_id"] = (sale or {}).get("client_id")
        if not await self.store.claim(key, self.event.id, body):
            return  # the same fact was already applied (reported twice)
        await asyncio.gather(self.apply(data, body), self.timeline(body.get("client_id")))

    async def apply(self, data: EventData, body: Doc) -> None:
        match data:
            case SessionScheduled():
                await self.session_scheduled(data)
            case BookingMade():
                await self.booking_made(data, body)
            case BookingCancelled():
                await self.booking_cancelled(data)
            case WaitlistJoined():
                await self.waitlist(
                    data.session_id, {"$inc": {f"wait.{rules.safe_key(data.client_id)}": 1}}
                )
            case WaitlistConverted():
                await self.waitlist(data.session_id, {"$inc": {"conv": 1}})
            case VisitRecorded():
                pass  # kept as a fact and on the timeline; ranks and loyalty count visits
            case PurchaseRecorded():
                await self.purchase(data)
            case PurchaseRefunded():
                await self.refund(data, body.get("client_id"))
            case MembershipReported():
                await self.reported("memberships", data.membership_id, data.client_id, data)
            case GiftCardReported():
                await self.reported("gift_cards", data.gift_card_id, data.client_id, data)
            case AppSessionStarted():
                await self.app_session(data)
            case AppLoggedOut():
                await self.app_out(data.client_id, data.occurred_at, "LOGGED_OUT")
            case NotificationBounced():
                if data.reason.upper() == "APP_UNINSTALLED":
                    await self.app_out(data.client_id, data.occurred_at, "APP_UNINSTALLED")

    async def session_scheduled(self, data: SessionScheduled) -> None:
        at = rules.slot(data.starts_at, self.zone)
        paths = rules.occupancy_paths(at.hour, data.service_id, data.professional_id)
        offered = {f"{p}.o": data.capacity for p in paths}
        await asyncio.gather(
            self.periods([("D", at.day)], data.branch_id, {"$inc": offered}),
            self.periods(
                [("M", at.month)],
                data.branch_id,
                {"$inc": {**offered, f"{at.heat}.o": data.capacity}},
            ),
        )

    async def booking_made(self, data: BookingMade, body: Doc) -> None:
        starts = moment(body["starts_at"])
        at = rules.slot(starts, self.zone)
        branch = body.get("branch_id")
        paths = rules.occupancy_paths(at.hour, body.get("service_id"), body.get("professional_id"))
        cid = rules.safe_key(data.client_id)
        day_inc: Doc = {f"{p}.b": 1 for p in paths}
        day_inc[f"booked.{cid}"] = 1
        if data.from_app:
            day_inc["app"] = 1
        profile, *_ = await asyncio.gather(
            self.store.profile(data.client_id),
            self.periods(
                [("M", at.month)],
                branch,
                {"$inc": {**{f"{p}.b": 1 for p in paths}, f"{at.heat}.b": 1}},
            ),
            self.periods([("D", at.day)], branch, {"$inc": day_inc}),
        )
        profile = profile or {}
        with_balance = "balance" in (profile.get("contrib") or [])

        if with_balance:
            await asyncio.gather(
                *(
                    self.balance_booked(period_id(kind, scope, key), cid)
                    for scope in rules.scopes(branch)
                    for kind, key in (("D", at.day), ("M", at.month))
                )
            )
        cancelled = await self.store.fact(f"cancel:{data.booking_id}") is not None
        booking = booking_entry(data, body, cancelled=cancelled)
        update: Doc = {"$set": {f"bookings.{rules.safe_key(data.booking_id)}": booking}}
        recovered = rules.rebooked_cancellation(
            [{**c, "at": moment(c["at"])} for c in profile.get("cancels") or []],
            booking_id=data.booking_id,
            balance_kind=data.balance_kind,
            at=data.occurred_at,
        )
        if recovered is not None:
            booking["recovers"] = recovered["booking_id"]
            cancels = [
                {**c, "rebooked_by": data.booking_id}
                if c["booking_id"] == recovered["booking_id"]
                else c
                for c in profile.get("cancels") or []
            ]
            update["$set"]["cancels"] = cancels
            for scope in rules.scopes(recovered.get("branch_id")):
                await self.store.apply_once(
                    self.store.periods,
                    period_id("D", scope, recovered["day"]),
                    {"$inc": {"rebooked": 1}},
                    self.event.id,
                    tag="rebook",
                )
        await self.profile_update(data.client_id, update)

    async def booking_cancelled(self, data: BookingCancelled) -> None:
        booking = await self.store.fact(f"booking:{data.booking_id}")
        assert booking is not None
        if booking.get("status") == "CANCELLED":
            return
        if "starts_at" not in booking:
            # Recorded through the graph and its booking_made not applied yet (the relay
            # does not order different facts): the session tells where it belongs.
            session = await self.store.fact(f"session:{data.session_id}") or {}
            for name in ("starts_at", "service_id", "professional_id", "branch_id"):
                booking[name] = session.get(name)
        at = rules.slot(moment(booking["starts_at"]), self.zone)
        branch = booking.get("branch_id")
        paths = rules.occupancy_paths(
            at.hour, booking.get("service_id"), booking.get("professional_id")
        )
        cid = rules.safe_key(data.client_id)
        day_inc: Doc = {f"{p}.b": -1 for p in paths}
        day_inc[f"booked.{cid}"] = -1
        day_inc[f"canc.{cid}"] = 1
        if booking.get("from_app"):
            day_inc["app"] = -1
        await asyncio.gather(
            self.periods(
                [("M", at.month)],
                branch,
                {"$inc": {**{f"{p}.b": -1 for p in paths}, f"{at.heat}.b": -1}},
            ),
            self.periods([("D", at.day)], branch, {"$inc": day_inc}),
        )
        kind: str | None = data.balance_kind or booking.get("balance_kind")
        cancel = {
            "booking_id": data.booking_id,
            "balance_kind": kind,
            "at": data.occurred_at,
            "day": at.day,
            "branch_id": branch,
        }
        profile = await self.store.profile(data.client_id) or {}
        bookings = {
            k: {**v, "made_at": moment(v["made_at"]) if v.get("made_at") else None}
            for k, v in (profile.get("bookings") or {}).items()
        }
        recovering = rules.booking_recovering(
            bookings,
            booking_id=rules.safe_key(data.booking_id),
            balance_kind=kind,
            at=data.occurred_at,
        )
        changes: Doc = {f"bookings.{rules.safe_key(data.booking_id)}.status": "CANCELLED"}
        if recovering is not None:
            # The booking that recovers it arrived first.
            cancel["rebooked_by"] = rules.unsafe_key(recovering)
            changes[f"bookings.{recovering}.recovers"] = data.booking_id
            await asyncio.gather(
                *(
                    self.store.apply_once(
                        self.store.periods,
                        period_id("D", scope, at.day),
                        {"$inc": {"rebooked": 1}},
                        self.event.id,
                        tag="rebook",
                    )
                    for scope in rules.scopes(branch)
                )
            )
        await self.profile_update(
            data.client_id,
            {"$set": changes, "$push": {"cancels": {"$each": [cancel], "$slice": -30}}},
        )
        await self.store.set_fact(f"booking:{data.booking_id}", {"$set": {"status": "CANCELLED"}})

    async def waitlist(self, session_id: str, update: Doc) -> None:
        session = await self.store.fact(f"session:{session_id}")
        assert session is not None
        at = rules.slot(moment(session["starts_at"]), self.zone)
        await self.periods([("D", at.day)], session.get("branch_id"), update)

    async def purchase(self, data: PurchaseRecorded) -> None:
        # A refund recorded through the graph may be applied first (the relay does not
        # order different facts): the sale then arrives already refunded.
        refunded = await self.store.fact(f"refund:{data.invoice_number}") is not None
        sale = sale_entry(data, refunded=refunded)
        await self.profile_update(
            data.client_id, {"$set": {f"sales.{rules.safe_key(data.invoice_number)}": sale}}
        )
        if Decimal(sale["due"]) > 0 and not refunded:
            await self.store.apply_once(
                self.store.periods,
                "unpaid",
                {"$inc": {f"clients.{rules.safe_key(data.client_id)}": 1}},
                self.event.id,
            )

    async def refund(self, data: PurchaseRefunded, client_id: str | None) -> None:
        if not client_id:
            return
        profile = await self.store.profile(client_id) or {}
        sale = (profile.get("sales") or {}).get(rules.safe_key(data.invoice_number))
        if not sale or sale.get("refunded"):
            return
        await self.profile_update(
            client_id, {"$set": {f"sales.{rules.safe_key(data.invoice_number)}.refunded": True}}
        )
        if Decimal(sale["due"]) > 0:
            await self.store.apply_once(
                self.store.periods,
                "unpaid",
                {"$inc": {f"clients.{rules.safe_key(client_id)}": -1}},
                self.event.id,
            )

    async def reported(
        self,
        field: str,
        item_id: str,
        client_id: str,
        data: MembershipReported | GiftCardReported,
    ) -> None:
        """Latest report wins: an older report arriving late changes nothing."""
        profile = await self.store.profile(client_id) or {}
        key = rules.safe_key(item_id)
        current = (profile.get(field) or {}).get(key)
        reported_at = data.reported_at
        if current and moment(current["reported_at"]) > reported_at:
            return
        value = data.model_dump(mode="json")
        value["reported_at"] = reported_at
        await self.profile_update(client_id, {"$set": {f"{field}.{key}": value}})
        await self.refresh(client_id)

    async def app_session(self, data: AppSessionStarted) -> None:
        profile = await self.store.profile(data.client_id) or {}
        app = dict(profile.get("app") or {})
        last_used = app.get("last_used")
        app["last_used"] = (
            max(data.occurred_at, moment(last_used)) if last_used else data.occurred_at
        )
        changed = app.get("changed_at")
        if not changed or moment(changed) <= data.occurred_at:
            app.update(
                has=True, platform=data.platform, changed_at=data.occurred_at, out_reason=None
            )
        await self.profile_update(data.client_id, {"$set": {"app": app}})
        at = rules.slot(data.occurred_at, self.zone)
        cid = rules.safe_key(data.client_id)
        for kind, key in (("D", at.day), ("M", at.month)):
            if await self.store.mark(f"appact~{kind}~{key}~{cid}", self.event.id):
                await self.store.apply_once(
                    self.store.periods,
                    period_id(kind, rules.ALL_SCOPE, key),
                    {"$inc": {"appact": 1}},
                    self.event.id,
                )
        await self.refresh(data.client_id)

    async def app_out(self, client_id: str, at: datetime, reason: str) -> None:
        profile = await self.store.profile(client_id) or {}
        app = dict(profile.get("app") or {})
        changed = app.get("changed_at")
        if changed and moment(changed) > at:
            return  # an older fact arriving late
        app.update(has=False, changed_at=at, out_reason=reason)
        await self.profile_update(client_id, {"$set": {"app": app}})
        await self.refresh(client_id)

    # ------------------------------------------------------------------ other contexts
    async def client_created(self, data: Any) -> None:
        fields: Doc = {
            "client_id": data.client_id,
            "first_name": data.first_name,
            "last_name": data.last_name,
            "gender": data.gender,
            "birth_date": data.birth_date.isoformat() if data.birth_date else None,
            "status": data.status,
        }
        # A new card counts in its demographic buckets at once: one write for the
        # profile, then the totals, the birthday list and the timeline side by side.
        contrib = sorted(rules.contributions(fields, self.today))
        created = await self.profile_update(
            data.client_id, {"$setOnInsert": {**fields, "contrib": contrib}}
        )
        steps: list[Awaitable[Any]] = [self.timeline(data.client_id)]
        if created is not None and created.get("contrib") == contrib:
            steps.append(
                self.store.apply_once(
                    self.store.periods,
                    "totals",
                    {"$inc": {f"c.{k}": 1 for k in contrib}, "$setOnInsert": {"as_of": "never"}},
                    self.event.id,
                )
            )
        if data.birth_date:
            steps.append(self.birthday(data.client_id, data.birth_date, 1))
        await asyncio.gather(*steps)

    async def birthday(self, client_id: str, birth: date, value: int) -> None:
        update = (
            {"$set": {f"clients.{rules.safe_key(client_id)}": 1}}
            if value
            else {"$unset": {f"clients.{rules.safe_key(client_id)}": ""}}
        )
        await update_by_id(
            self.store.periods, f"bday~{birth.strftime('%m-%d')}", update, upsert=True
        )

    async def client_updated(self, client_id: str, changes: dict[str, Any]) -> None:
        profile = await self.store.profile(client_id)
        if profile is None:
            return
        wanted = {"first_name", "last_name", "gender", "birth_date", "status"}
        fields = {k: v for k, v in changes.items() if k in wanted}
        if not fields:
            return
        if "birth_date" in fields:
            old, new = profile.get("birth_date"), fields["birth_date"]
            if old:
                await self.birthday(client_id, date.fromisoformat(str(old)[:10]), 0)
            if new:
                await self.birthday(client_id, date.fromisoformat(str(new)[:10]), 1)
        await self.profile_update(client_id, {"$set": fields})
        await self.refresh(client_id)

    async def client_erased(self, client_id: str) -> None:
        profile = await self.store.profile(client_id)
        if profile is None:
            return
        moves = {f"c.{k}": -1 for k in profile.get("contrib") or []}
        if moves:
            await self.store.apply_once(
                self.store.periods, "totals", {"$inc": moves}, self.event.id
            )
        if profile.get("birth_date"):
            await self.birthday(client_id, date.fromisoformat(str(profile["birth_date"])[:10]), 0)
        await self.store.profiles.delete({"_id": client_id})
        await self.store.timelines.erase(client_id)

    async def notified(self, client_id: str, at: datetime) -> None:
        profile = await self.store.profile(client_id)
        if profile is None:
            return
        app = dict(profile.get("app") or {})
        last = app.get("last_notified")
        if last and moment(last) >= at:
            return
        app["last_notified"] = at
        await self.profile_update(client_id, {"$set": {"app": app}})
        await self.refresh(client_id)


def validation_error(exc: ValidationError) -> Rejected:
    return Rejected(f"invalid data: {exc.errors()[:3]}")
