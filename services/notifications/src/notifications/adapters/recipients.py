"""What this context keeps: recipients (contact data, preferences and points balance,
all from other contexts' events), template overrides, messages and the staff inbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from plumbing.mongo import Doc, DuplicateKeyError
from plumbing.tenant_collection import TenantCollection
from pymongo.asynchronous.database import AsyncDatabase

from notifications.domain.devices import Device, from_doc
from notifications.domain.messages import Recipient, app_after, newer, preference_key

RECIPIENTS = "recipients"
MESSAGES = "messages"
TEMPLATES = "templates"
STAFF_NOTIFICATIONS = "staff_notifications"
REQUESTS = "message_requests"
# `<tenant>:<client id>` -> the push devices the client's app registered (registerDevice).
DEVICES = "devices"


def recipients(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[RECIPIENTS], tenant)


def messages(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[MESSAGES], tenant)


def templates(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[TEMPLATES], tenant)


def staff_notifications(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[STAFF_NOTIFICATIONS], tenant)


def requests(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[REQUESTS], tenant)


def devices(db: AsyncDatabase[Doc], tenant: str) -> TenantCollection:
    return TenantCollection(db[DEVICES], tenant)


async def load_devices(db: AsyncDatabase[Doc], tenant: str, client_id: str) -> list[Device]:
    doc = await devices(db, tenant).get(client_id)
    return [] if doc is None else from_doc(doc.get("devices"))


def template_id(key: str, channel: str, language: str) -> str:
    return f"{key}|{channel}|{language}"


async def ensure_recipient(
    db: AsyncDatabase[Doc], tenant: str, client_id: str, fields: dict[str, Any]
) -> None:
    """Contact data from client_created, in one write (preferences or points may have
    arrived first and are kept). A client's events are ordered on one partition and
    replays are dropped by event id, so nothing newer can be overwritten here."""
    coll = recipients(db, tenant)
    update: Doc = {"$set": fields, "$setOnInsert": {"client_id": client_id, "preferences": {}}}
    try:
        await coll.update({"_id": client_id}, update, upsert=True)
    except DuplicateKeyError:  # inserted meanwhile by another event: update it instead
        await coll.update({"_id": client_id}, {"$set": fields})


async def update_recipient(
    db: AsyncDatabase[Doc], tenant: str, client_id: str, fields: dict[str, Any]
) -> None:
    if fields:
        coll = recipients(db, tenant)
        await _exists(coll, client_id)
        await coll.update({"_id": client_id}, {"$set": fields})


async def erase_recipient(db: AsyncDatabase[Doc], tenant: str, client_id: str) -> None:
    await recipients(db, tenant).delete({"_id": client_id})
    await messages(db, tenant).delete({"client_id": client_id})
    await staff_notifications(db, tenant).delete({"client_id": client_id})
    await devices(db, tenant).delete({"_id": client_id})


async def set_preference(
    db: AsyncDatabase[Doc],
    tenant: str,
    client_id: str,
    category: str,
    channel: str,
    enabled: bool,
    changed_at: datetime,
) -> None:
    coll = recipients(db, tenant)
    doc = await _exists(coll, client_id)
    key = preference_key(category, channel)
    current = (doc.get("preferences") or {}).get(key)
    if not newer(changed_at, current):
        return  # an older change arriving late never overrides a newer one
    guard: Doc = (
        {f"preferences.{key}": {"$exists": False}}
        if current is None
        else {f"preferences.{key}.at": current["at"]}
    )
    await coll.update(
        {"_id": client_id, **guard},
        {"$set": {f"preferences.{key}": {"enabled": enabled, "at": changed_at}}},
    )


async def set_balance(
    db: AsyncDatabase[Doc],
    tenant: str,
    client_id: str,
    at: datetime,
    *,
    points: int,
    value: Decimal | None,
    value_per_point: Decimal | None,
    currency: str | None,
) -> None:
    """The newest balance wins (events of one client arrive in order, but be safe)."""
    coll = recipients(db, tenant)
    doc = await _exists(coll, client_id)
    balance = doc.get("balance") or {}
    if balance.get("at") is not None and balance["at"] >= at:
        return
    fields: Doc = {"balance.points": points, "balance.at": at}
    if value is not None:
        fields["balance.value"] = str(value)
    else:
        fields["balance.value"] = None
    if value_per_point is not None:
        fields["balance.value_per_point"] = str(value_per_point)
    if currency:
        fields["balance.currency"] = currency
    await coll.update({"_id": client_id}, {"$set": fields})


async def set_app(
    db: AsyncDatabase[Doc], tenant: str, client_id: str, *, installed: bool, at: datetime
) -> None:
    """Whether the client has the app, by the newest app fact (they may arrive out of order)."""
    coll = recipients(db, tenant)
    doc = await _exists(coll, client_id)
    current = doc.get("app") or {}
    app = app_after(current, installed=installed, at=at)
    if app is None:
        return
    guard: Doc = {"app": {"$exists": False}} if not current else {"app.at": current["at"]}
    await coll.update({"_id": client_id, **guard}, {"$set": {"app": app}})


async def load_recipient(db: AsyncDatabase[Doc], tenant: str, client_id: str) -> Recipient | None:
    doc = await recipients(db, tenant).get(client_id)
    if doc is None or doc.get("first_name") is None:
        return None
    balance = doc.get("balance") or {}
    points = balance.get("points")
    value: Decimal | None = None
    if balance.get("value") is not None:
        value = Decimal(balance["value"])
    elif points is not None and balance.get("value_per_point") is not None:
        value = Decimal(balance["value_per_point"]) * points
    return Recipient(
        client_id=client_id,
        first_name=doc["first_name"],
        last_name=doc.get("last_name") or "",
        email=doc.get("email"),
        phone=doc.get("phone"),
        language=doc.get("language"),
        preferences=doc.get("preferences") or {},
        points=points,
        points_value=value,
        currency=balance.get("currency"),
        has_app=bool((doc.get("app") or {}).get("on")),
        devices=tuple(await load_devices(db, tenant, client_id)),
    )


async def _exists(coll: TenantCollection, client_id: str) -> Doc:
    doc = await coll.get(client_id)
    if doc is not None:
        return doc
    try:
        return await coll.insert(
            {"_id": client_id, "client_id": client_id, "first_name": None, "preferences": {}}
        )
    except DuplicateKeyError:  # created meanwhile by another event
        doc = await coll.get(client_id)
        if doc is None:
            raise
        return doc
