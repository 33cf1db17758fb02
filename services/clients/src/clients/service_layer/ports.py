"""Ports of this context's use cases besides `plumbing.storage.Repository`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from plumbing.contracts import EventData
from plumbing.mongo import Doc

from clients.domain.search import Criteria
from clients.events import ImportProgressed


class PointsBalances(Protocol):
    """The points balance each card keeps (C10's `minPoints` / `maxPoints`)."""

    async def record(self, event_id: str, client_id: str, balance: int, at: datetime) -> None:
        """Keep `balance` unless the card holds a newer one, the card is erased, or this
        event was applied already."""
        ...


class CardSearch(Protocol):
    """C10: the cards that meet the criteria, ordered by `(sort_name, id)`."""

    async def search(
        self,
        criteria: Criteria,
        *,
        after: tuple[str, str] | None,
        limit: int,
        before: tuple[str, str] | None = None,
        from_end: bool = False,
    ) -> tuple[int, list[Doc]]:
        """`(total matching, up to `limit` cards between the positions)`, in `(sort_name,
        id)` order: the first `limit` of them, or the last with `from_end`."""
        ...


class PartnerKeys(Protocol):
    """One tenant's partner API keys (their hashes)."""

    async def add(self, doc: Doc) -> Doc: ...

    async def get(self, key_id: str) -> Doc | None: ...

    async def all(self) -> list[Doc]: ...

    async def revoke(self, key_id: str, now: datetime) -> Doc | None: ...

    async def used(self, key_id: str, now: datetime) -> None: ...


class ImportJobs(Protocol):
    """C1's import jobs across tenants (the watchdog job)."""

    async def running(self, tenant: str | None) -> list[tuple[str, str, datetime | None]]:
        """`(tenant, job id, last heartbeat)` of the jobs RUNNING (of one tenant or all)."""
        ...

    async def fail(self, tenant: str, job_id: str, reason: str, now: datetime) -> bool:
        """Mark the job FAILED if it still runs; False if it had finished meanwhile."""
        ...


class ContactKeys(Protocol):
    """The email and phone numbers cards hold (two cards never share one, C1/C2)."""

    async def release_key(self, kind: str, value: str, client_id: str) -> None: ...


class Files(Protocol):
    """The bytes of the client documents (C6)."""

    async def put(
        self, document_id: str, file_name: str, data: bytes, content_type: str
    ) -> None: ...

    async def delete(self, document_id: str) -> None: ...


class ImportTarget(Protocol):
    """What a C1 import writes into, for one tenant: contact keys claimed in bulk, cards
    inserted in bulk, the job's progress."""

    tenant: str

    async def studio(self) -> Doc | None: ...

    async def definitions(self) -> list[Doc]:
        """The custom field definitions (C5): columns named after one fill it."""
        ...

    async def claim_keys(self, claims: Sequence[tuple[str, str]]) -> set[str]:
        """Claim `(key, client id)` pairs; the keys someone else holds already."""
        ...

    async def keys_held(self, keys: Sequence[str]) -> dict[str, str]:
        """Of these keys, those a live card holds, and by whom (stale claims dropped)."""
        ...

    async def release_keys(self, claims: Sequence[tuple[str, str]]) -> None: ...

    async def insert_clients(self, batch: Sequence[tuple[Doc, Sequence[EventData]]]) -> None:
        """New cards with their events, not announced to the relay yet."""
        ...

    async def announce(self, client_ids: Sequence[str]) -> None:
        """Tell the relay these new cards hold events."""
        ...

    async def update_job(
        self, job_id: str, update: Mapping[str, Any], progress: ImportProgressed | None = None
    ) -> Doc | None:
        """Write the job's progress, and `progress` (its event) in the same write."""
        ...
