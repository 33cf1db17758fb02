"""The notifications port (`service_layer/ports.Notices`) on MongoDB or the local FerretDB:
recipients, template overrides, message records and the staff inbox, as they always were
kept (`recipients.py`). Every write is an insert with a new `_id` or an update by `_id`
alone, so it needs nothing of the local database that MongoDB does not also do."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from plumbing.envelope import Envelope
from plumbing.gql import RequestContext
from plumbing.mongo import Doc, DuplicateKeyError, local_id
from plumbing.outbox import Outbox, stored, with_events
from plumbing.studio import StudioSettings, studio_settings
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from notifications.adapters import recipients as kept
from notifications.domain.devices import Device, as_doc, still_installed
from notifications.domain.messages import Recipient
from notifications.domain.templates import Text
from notifications.events import catalog


def _entries(events: Sequence[Envelope]) -> list[Doc]:
    return [stored(e, catalog.topic_of(e.type)) for e in events]


class MongoNotices:
    def __init__(self, db: AsyncDatabase[Doc], outbox: Outbox, tenant: str) -> None:
        self.db = db
        self.outbox = outbox
        self.tenant = tenant

    async def recipient(self, client_id: str) -> Recipient | None:
        return await kept.load_recipient(self.db, self.tenant, client_id)

    async def studio(self) -> StudioSettings:
        return await studio_settings(self.db, self.tenant)

    async def template(self, key: str, channel: str, language: str) -> Text | None:
        doc = await kept.templates(self.db, self.tenant).get(
            kept.template_id(key, channel, language)
        )
        return None if doc is None else Text(subject=doc.get("subject"), body=doc["body"])

    async def message_status(self, record_id: str) -> str | None:
        doc = await kept.messages(self.db, self.tenant).get(record_id, {"status": 1})
        return None if doc is None else str(doc["status"])

    async def record_message(self, doc: Doc, events: Sequence[Envelope]) -> bool:
        return await self._insert(kept.MESSAGES, doc, events)

    async def settle_message(self, record_id: str, fields: Doc, events: Sequence[Envelope]) -> None:
        await kept.messages(self.db, self.tenant).update(
            {"_id": record_id}, with_events({"$set": fields}, _entries(events))
        )
        if events:
            await self.outbox.written(kept.MESSAGES, f"{self.tenant}:{record_id}")

    async def add_staff_notification(self, doc: Doc, events: Sequence[Envelope]) -> bool:
        return await self._insert(kept.STAFF_NOTIFICATIONS, doc, events)

    async def set_app(self, client_id: str, *, installed: bool, at: datetime) -> None:
        await kept.set_app(self.db, self.tenant, client_id, installed=installed, at=at)
        if not installed:
            devices = await self.devices(client_id)
            kept_devices = still_installed(devices, at)
            if len(kept_devices) != len(devices):
                await self.save_devices(client_id, kept_devices)

    async def devices(self, client_id: str) -> list[Device]:
        return await kept.load_devices(self.db, self.tenant, client_id)

    async def save_devices(self, client_id: str, devices: Sequence[Device]) -> None:
        await kept.devices(self.db, self.tenant).update(
            {"_id": client_id},
            {"$set": {"client_id": client_id, "devices": as_doc(devices)}},
            upsert=True,
        )

    async def own_templates(self) -> dict[tuple[str, str, str], Text]:
        own: dict[tuple[str, str, str], Text] = {}
        for doc in await kept.templates(self.db, self.tenant).find({}):
            key, channel, language = local_id(str(doc["_id"])).split("|")  # `template_id`
            own[(key, channel, language)] = Text(subject=doc.get("subject"), body=doc["body"])
        return own

    async def save_template(
        self, key: str, channel: str, language: str, text: Text, *, by: str, at: datetime
    ) -> None:
        await kept.templates(self.db, self.tenant).update(
            {"_id": kept.template_id(key, channel, language)},
            {
                "$set": {
                    "key": key,
                    "channel": channel,
                    "language": language,
                    "subject": text.subject,
                    "body": text.body,
                    "changed_by": by,
                    "changed_at": at,
                }
            },
            upsert=True,
        )

    async def forget_template(self, key: str, channel: str, language: str) -> None:
        await kept.templates(self.db, self.tenant).delete(
            {"_id": kept.template_id(key, channel, language)}
        )

    async def record_request(
        self, request_id: str, fields: Doc, events: Sequence[Envelope]
    ) -> None:
        await kept.requests(self.db, self.tenant).update(
            {"_id": request_id}, with_events({"$set": fields}, _entries(events)), upsert=True
        )
        await self.outbox.written(kept.REQUESTS, f"{self.tenant}:{request_id}")

    async def client_messages(self, client_id: str, first: int) -> list[Doc]:
        return await kept.messages(self.db, self.tenant).find(
            {"client_id": client_id}, sort=[("at", -1)], limit=first
        )

    async def inbox(self, roles: Sequence[str], *, unread_only: bool, first: int) -> list[Doc]:
        query: Doc = {"role": {"$in": list(roles)}}
        if unread_only:
            query["read"] = False
        return await kept.staff_notifications(self.db, self.tenant).find(
            query, sort=[("at", -1)], limit=first
        )

    async def mark_read(
        self, notification_id: str, roles: Sequence[str], *, by: str, at: datetime
    ) -> Doc | None:
        return await kept.staff_notifications(self.db, self.tenant).update(
            {"_id": notification_id, "role": {"$in": list(roles)}},
            {"$set": {"read": True, "read_by": by, "read_at": at}},
        )

    async def _insert(self, collection: str, doc: Doc, events: Sequence[Envelope]) -> bool:
        if events:
            doc = {**doc, "_outbox": _entries(events)}
        try:
            await TenantCollection(self.db[collection], self.tenant).insert(doc)
        except DuplicateKeyError:
            return False
        if events:
            await self.outbox.written(collection, f"{self.tenant}:{doc['_id']}")
        return True


def request_notices(ctx: RequestContext) -> MongoNotices:
    """The notifications storage of a GraphQL request's tenant."""
    return MongoNotices(ctx.db, ctx.outbox, ctx.tenant)
