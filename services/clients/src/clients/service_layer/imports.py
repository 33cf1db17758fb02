"""C1 CSV import: a job that validates every row, flags duplicates and creates the rest.

- Row numbers are the file's line numbers (the header is row 1, the first client row 2),
  as a spreadsheet shows them.
- A row is a duplicate when its email or phone (after normalisation) appeared in an
  earlier row of the same file or belongs to an existing card; it is reported, not
  created.
- Cards are written in batches (`insert_many`), each with its own `client_created`
  event in its own outbox, so every created client is announced like a manual one; the
  relay is told at the end of the job (until then its writes would only slow the import
  down), and a crash in between leaves the events to the relay's periodic sweep.
"""

from __future__ import annotations

import asyncio
import csv
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from plumbing.clock import as_utc, utcnow
from plumbing.contracts import EventData
from plumbing.ids import new_id
from plumbing.logs import get_logger
from plumbing.mongo import Doc

from clients.adapters.repository import Repository
from clients.domain.card import Invalid, header_key, parse_date, parse_gender, parse_status
from clients.domain.model import ClientSource, Problems
from clients.service_layer.cards import Actor, clean_values, new_card
from clients.service_layer.import_progress import Progress
from clients.service_layer.initial_values import columns_of, initial_values, value_events
from clients.service_layer.ports import ImportJobs, ImportTarget
from clients.service_layer.studio import studio_view

log = get_logger("clients.imports")

BATCH = 1000
ADDRESS_KEYS = ("line1", "line2", "city", "postal_code", "region", "country")
_running: set[asyncio.Task[None]] = set()


class ImportRefused(ValueError):
    """The file as a whole cannot be imported (not CSV, no name columns, too big)."""

    def __init__(self, message: str, code: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params


@dataclass
class ParsedFile:
    columns: list[str | None]
    # The header row as written: a column no card field claims may be a custom field (C5).
    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    # Rows that could not be read as CSV (a stray quote): (line, message), reported as errors.
    unreadable: list[tuple[int, str]] = field(default_factory=list)


def decode_text(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark) when it is valid UTF-8,
    otherwise Windows-1252, which Excel in Spain and Italy writes ("Guardar como CSV"):
    its 0x80-0x9F are letters and punctuation (0x92 is the apostrophe of D’Alessandro)
    where Latin-1 has invisible control codes. A file holding one of the five bytes
    Windows-1252 leaves undefined is read as Latin-1, so no file is refused for its
    encoding (the row's check then reports the control character)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _physical_lines(text: str) -> list[str]:
    # str.splitlines would also split on U+2028, form feeds and the like, which a CSV
    # reader keeps inside a cell; only CR, LF and CRLF end a line here.
    return [line for line in _LINE.findall(text) if line]


def parse_csv(data: bytes, *, max_rows: int) -> ParsedFile:
    text = decode_text(data)
    if not text.strip():
        raise ImportRefused("the file is empty", "EMPTY_FILE")
    lines = _physical_lines(text)
    first_line = lines[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        header = next(csv.reader([first_line], delimiter=delimiter))
    except (StopIteration, csv.Error) as exc:
        raise ImportRefused(f"the file is not CSV: {exc}", "NOT_CSV") from None
    columns = [header_key(h) for h in header]
    if "first_name" not in columns or "last_name" not in columns:
        raise ImportRefused(
            "the header row must name the first-name and last-name columns "
            "(e.g. firstName,lastName,email,phone)",
            "MISSING_COLUMNS",
        )
    parsed = ParsedFile(columns=columns, headers=list(header))
    for line, record in _records(lines, delimiter, len(columns), parsed.unreadable):
        if not any(cell.strip() for cell in record):
            continue
        parsed.rows.append((line, record))
        if len(parsed.rows) > max_rows:
            break
    if len(parsed.rows) + len(parsed.unreadable) > max_rows:
        raise ImportRefused(
            f"the file has more than {max_rows} rows: split it", "TOO_MANY_ROWS", maximum=max_rows
        )
    return parsed


def _swallowed_rows(continuation: list[str], record: list[str], width: int, delimiter: str) -> bool:
    """Whether a record spanning lines took rows into a quoted cell. A quoted cell may
    hold line breaks (a note typed with Alt+Enter), but not lines that look like rows:
    a record without the header's number of cells, or a continuation line with as many
    separators as a row has, means a stray quote opened the cell."""
    if not continuation:
        return False
    if len(record) != width:
        return True
    separators = width - 1
    return separators > 0 and any(line.count(delimiter) >= separators for line in continuation)


class _Lines:
    """The file's lines from a position on, as a CSV reader takes them: `position` is the
    index of the next line it will read, so a record's lines are known."""

    def __init__(self, lines: list[str], position: int) -> None:
        self.lines = lines
        self.position = position

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.lines):
            raise StopIteration
        self.position += 1
        return self.lines[self.position - 1]


STRAY_QUOTE = (
    "a quote opens a cell and is not closed on this row (or a quote inside a cell is not "
    'doubled as ""): fix the quote and import the row again'
)


def _records(
    lines: list[str], delimiter: str, width: int, unreadable: list[tuple[int, str]]
) -> Iterator[tuple[int, list[str]]]:
    """The records after the header, each with its first line's number (1-based, as a
    spreadsheet numbers rows). A record that is not valid CSV, or that swallowed rows
    (below), began with a stray quote: that line is reported and reading resumes on the
    next line, so one bad quote costs one row."""
    source = _Lines(lines, 1)
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    while True:
        first = source.position
        try:
            record: list[str] | None = next(reader)
        except StopIteration:
            return
        except csv.Error:
            record = None
        if record is None or _swallowed_rows(
            lines[first + 1 : source.position], record, width, delimiter
        ):
            unreadable.append((first + 1, STRAY_QUOTE))
            source.position = first + 1
            # A fresh reader: the old one is still inside the stray quote.
            reader = csv.reader(source, delimiter=delimiter, strict=True)
            continue
        yield first + 1, record


def row_input(columns: Sequence[str | None], record: Sequence[str]) -> dict[str, Any]:
    """One CSV row as `CardInput` fields (typed), raising Invalid for unreadable cells."""
    given: dict[str, Any] = {}
    address: dict[str, str] = {}
    for key, cell in zip(columns, record, strict=False):
        value = cell.strip()
        if key is None or not value:
            continue
        if key in ADDRESS_KEYS:
            address[key] = value
        elif key == "birth_date":
            given[key] = parse_date(value)
        elif key == "gender":
            given[key] = parse_gender(value)
        elif key == "status":
            given[key] = parse_status(value)
        elif key == "weight_kg":
            try:
                given[key] = float(value.replace(",", "."))
            except ValueError:
                raise Invalid(f"weight {value!r} is not a number", "INVALID_WEIGHT") from None
        else:
            given[key] = value
    given.setdefault("first_name", None)
    given.setdefault("last_name", None)
    if address:
        given["address"] = address
    return given


def _row_error(row: int, message: str, code: str, /, **params: object) -> Doc:
    """A row's error as the job keeps it: its code and params (the graph words it in the
    reader's language), and the English sentence."""
    return {"row": row, "message": message, "code": code, "params": params}


def _problems_error(row: int, problems: Problems) -> Doc:
    first = problems.items[0]  # the code of the first; the sentence names them all
    field = {"field": first.path[-1]} if first.path else {}
    message = "; ".join(p.message for p in problems.items)
    return _row_error(row, message, first.code, **field, **first.params)


async def start_import(
    repo: Repository, data: bytes, *, actor: Actor, now: datetime, max_rows: int
) -> Doc:
    parsed = parse_csv(data, max_rows=max_rows)
    job: Doc = {
        "_id": new_id(),
        "status": "RUNNING",
        "total": len(parsed.rows) + len(parsed.unreadable),
        "processed": 0,
        "created": 0,
        "duplicates": 0,
        "errors": [],
        "started_by": actor.id,
        "started_at": now,
        "heartbeat_at": utcnow(),
        "finished_at": None,
    }
    job["id"] = job["_id"]
    saved = await repo.insert_job(job)
    task = asyncio.create_task(_run(repo, job["id"], parsed, actor=actor, now=now))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return saved


async def _run(
    repo: Repository, job_id: str, parsed: ParsedFile, *, actor: Actor, now: datetime
) -> None:
    progress = Progress(job_id, total=len(parsed.rows) + len(parsed.unreadable))
    try:
        await run_import(repo, job_id, parsed, actor=actor, now=now, progress=progress)
    except Exception as exc:
        log.warning("import_failed", tenant=repo.tenant, job=job_id, error=repr(exc))
        await repo.update_job(
            job_id,
            {"$set": {"status": "FAILED", "failure": repr(exc), "finished_at": now}},
            progress.event("FAILED"),
        )


async def run_import(
    repo: ImportTarget,
    job_id: str,
    parsed: ParsedFile,
    *,
    actor: Actor,
    now: datetime,
    progress: Progress | None = None,
) -> None:
    progress = progress or Progress(job_id, total=len(parsed.rows) + len(parsed.unreadable))
    studio = studio_view(repo.tenant, await repo.studio())
    definitions = await repo.definitions()
    # A column no card field claims whose header is a custom field's label (C5).
    unclaimed = [
        h if c is None else "" for h, c in zip(parsed.headers, parsed.columns, strict=False)
    ]
    custom_columns = columns_of(unclaimed, definitions)
    seen: dict[str, int] = {}  # "email:x" / "phone:y" -> first row that had it
    created: list[str] = []
    if parsed.unreadable:
        unreadable = [_row_error(r, m, "UNREADABLE_ROW") for r, m in parsed.unreadable]
        progress.add(len(unreadable), 0, 0, len(unreadable))
        await repo.update_job(
            job_id,
            {
                "$inc": {"processed": len(unreadable)},
                "$set": {"heartbeat_at": utcnow()},
                "$push": {"errors": {"$each": unreadable}},
            },
            progress.event("RUNNING"),
        )
    for start in range(0, len(parsed.rows), BATCH):
        batch = parsed.rows[start : start + BATCH]
        clock = [time.perf_counter()]
        errors: list[Doc] = []
        duplicates = 0
        candidates: list[tuple[int, dict[str, Any], list[str]]] = []
        for row, record in batch:
            problems = Problems()
            try:
                given = row_input(parsed.columns, record)
            except Invalid as exc:
                errors.append(_row_error(row, exc.message, exc.code, **exc.params))
                continue
            values = clean_values(given, studio, now, problems, creating=True)
            custom = {
                field_id: record[i] if i < len(record) else None
                for i, field_id in custom_columns.items()
            }
            values["custom_values"] = initial_values(
                definitions, custom, country=studio.get("country"), problems=problems
            )
            if problems:
                errors.append(_problems_error(row, problems))
                continue
            keys = [f"{k}:{values[k]}" for k in ("email", "phone") if values.get(k)]
            earlier = next(((k, seen[k]) for k in keys if k in seen), None)
            if earlier is not None:
                kind, value = earlier[0].split(":", 1)
                message = f"duplicate: {kind} {value} is also on row {earlier[1]}"
                errors.append(
                    _row_error(
                        row, message, "DUPLICATE_ROW", kind=kind, value=value, row=earlier[1]
                    )
                )
                duplicates += 1
                continue
            for k in keys:
                seen[k] = row
            candidates.append((row, values, keys))
        clock.append(time.perf_counter())
        # Claim every contact key at once; only the keys someone already holds need a look.
        rows = [(row, values, keys, new_id()) for row, values, keys in candidates]
        lost = await repo.claim_keys([(k, cid) for _, _, keys, cid in rows for k in keys])
        held = await repo.keys_held(sorted(lost))  # stale holders are dropped here
        retry = [(k, cid) for _, _, keys, cid in rows for k in keys if k in lost and k not in held]
        lost = (lost & set(held)) | await repo.claim_keys(retry)
        held = {**held, **{k: "?" for k in lost if k not in held}}
        fresh: list[tuple[int, dict[str, Any], list[str], str]] = []
        for row, values, keys, client_id in rows:
            holder = next(((k, held[k]) for k in keys if k in lost), None)
            if holder is not None:
                await repo.release_keys([(k, client_id) for k in keys if k not in lost])
                kind, value = holder[0].split(":", 1)
                known = holder[1] != "?"
                who = f"client {holder[1]}" if known else "another client"
                message = f"duplicate: {kind} {value} belongs to {who}"
                client = {"client": holder[1]} if known else {}
                errors.append(
                    _row_error(row, message, "DUPLICATE_CLIENT", kind=kind, value=value, **client)
                )
                duplicates += 1
                continue
            fresh.append((row, values, keys, client_id))
        clock.append(time.perf_counter())
        cards: list[tuple[Doc, Sequence[EventData]]] = []
        for _row, values, _keys, client_id in fresh:
            doc, event = new_card(
                values, client_id, source=ClientSource.IMPORT, actor=actor, now=now
            )
            doc["import_job_id"] = job_id
            custom_values = values["custom_values"]
            if custom_values:
                doc["custom_values"] = custom_values
            cards.append((doc, [event, *value_events(client_id, definitions, custom_values)]))
        clock.append(time.perf_counter())
        await repo.insert_clients(cards)
        created.extend(doc["id"] for doc, _ in cards)
        clock.append(time.perf_counter())
        errors.sort(key=lambda e: e["row"])
        update: Doc = {
            "$inc": {"processed": len(batch), "created": len(cards), "duplicates": duplicates},
            "$set": {"heartbeat_at": utcnow()},
        }
        if errors:
            update["$push"] = {"errors": {"$each": errors}}
        progress.add(len(batch), len(cards), duplicates, len(errors))
        await repo.update_job(job_id, update, progress.event("RUNNING"))
        clock.append(time.perf_counter())
        log.info(
            "import_batch",
            tenant=repo.tenant,
            job=job_id,
            rows=len(batch),
            seconds={
                step: round(clock[i + 1] - clock[i], 3)
                for i, step in enumerate(("validate", "keys", "build", "insert", "progress"))
            },
        )
    # The relay starts publishing the `client_created` events once the cards are in: while
    # the import runs, its writes would only contend with the import's own.
    await repo.announce(created)
    await repo.update_job(
        job_id, {"$set": {"status": "COMPLETED", "finished_at": now}}, progress.event("COMPLETED")
    )


STALLED_AFTER = timedelta(minutes=2)  # a running import writes its progress every batch


async def fail_stalled(jobs: ImportJobs, now: datetime, tenant: str | None) -> int:
    """Mark FAILED the imports whose process stopped mid-file (a restart, a crash): they
    would otherwise show RUNNING for ever. What was imported stays; importing the file
    again creates the rest and reports the rows already in as duplicates."""
    failed = 0
    for job_tenant, job_id, beat in await jobs.running(tenant):
        if beat is not None and as_utc(beat) > now - STALLED_AFTER:
            continue
        reason = (
            "the import stopped before the end of the file; the rows processed are kept: "
            "import the file again to add the rest (rows already imported are reported as "
            "duplicates)"
        )
        if await jobs.fail(job_tenant, job_id, reason, now):
            failed += 1
            log.warning("import_stalled", tenant=job_tenant, job=job_id)
    return failed
