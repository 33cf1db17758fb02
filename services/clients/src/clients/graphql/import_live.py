"""C1: an import's progress as it runs, from the `clients.import_progressed.v1` events
its batches write (`clients.service_layer.import_progress`), as this API process's feed
reads them (`plumbing.live`); the import itself may run in any replica."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from plumbing.auth import STAFF
from plumbing.envelope import Envelope
from plumbing.errors import NotFound
from plumbing.gql import require
from plumbing.live_graph import LiveUpdateKind, updates
from strawberry.types import Info

from clients.events import IMPORT_PROGRESSED, ImportProgressed
from clients.graphql.caller import repo_of
from clients.graphql.card_live import CARD_FEED
from clients.graphql.payloads import ImportJob, ImportJobStatus


def import_keys(envelope: Envelope) -> list[str]:
    """An import's events are for the subscribers of that job (`tenant:import:job id`)."""
    if envelope.type != IMPORT_PROGRESSED or envelope.subject is None:
        return []
    return [f"{envelope.tenant}:import:{envelope.subject}"]


@strawberry.type(description="C1: an import's counters at one moment.")
class ImportProgress:
    status: ImportJobStatus
    total: int
    processed: int
    created: int
    duplicates: int
    error_count: int = strawberry.field(description="Rows refused so far (see `job.errors`).")


@strawberry.type(
    description="One live update of an import: STARTED with its counters as they stand "
    "(or REFETCH), then one CHANGE per batch written, the last one COMPLETED or FAILED."
)
class ImportJobUpdate:
    kind: LiveUpdateKind
    cursor: str
    progress: ImportProgress | None
    job_id: strawberry.Private[str]

    @strawberry.field(description="The job as it is now, with its row errors (read when asked).")
    async def job(self, info: Info[Any, Any]) -> ImportJob | None:
        doc = await repo_of(require(info, *STAFF)).job(self.job_id)
        return ImportJob.from_doc(doc) if doc else None


def _progress(doc: dict[str, Any]) -> ImportProgress:
    return ImportProgress(
        status=ImportJobStatus(doc["status"]),
        total=int(doc["total"]),
        processed=int(doc["processed"]),
        created=int(doc["created"]),
        duplicates=int(doc["duplicates"]),
        error_count=len(doc.get("errors") or ()),
    )


@strawberry.type
class ImportSubscription:
    @strawberry.subscription(
        description="C1: an import's progress as its batches are written, until it is "
        "COMPLETED or FAILED (staff). `after`: the last cursor seen."
    )
    async def import_job_progress(
        self, info: Info[Any, Any], id: strawberry.ID, after: str | None = None
    ) -> AsyncGenerator[ImportJobUpdate, None]:
        ctx = require(info, *STAFF)
        job_id = str(id)
        repo = repo_of(ctx)
        if await repo.job(job_id) is None:
            raise NotFound("no such import")

        def about_job(envelope: Envelope) -> bool:
            return envelope.subject == job_id

        key = f"{ctx.tenant}:import:{job_id}"
        async for update in updates(ctx, CARD_FEED, key, after, about_job):
            if update.event is None:
                # Read once the feed holds the subscription: nothing written later is lost.
                doc = await repo.job(job_id)
                progress = _progress(doc) if doc else None
                yield ImportJobUpdate(
                    kind=update.kind, cursor=update.cursor, progress=progress, job_id=job_id
                )
                if progress is None or progress.status is not ImportJobStatus.RUNNING:
                    return
                continue
            told = ImportProgressed.model_validate(update.event.envelope.data)
            status = ImportJobStatus(told.status)
            yield ImportJobUpdate(
                kind=update.kind,
                cursor=update.cursor,
                progress=ImportProgress(
                    status=status,
                    total=told.total,
                    processed=told.processed,
                    created=told.created,
                    duplicates=told.duplicates,
                    error_count=told.error_count,
                ),
                job_id=job_id,
            )
            if status is not ImportJobStatus.RUNNING:
                return
