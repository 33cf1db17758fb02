"""Each service's local copy of the studio settings it needs (time zone, currency,
language, name, branches), kept from `clients.studio_updated` events: newest event wins. Reads
are remembered for a few seconds (`plumbing.config_cache`): the copy follows events anyway,
and the process that applies an update forgets its remembered value at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from plumbing.config_cache import Recent
from plumbing.envelope import Envelope
from plumbing.mongo import Doc, document_lock, write_gate
from plumbing.readers import StudioUpdatedRead

STUDIO_SETTINGS = "studio_settings"


@dataclass(frozen=True)
class StudioSettings:
    tenant: str
    name: str
    time_zone: str = "UTC"
    currency: str = "EUR"
    language: str = "en"
    # The studio's branches; None while no event naming them has arrived (a copy kept
    # before events carried them): a check against them then has nothing to go on.
    branch_ids: tuple[str, ...] | None = None
    # Each branch's resolved time zone (its own, else the studio's), by branch id.
    branch_time_zones: Mapping[str, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def zone_of(self, branch_id: str | None) -> ZoneInfo:
        """The branch's time zone; the studio's for no branch, or a branch whose zone has
        not arrived yet (the fallback every branch without its own zone has anyway)."""
        name = self.branch_time_zones.get(branch_id) if branch_id else None
        return ZoneInfo(name) if name else self.zone

    def today(self, now: datetime, branch_id: str | None = None) -> date:
        """What 'today' is for the studio, or for one of its branches: its zone decides."""
        return now.astimezone(self.zone_of(branch_id)).date()


async def remember_studio(db: AsyncDatabase[Doc], event: Envelope) -> None:
    data = StudioUpdatedRead.model_validate(event.data)
    update = {
        "$set": {
            "tenant": event.tenant,
            "name": data.name,
            "time_zone": data.time_zone,
            "currency": data.currency,
            "language": data.language,
            "branch_ids": data.branch_ids,
            "branch_time_zones": data.branch_time_zones,
            "at": event.time,
        }
    }
    try:
        async with document_lock(STUDIO_SETTINGS, event.tenant), write_gate(db):
            await db[STUDIO_SETTINGS].update_one(
                {"_id": event.tenant, "at": {"$lt": event.time}}, update, upsert=True
            )
    except DuplicateKeyError:
        pass  # a newer version is already stored; this one arrived late
    finally:
        _recent.drop((db.name, event.tenant))


_recent: Recent[StudioSettings] = Recent()


async def studio_settings(db: AsyncDatabase[Doc], tenant: str) -> StudioSettings:
    return await _recent.get((db.name, tenant), lambda: _read(db, tenant))


async def _read(db: AsyncDatabase[Doc], tenant: str) -> StudioSettings:
    doc = await db[STUDIO_SETTINGS].find_one({"_id": tenant})
    if doc is None:
        return StudioSettings(tenant=tenant, name=tenant)
    return StudioSettings(
        tenant=tenant,
        name=doc["name"],
        time_zone=doc["time_zone"],
        currency=doc["currency"],
        language=doc["language"],
        branch_ids=tuple(doc["branch_ids"]) if doc.get("branch_ids") is not None else None,
        branch_time_zones=dict(doc.get("branch_time_zones") or {}),
    )
