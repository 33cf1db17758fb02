"""What the crm consumer does with every topic: partner facts become read models, and
every event about a client becomes a timeline entry (C9)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from plumbing import readers
from plumbing.app import Runtime
from plumbing.envelope import Envelope
from plumbing.event_handlers import BatchHandler, Handler, Rejected
from plumbing.studio import remember_studio
from pydantic import ValidationError

from crm.adapters.tenant_storage import TenantStorage, tenant_storage
from crm.events import MembershipNextPaymentSet, catalog
from crm.service_layer import bulk, client_cards, memberships
from crm.service_layer.app_use import notified
from crm.service_layer.partner_facts import apply_fact
from crm.service_layer.ports import ReadModels
from crm.service_layer.projection import Projection
from crm.service_layer.timeline_entries import add_to_timeline

# Events of other contexts shown on the timeline (events.md); any client-bearing field
# is read tolerantly, and unknown facts get a generic summary.
TIMELINE_TYPES = (
    "clients.note_added.v1",
    "clients.preferences_changed.v1",
    "clients.custom_field_value_set.v1",
    "clients.form_assigned.v1",
    "clients.form_completed.v1",
    "clients.form_removed.v1",
    "clients.document_added.v1",
    "clients.document_deleted.v1",
    "clients.disliked_service_added.v1",
    "clients.disliked_service_updated.v1",
    "clients.disliked_service_removed.v1",
    "ranks.rank_assigned.v1",
    "ranks.client_eligible.v1",
    "ranks.client_promoted.v1",
    "ranks.client_demoted.v1",
    "ranks.stripe_awarded.v1",
    "ranks.stripe_removed.v1",
    "ranks.stripe_eligible.v1",
    "loyalty.points_earned.v1",
    "loyalty.points_redeemed.v1",
    "loyalty.points_granted.v1",
    "loyalty.points_deducted.v1",
    "loyalty.points_expired.v1",
    "loyalty.points_reversed.v1",
    "crm.task_created.v1",
    "crm.task_completed.v1",
    "crm.client_moved_in_funnel.v1",
    "crm.membership_next_payment_set.v1",
    "notifications.message_sent.v1",
    "notifications.staff_notified.v1",
)
MESSAGE_SENT = "notifications.message_sent.v1"
NEXT_PAYMENT_SET = "crm.membership_next_payment_set.v1"  # also changes the card


def client_in(event: Envelope) -> str | None:
    value = event.data.get("client_id") or event.subject
    return str(value) if value else None


def batch_handlers(runtime: Runtime) -> Mapping[str, BatchHandler]:
    """Events that only add a timeline entry arrive by the thousand (every purchase's
    `points_earned`): a run of them costs one read and one write per client. Bookings and
    sales too, from partners' schedulers, tills and imports (`bulk`)."""

    def opened(tenant: str) -> TenantStorage:
        return tenant_storage(runtime.store(), runtime.db, tenant, runtime.outbox)

    async def open_run(tenant: str) -> tuple[ReadModels, ZoneInfo]:
        storage = opened(tenant)
        return storage.views, (await storage.studio()).zone

    async def facts(events: list[Envelope]) -> list[Envelope]:
        return await bulk.facts_in_bulk(open_run, events)

    async def timeline(events: list[Envelope]) -> list[Envelope]:
        by_client: dict[tuple[str, str], list[Envelope]] = defaultdict(list)
        for event in events:
            client_id = client_in(event)
            if client_id:
                by_client[(event.tenant, client_id)].append(event)
        await asyncio.gather(
            *(
                add_to_timeline(opened(tenant).views.timelines, client_id, run)
                for (tenant, client_id), run in by_client.items()
            )
        )
        return []

    table: dict[str, BatchHandler] = dict.fromkeys(
        (t for t in TIMELINE_TYPES if t not in {MESSAGE_SENT, NEXT_PAYMENT_SET}), timeline
    )
    for kind in bulk.KINDS:
        table[kind] = facts
    return table


def handlers(runtime: Runtime) -> Mapping[str, Handler]:
    def projected(
        step: Callable[[Projection], Awaitable[None]],
    ) -> Handler:
        async def handle(event: Envelope) -> None:
            storage = tenant_storage(runtime.store(), runtime.db, event.tenant, runtime.outbox)
            projection = Projection(storage.views, event, await storage.studio())
            try:
                await step(projection)
            except ValidationError as exc:
                raise Rejected(f"invalid data: {exc.errors()[:3]}") from exc

        return handle

    async def client_created(p: Projection) -> None:
        data = readers.ClientCreatedRead.model_validate(p.event.data)
        await client_cards.client_created(p, data)

    async def client_updated(p: Projection) -> None:
        data = readers.ClientUpdatedRead.model_validate(p.event.data)
        await client_cards.client_updated(p, data.client_id, dict(data.changes))
        await p.timeline(data.client_id)

    async def client_erased(p: Projection) -> None:
        data = readers.ClientErasedRead.model_validate(p.event.data)
        await client_cards.client_erased(p, data.client_id)

    async def other(p: Projection) -> None:
        client_id = client_in(p.event)
        if p.event.type == MESSAGE_SENT and client_id:
            await notified(p, client_id, _sent_at(p.event.data, p.event.time))
        await p.timeline(client_id)

    async def next_payment_set(p: Projection) -> None:
        data = catalog.read(p.event)
        assert isinstance(data, MembershipNextPaymentSet)
        await memberships.next_payment_set(p, data)
        await p.timeline(data.client_id)

    async def studio_updated(event: Envelope) -> None:
        await remember_studio(runtime.db, event)

    table: dict[str, Handler] = {name: projected(other) for name in TIMELINE_TYPES}
    for name in catalog.names():
        if name.startswith("ingest."):
            table[name] = projected(apply_fact)
    table[NEXT_PAYMENT_SET] = projected(next_payment_set)
    table[readers.CLIENT_CREATED] = projected(client_created)
    table[readers.CLIENT_UPDATED] = projected(client_updated)
    table[readers.CLIENT_ERASED] = projected(client_erased)
    table[readers.STUDIO_UPDATED] = studio_updated
    return table


def _sent_at(data: dict[str, Any], default: datetime) -> datetime:
    raw = data.get("sent_at") or data.get("at")
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if parsed.tzinfo is not None:
                return parsed
        except ValueError:
            pass
    return default
