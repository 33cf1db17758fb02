"""What the notifications use cases need from storage, one tenant at a time.

`adapters/notices.py` keeps it in MongoDB (the same collections and layout as before);
`notifications.testing.MemoryNotices` keeps it in dictionaries for use-case tests.
Events handed to a write are published by the relay after it (the outbox of the record
written), never before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from plumbing.envelope import Envelope
from plumbing.mongo import Doc
from plumbing.studio import StudioSettings

from notifications.domain.devices import Device
from notifications.domain.messages import Recipient
from notifications.domain.templates import Text


class Notices(Protocol):
    tenant: str

    async def recipient(self, client_id: str) -> Recipient | None:
        """The client as this context knows it, or None before its card arrived."""

    async def studio(self) -> StudioSettings: ...

    async def template(self, key: str, channel: str, language: str) -> Text | None:
        """The studio's own version of a template, if it wrote one."""

    async def message_status(self, record_id: str) -> str | None:
        """The status of the message record `<event id>|<channel>`, None if there is none."""

    async def record_message(self, doc: Doc, events: Sequence[Envelope]) -> bool:
        """Insert a message record (with its events); False if it already exists."""

    async def settle_message(self, record_id: str, fields: Doc, events: Sequence[Envelope]) -> None:
        """Set a recorded message's outcome fields, with its events."""

    async def add_staff_notification(self, doc: Doc, events: Sequence[Envelope]) -> bool:
        """Insert an inbox entry (with its events); False if it already exists."""

    async def set_app(self, client_id: str, *, installed: bool, at: datetime) -> None:
        """Record an app fact; the newest fact decides (`domain.messages.app_after`). A
        newer fact that the app is gone also drops the devices registered before it."""

    async def devices(self, client_id: str) -> list[Device]:
        """The push devices the client's app registered, oldest first."""

    async def save_devices(self, client_id: str, devices: Sequence[Device]) -> None:
        """Replace the client's push devices."""

    async def own_templates(self) -> dict[tuple[str, str, str], Text]:
        """The studio's own templates by (key, channel, language)."""

    async def save_template(
        self, key: str, channel: str, language: str, text: Text, *, by: str, at: datetime
    ) -> None: ...

    async def forget_template(self, key: str, channel: str, language: str) -> None:
        """Drop the studio's own version of a template (none: nothing to do)."""

    async def record_request(
        self, request_id: str, fields: Doc, events: Sequence[Envelope]
    ) -> None:
        """Store a message requested from the card (N4) with its event (again: no change)."""

    async def client_messages(self, client_id: str, first: int) -> list[Doc]:
        """A client's message records, newest first."""

    async def inbox(self, roles: Sequence[str], *, unread_only: bool, first: int) -> list[Doc]:
        """The staff inbox entries of these roles, newest first."""

    async def mark_read(
        self, notification_id: str, roles: Sequence[str], *, by: str, at: datetime
    ) -> Doc | None:
        """Mark an entry of one of these roles read; None when there is no such entry."""
