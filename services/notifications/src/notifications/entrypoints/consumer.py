"""What the notifications consumer does with other contexts' events (and its own
message requests)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar

from plumbing import bounds, readers
from plumbing.app import Runtime
from plumbing.contracts import EventData
from plumbing.envelope import Envelope
from plumbing.event_handlers import BatchHandler, Handler, Pending, Rejected, newest_per_client
from plumbing.logs import get_logger
from plumbing.mongo import Doc
from plumbing.studio import remember_studio
from pydantic import ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from notifications.adapters.delivery import transports
from notifications.adapters.notices import MongoNotices
from notifications.adapters.recipients import (
    ensure_recipient,
    erase_recipient,
    set_balance,
    set_preference,
    update_recipient,
)
from notifications.adapters.session_book import MongoSessionBook, tenants_with_sessions
from notifications.config import Settings
from notifications.domain.messages import channels_to_try, money
from notifications.events import (
    APP_LOGGED_OUT,
    APP_SESSION_STARTED,
    BOOKING_CANCELLED,
    BOOKING_MADE,
    CLIENT_ELIGIBLE,
    CLIENT_PROMOTED,
    NOTIFICATION_BOUNCED,
    POINTS_EVENTS,
    POINTS_EXPIRING,
    POINTS_REDEEMED,
    PREFERENCES_CHANGED,
    SESSION_SCHEDULED,
    AppFactRead,
    BookingRead,
    ClientEligibleRead,
    ClientPromotedRead,
    MessageRequested,
    PointsChangedRead,
    PointsExpiringRead,
    PointsRedeemedRead,
    PreferencesChangedRead,
    SessionScheduledRead,
)
from notifications.service_layer.dispatch import (
    Deps,
    RecipientUnknown,
    notify_staff,
    write_to_client,
)
from notifications.service_layer.reminders import LOOKAHEAD, ReminderRun, run_reminders

log = get_logger("notifications.consumer")

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "language")

M = TypeVar("M", bound=EventData)


def read(model: type[M], event: Envelope) -> M:
    """An event's data, or a `Rejected` (parked at once: retrying cannot fix bad data)."""
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        reason = bounds.refusal(exc) or f"{event.type} data does not match its contract: {exc}"
        raise Rejected(reason) from None


async def _remember_balance(
    db: AsyncDatabase[Doc], event: Envelope, data: PointsChangedRead
) -> None:
    if data.balance_after is None:
        return
    await set_balance(
        db,
        event.tenant,
        data.client_id,
        event.time,
        points=data.balance_after,
        value=None,
        # What one point is worth, read off the movement, prices the balance.
        value_per_point=data.value_per_point(),
        currency=data.currency,
    )


def partner_fact(model: type[M], event: Envelope) -> M | None:
    """A booking fact, or None when it does not read: crm checks partner facts and parks
    the bad ones with their reason; parking it here too would park it twice."""
    try:
        return model.model_validate(event.data)
    except ValidationError:
        log.info("booking_fact_skipped", tenant=event.tenant, event_id=event.id, type=event.type)
        return None


def batch_handlers(runtime: Runtime) -> Mapping[str, BatchHandler]:
    """Points movements arrive by the thousand (every purchase earns): of a run, only
    each client's newest balance is written (the newest wins anyway, `set_balance`)."""
    db = runtime.db

    async def balance(event: Envelope, data: PointsChangedRead) -> None:
        await _remember_balance(db, event, data)

    balances = newest_per_client(
        PointsChangedRead, balance, wanted=lambda data: data.balance_after is not None
    )
    return dict.fromkeys(POINTS_EVENTS, balances)


def deps_of(runtime: Runtime) -> Deps:
    settings = runtime.settings
    if not isinstance(settings, Settings):  # pragma: no cover - wiring error
        settings = Settings()
    db, outbox = runtime.db, runtime.outbox
    return Deps(
        notices=lambda tenant: MongoNotices(db, outbox, tenant),
        clock=runtime.clock,
        transports=transports(settings),
        attempts=settings.delivery_attempts,
        backoff_seconds=settings.delivery_backoff_seconds,
    )


def handlers(runtime: Runtime) -> Mapping[str, Handler]:
    db = runtime.db
    deps = deps_of(runtime)

    async def client_created(event: Envelope) -> None:
        data = read(readers.ClientCreatedRead, event)
        await ensure_recipient(
            db,
            event.tenant,
            data.client_id,
            {
                "first_name": data.first_name,
                "last_name": data.last_name,
                "email": data.email,
                "phone": data.phone,
                "language": data.language,
            },
        )

    async def client_updated(event: Envelope) -> None:
        data = read(readers.ClientUpdatedRead, event)
        fields = {k: v for k, v in data.changes.items() if k in CONTACT_FIELDS}
        await update_recipient(db, event.tenant, data.client_id, fields)

    async def client_erased(event: Envelope) -> None:
        data = read(readers.ClientErasedRead, event)
        await erase_recipient(db, event.tenant, data.client_id)
        await MongoSessionBook(db, event.tenant).forget_client(data.client_id)

    async def studio_updated(event: Envelope) -> None:
        await remember_studio(db, event)

    async def preferences_changed(event: Envelope) -> None:
        data = read(PreferencesChangedRead, event)
        await set_preference(
            db,
            event.tenant,
            data.client_id,
            data.category.upper(),
            data.channel.upper(),
            data.enabled,
            data.changed_at,
        )

    async def client_eligible(event: Envelope) -> None:
        data = read(ClientEligibleRead, event)
        terms = {
            "rank": data.rank_name,
            "next_rank": data.next_rank_name,
            "category": data.category_name,
            "terminology": data.terminology,
        }
        await notify_staff(
            deps,
            tenant=event.tenant,
            trigger_event_id=event.id,
            kind="rank_eligible",
            roles=data.notify_roles,
            client_id=data.client_id,
            template_key="rank_eligible_staff",
            values={"visits_in_rank": data.visits_in_rank, "days_in_rank": data.days_in_rank},
            rank_terms=terms,
        )
        if data.notify_client:
            await write_to_client(
                deps,
                tenant=event.tenant,
                trigger_event_id=event.id,
                client_id=data.client_id,
                template_key="rank_eligible_client",
                channels=channels_to_try(None, automatic=True),
                rank_terms=terms,
            )

    async def client_promoted(event: Envelope) -> None:
        data = read(ClientPromotedRead, event)
        if not data.notify_client:
            return
        await write_to_client(
            deps,
            tenant=event.tenant,
            trigger_event_id=event.id,
            client_id=data.client_id,
            template_key="rank_promoted",
            channels=channels_to_try(None, automatic=True),
            rank_terms={
                "rank": data.to_rank_name or data.rank_name,
                "category": data.category_name,
                "terminology": data.terminology,
            },
        )

    async def remember_balance(event: Envelope, data: PointsChangedRead) -> None:
        await _remember_balance(db, event, data)

    async def points_changed(event: Envelope) -> None:
        await remember_balance(event, read(PointsChangedRead, event))

    async def points_redeemed(event: Envelope) -> None:
        data = read(PointsRedeemedRead, event)
        await remember_balance(event, data)
        if not data.send_receipt:
            return
        await write_to_client(
            deps,
            tenant=event.tenant,
            trigger_event_id=event.id,
            client_id=data.client_id,
            template_key="points_receipt",
            channels=("EMAIL",),
            values={
                "points_used": data.points,
                "amount": money(data.value, data.currency),
                "invoice_number": data.invoice_number or "",
            },
        )

    async def points_expiring(event: Envelope) -> None:
        # B5: the stored balance is left alone (nothing moved); the message shows the
        # balance the reminder was decided on.
        data = read(PointsExpiringRead, event)
        values: dict[str, object] = {"points": data.balance, "expiring_points": data.points}
        worth = money(data.balance_value(), data.currency)
        if worth is not None:
            values["points_value"] = worth
        await write_to_client(
            deps,
            tenant=event.tenant,
            trigger_event_id=event.id,
            client_id=data.client_id,
            template_key="points_expiring",
            channels=channels_to_try(None, automatic=True),
            values=values,
            dates={"expiry_date": data.expires_at},
        )

    async def app_fact(event: Envelope) -> None:
        data = read(AppFactRead, event)
        installed = event.type == APP_SESSION_STARTED
        if event.type == NOTIFICATION_BOUNCED and (data.reason or "").upper() != "APP_UNINSTALLED":
            return  # another bounce says nothing about the app
        await deps.notices(event.tenant).set_app(
            data.client_id, installed=installed, at=data.occurred_at
        )

    async def session_scheduled(event: Envelope) -> None:
        data = partner_fact(SessionScheduledRead, event)
        if data is None:
            return
        await MongoSessionBook(db, event.tenant).session_reported(
            data.session_id, data.starts_at, event.time
        )

    async def booking(event: Envelope) -> None:
        data = partner_fact(BookingRead, event)
        if data is None:
            return
        book = MongoSessionBook(db, event.tenant)
        if event.type == BOOKING_MADE:
            await book.booked(data.session_id, data.booking_id, data.client_id)
        else:
            await book.cancelled(data.session_id, data.booking_id, data.client_id)

    async def message_requested(event: Envelope) -> None:
        data = read(MessageRequested, event)
        await write_to_client(
            deps,
            tenant=event.tenant,
            trigger_event_id=event.id,
            client_id=data.client_id,
            template_key=data.template_key,
            channels=channels_to_try(data.channel, automatic=False),
        )

    table: dict[str, Handler] = {
        readers.CLIENT_CREATED: client_created,
        readers.CLIENT_UPDATED: client_updated,
        readers.CLIENT_ERASED: client_erased,
        readers.STUDIO_UPDATED: studio_updated,
        PREFERENCES_CHANGED: preferences_changed,
        CLIENT_ELIGIBLE: client_eligible,
        CLIENT_PROMOTED: client_promoted,
        POINTS_REDEEMED: points_redeemed,
        POINTS_EXPIRING: points_expiring,
        "notifications.message_requested.v1": message_requested,
        APP_SESSION_STARTED: app_fact,
        APP_LOGGED_OUT: app_fact,
        NOTIFICATION_BOUNCED: app_fact,
        SESSION_SCHEDULED: session_scheduled,
        BOOKING_MADE: booking,
        BOOKING_CANCELLED: booking,
    }
    for name in POINTS_EVENTS:
        table[name] = points_changed
    return {name: _waiting_for_cards(handler) for name, handler in table.items()}


async def appointment_reminders(
    runtime: Runtime, now: datetime, tenant: str | None
) -> dict[str, object]:
    """The job: every standing booking's reminder that is due at `now`, once (L10)."""
    db = runtime.db
    tenants = [tenant] if tenant else await tenants_with_sessions(db, now, now + LOOKAHEAD)
    run: ReminderRun = await run_reminders(
        deps_of(runtime), lambda name: MongoSessionBook(db, name), tenants, now
    )
    return {
        "tenants": run.tenants,
        "sent": run.sent,
        "withheld": run.withheld,
        "waiting": run.waiting,
    }


def _waiting_for_cards(handler: Handler) -> Handler:
    """A message for a client whose card has not reached this context yet waits for the
    card (`plumbing.waiting`) instead of failing: the card travels on another topic."""

    async def handle(event: Envelope) -> None:
        try:
            await handler(event)
        except RecipientUnknown as exc:
            raise Pending(str(exc), "UNKNOWN_CLIENT") from None

    return handle
