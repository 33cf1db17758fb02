"""Helpers for tests that look into crm's read models through the live stack's database."""

from __future__ import annotations

from typing import Any

from crm.adapters.timelines import HEADS, Timelines


async def created_entries(mongo: Any, tenant: str) -> int:
    """How many `client_created` entries the crm timelines of a tenant hold (each client's
    must appear exactly once, whatever was replayed)."""
    db = mongo["crm"]
    timelines = Timelines(db, tenant)
    total = 0
    async for head in db[HEADS].find({"tenant": tenant}, {"client_id": 1}):
        entries = await timelines.every(str(head["client_id"]))
        total += sum(1 for e in entries if e.get("kind") == "client_created")
    return total
