"""The reminders' sessions and bookings (`service_layer/reminders.SessionBook`) on MongoDB
or the local FerretDB: one document per session, `<tenant>:<session id>`, holding its
start and its bookings, so every write is one update by `_id` (the only filter FerretDB's
SQLite backend answers from its index); the job's look-ahead reads sessions by start.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from plumbing.clock import as_utc
from plumbing.mongo import Doc, DuplicateKeyError
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from notifications.domain.reminders import ReminderSettings
from notifications.service_layer.reminders import (
    BOOKED,
    CANCELLED,
    REMINDED,
    BookedClient,
    Session,
)

SESSIONS = "reminder_sessions"
SETTINGS = "reminder_settings"


def booking_key(booking_id: str) -> str:
    """A partner's booking id as a field name (it may hold dots or start with `$`)."""
    return "b" + hashlib.sha256(booking_id.encode()).hexdigest()[:24]


class MongoSessionBook:
    def __init__(self, db: AsyncDatabase[Doc], tenant: str) -> None:
        self.tenant = tenant
        self.sessions = TenantCollection(db[SESSIONS], tenant)
        self.kept = TenantCollection(db[SETTINGS], tenant)

    async def settings(self) -> ReminderSettings:
        doc = await self.kept.get("reminders")
        if doc is None:
            return ReminderSettings()
        return ReminderSettings(
            enabled=bool(doc["enabled"]),
            hours_before=int(doc["hours_before"]),
            changed_by=doc.get("changed_by"),
            changed_at=doc.get("changed_at"),
        )

    async def save_settings(self, settings: ReminderSettings) -> None:
        await self.kept.update(
            {"_id": "reminders"},
            {
                "$set": {
                    "enabled": settings.enabled,
                    "hours_before": settings.hours_before,
                    "changed_by": settings.changed_by,
                    "changed_at": settings.changed_at,
                }
            },
            upsert=True,
        )

    async def _ensure(self, session_id: str) -> None:
        try:
            await self.sessions.update(
                {"_id": session_id},
                {"$setOnInsert": {"session_id": session_id, "bookings": {}, "clients": []}},
                upsert=True,
            )
        except DuplicateKeyError:  # two replicas created it at once: it exists
            pass

    async def session_reported(self, session_id: str, starts_at: datetime, at: datetime) -> None:
        await self._ensure(session_id)
        await self.sessions.update(
            {
                "_id": session_id,
                "$or": [{"reported_at": {"$exists": False}}, {"reported_at": {"$lte": at}}],
            },
            {"$set": {"starts_at": starts_at, "reported_at": at}},
        )

    async def booked(self, session_id: str, booking_id: str, client_id: str) -> None:
        await self._ensure(session_id)
        key = booking_key(booking_id)
        await self.sessions.update(
            {"_id": session_id, f"bookings.{key}": {"$exists": False}},
            {
                "$set": {
                    f"bookings.{key}": {
                        "booking_id": booking_id,
                        "client_id": client_id,
                        "state": BOOKED,
                    }
                },
                "$addToSet": {"clients": client_id},
            },
        )

    async def cancelled(self, session_id: str, booking_id: str, client_id: str) -> None:
        await self._ensure(session_id)
        key = booking_key(booking_id)
        await self.sessions.update(
            {"_id": session_id},
            {
                "$set": {
                    f"bookings.{key}.booking_id": booking_id,
                    f"bookings.{key}.client_id": client_id,
                    f"bookings.{key}.state": CANCELLED,
                },
                "$addToSet": {"clients": client_id},
            },
        )

    async def sessions_between(self, after: datetime, until: datetime) -> list[Session]:
        docs = await self.sessions.find({"starts_at": {"$gt": after, "$lte": until}})
        return [session_of(doc) for doc in docs]

    async def _move(self, session_id: str, booking_id: str, old: str, new: str) -> bool:
        key = booking_key(booking_id)
        done = await self.sessions.update(
            {"_id": session_id, f"bookings.{key}.state": old},
            {"$set": {f"bookings.{key}.state": new}},
        )
        return done is not None

    async def claim(self, session_id: str, booking_id: str) -> bool:
        return await self._move(session_id, booking_id, BOOKED, REMINDED)

    async def release(self, session_id: str, booking_id: str) -> None:
        await self._move(session_id, booking_id, REMINDED, BOOKED)

    async def forget_client(self, client_id: str) -> None:
        for doc in await self.sessions.find({"clients": client_id}):
            theirs = {
                f"bookings.{key}": ""
                for key, entry in dict(doc.get("bookings") or {}).items()
                if entry.get("client_id") == client_id
            }
            update: Doc = {"$pull": {"clients": client_id}}
            if theirs:
                update["$unset"] = theirs
            await self.sessions.update({"_id": str(doc["session_id"])}, update)


def session_of(doc: Doc) -> Session:
    return Session(
        session_id=str(doc["session_id"]),
        starts_at=as_utc(doc["starts_at"]),
        bookings=tuple(
            BookedClient(str(e["booking_id"]), str(e["client_id"]), str(e["state"]))
            for e in dict(doc.get("bookings") or {}).values()
        ),
    )


async def tenants_with_sessions(
    db: AsyncDatabase[Doc], after: datetime, until: datetime
) -> list[str]:
    """Studios with a session starting in (after, until]: the job's round."""
    found = await db[SESSIONS].distinct("tenant", {"starts_at": {"$gt": after, "$lte": until}})
    return sorted(str(t) for t in found)
