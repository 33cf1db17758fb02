"""The notifications port in dictionaries, for use-case tests (milliseconds, no stack)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from plumbing.envelope import Envelope
from plumbing.mongo import Doc
from plumbing.studio import StudioSettings

from notifications.domain.devices import Device, still_installed
from notifications.domain.messages import Recipient, app_after
from notifications.domain.reminders import ReminderSettings
from notifications.domain.templates import Text
from notifications.service_layer.reminders import (
    BOOKED,
    CANCELLED,
    REMINDED,
    BookedClient,
    Session,
)


@dataclass
class MemoryNotices:
    """One tenant's recipients, templates, message records and inbox; `published` lists
    the events the writes handed over, in order (what the relay would publish)."""

    tenant: str = "t1"
    recipients: dict[str, Recipient] = field(default_factory=dict)
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)
    pushed_to: dict[str, list[Device]] = field(default_factory=dict)
    templates: dict[tuple[str, str, str], Text] = field(default_factory=dict)
    messages: dict[str, Doc] = field(default_factory=dict)
    inbox_entries: dict[str, Doc] = field(default_factory=dict)
    requests: dict[str, Doc] = field(default_factory=dict)
    published: list[Envelope] = field(default_factory=list)
    settings: StudioSettings = field(
        default_factory=lambda: StudioSettings(tenant="t1", name="Studio One")
    )

    async def recipient(self, client_id: str) -> Recipient | None:
        known = self.recipients.get(client_id)
        if known is None:
            return None
        known = replace(known, devices=tuple(self.pushed_to.get(client_id, ())))
        app = self.apps.get(client_id)
        if app is None:
            return known
        return replace(known, has_app=bool(app["on"]))

    async def studio(self) -> StudioSettings:
        return self.settings

    async def template(self, key: str, channel: str, language: str) -> Text | None:
        return self.templates.get((key, channel, language))

    async def message_status(self, record_id: str) -> str | None:
        doc = self.messages.get(record_id)
        return None if doc is None else str(doc["status"])

    async def record_message(self, doc: Doc, events: Sequence[Envelope]) -> bool:
        return self._insert(self.messages, doc, events)

    async def settle_message(self, record_id: str, fields: Doc, events: Sequence[Envelope]) -> None:
        self.messages[record_id].update(fields)
        self.published += events

    async def add_staff_notification(self, doc: Doc, events: Sequence[Envelope]) -> bool:
        return self._insert(self.inbox_entries, doc, events)

    async def set_app(self, client_id: str, *, installed: bool, at: datetime) -> None:
        app = app_after(self.apps.get(client_id), installed=installed, at=at)
        if app is not None:
            self.apps[client_id] = app
            if not installed:
                kept = still_installed(self.pushed_to.get(client_id, []), at)
                self.pushed_to[client_id] = kept

    async def devices(self, client_id: str) -> list[Device]:
        return list(self.pushed_to.get(client_id, []))

    async def save_devices(self, client_id: str, devices: Sequence[Device]) -> None:
        self.pushed_to[client_id] = list(devices)

    async def own_templates(self) -> dict[tuple[str, str, str], Text]:
        return dict(self.templates)

    async def save_template(
        self, key: str, channel: str, language: str, text: Text, *, by: str, at: datetime
    ) -> None:
        self.templates[(key, channel, language)] = text

    async def forget_template(self, key: str, channel: str, language: str) -> None:
        self.templates.pop((key, channel, language), None)

    async def record_request(
        self, request_id: str, fields: Doc, events: Sequence[Envelope]
    ) -> None:
        if request_id not in self.requests:
            self.requests[request_id] = dict(fields)
            self.published += events

    async def client_messages(self, client_id: str, first: int) -> list[Doc]:
        mine = [d for d in self.messages.values() if d["client_id"] == client_id]
        return sorted(mine, key=lambda d: d["at"], reverse=True)[:first]

    async def inbox(self, roles: Sequence[str], *, unread_only: bool, first: int) -> list[Doc]:
        entries = [
            d
            for d in self.inbox_entries.values()
            if d["role"] in roles and not (unread_only and d["read"])
        ]
        return sorted(entries, key=lambda d: d["at"], reverse=True)[:first]

    async def mark_read(
        self, notification_id: str, roles: Sequence[str], *, by: str, at: datetime
    ) -> Doc | None:
        entry = self.inbox_entries.get(notification_id)
        if entry is None or entry["role"] not in roles:
            return None
        entry.update(read=True, read_by=by, read_at=at)
        return entry

    def _insert(self, into: dict[str, Doc], doc: Doc, events: Sequence[Envelope]) -> bool:
        if doc["_id"] in into:
            return False
        into[str(doc["_id"])] = dict(doc)
        self.published += events
        return True


@dataclass
class MemorySessionBook:
    """One tenant's reminder sessions and settings in dictionaries."""

    tenant: str = "t1"
    kept_settings: ReminderSettings = field(default_factory=ReminderSettings)
    starts: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    bookings: dict[str, dict[str, BookedClient]] = field(default_factory=dict)

    async def settings(self) -> ReminderSettings:
        return self.kept_settings

    async def save_settings(self, settings: ReminderSettings) -> None:
        self.kept_settings = settings

    async def session_reported(self, session_id: str, starts_at: datetime, at: datetime) -> None:
        known = self.starts.get(session_id)
        if known is None or known[1] <= at:
            self.starts[session_id] = (starts_at, at)

    async def booked(self, session_id: str, booking_id: str, client_id: str) -> None:
        entries = self.bookings.setdefault(session_id, {})
        entries.setdefault(booking_id, BookedClient(booking_id, client_id, BOOKED))

    async def cancelled(self, session_id: str, booking_id: str, client_id: str) -> None:
        entries = self.bookings.setdefault(session_id, {})
        entries[booking_id] = BookedClient(booking_id, client_id, CANCELLED)

    async def sessions_between(self, after: datetime, until: datetime) -> list[Session]:
        return [
            Session(sid, starts, tuple(self.bookings.get(sid, {}).values()))
            for sid, (starts, _) in self.starts.items()
            if after < starts <= until
        ]

    def _move(self, session_id: str, booking_id: str, old: str, new: str) -> bool:
        entry = self.bookings.get(session_id, {}).get(booking_id)
        if entry is None or entry.state != old:
            return False
        self.bookings[session_id][booking_id] = replace(entry, state=new)
        return True

    async def claim(self, session_id: str, booking_id: str) -> bool:
        return self._move(session_id, booking_id, BOOKED, REMINDED)

    async def release(self, session_id: str, booking_id: str) -> None:
        self._move(session_id, booking_id, REMINDED, BOOKED)

    async def forget_client(self, client_id: str) -> None:
        for entries in self.bookings.values():
            for booking_id in [b for b, e in entries.items() if e.client_id == client_id]:
                del entries[booking_id]
