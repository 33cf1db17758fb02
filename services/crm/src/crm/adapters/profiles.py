"""The crm context's read models fed by events: per-client profiles and the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from plumbing.mongo import Doc, DuplicateKeyError, TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

PROFILES = "profiles"
TIMELINE = "timeline"


def profiles(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[PROFILES], tenant)


def timeline(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[TIMELINE], tenant)


async def ensure_profile(
    db: AsyncDatabase[Doc], tenant: str, client_id: str, fields: dict[str, Any]
) -> None:
    await profiles(db, tenant).update(
        {"_id": client_id},
        {
            "$setOnInsert": {
                "client_id": client_id,
                "has_app": False,
                "app_platform": None,
                **fields,
            }
        },
        upsert=True,
    )


async def add_timeline_entry(
    db: AsyncDatabase[Doc],
    tenant: str,
    *,
    event_id: str,
    client_id: str,
    at: datetime,
    kind: str,
    summary: str,
    source: str,
) -> None:
    """One entry per event: the event id is the entry id, so a replay inserts nothing."""
    try:
        await timeline(db, tenant).insert(
            {
                "_id": event_id,
                "client_id": client_id,
                "at": at,
                "kind": kind,
                "summary": summary,
                "source": source,
            }
        )
    except DuplicateKeyError:
        pass
