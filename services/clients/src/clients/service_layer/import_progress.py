"""C1: an import's counters as it runs, and the event that tells them."""

from __future__ import annotations

from dataclasses import dataclass

from clients.events import ImportProgressed


@dataclass
class Progress:
    """An import's counters as its batches are written: each write carries them whole,
    with their event (`clients.import_progressed.v1`), for whoever follows the job live."""

    job_id: str
    total: int
    processed: int = 0
    created: int = 0
    duplicates: int = 0
    errors: int = 0

    def add(self, processed: int, created: int, duplicates: int, errors: int) -> None:
        self.processed += processed
        self.created += created
        self.duplicates += duplicates
        self.errors += errors

    def event(self, status: str) -> ImportProgressed:
        return ImportProgressed(
            job_id=self.job_id,
            status=status,
            total=self.total,
            processed=self.processed,
            created=self.created,
            duplicates=self.duplicates,
            error_count=self.errors,
        )
