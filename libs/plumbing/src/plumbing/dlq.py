"""Dead letters: what a consumer parks on `<topic>.dlq`, bounded whatever it parks.

A record names the message (consumer group, topic, partition, offset, its size and the
sha256 of its value, an excerpt of at most `EXCERPT_BYTES`: text when the value is UTF-8,
base64 when it is not), why it was parked (a machine `code` and a `reason` of at most
`REASON_CHARS`), and the event when it could be read (id, type, tenant, subject). A
record is a few KB at most, so Kafka always takes it; the whole message stays on its
topic at its offset until retention, for whoever needs more than the excerpt.

Publishing a record never holds a partition for long:
- an error Kafka would give again (the record refused as too large, the DLQ topic not
  authorised) skips the message at once: one `dlq_publish_failed` line and
  `consumer_dlq_failed_total`;
- a transient one (broker unreachable, a timeout) is retried `ATTEMPTS` times with
  backoff, about 10 s in all, then skipped the same way. Kafka being away for longer is
  an outage the consumer sees too: it starts over from its last committed offset, which
  is before this message, so the message comes again.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError

from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.logs import get_logger
from plumbing.metrics import DLQ_EVENTS, DLQ_FAILED

log = get_logger("plumbing.dlq")

# Why a message was parked (the record's `code`).
INVALID_ENVELOPE = "INVALID_ENVELOPE"  # not a UTF-8 JSON envelope of the contract
UNKNOWN_TYPE = "UNKNOWN_TYPE"  # a type no context publishes (nor a version this build knows)
TENANT_MISMATCH = "TENANT_MISMATCH"  # the topic or the message key names another tenant
WRONG_TOPIC = "WRONG_TOPIC"  # another context's event on this topic
INVALID_DATA = "INVALID_DATA"  # the handler refused the data (`Rejected`)
PREREQUISITE_MISSING = "PREREQUISITE_MISSING"  # waited its whole window (`Pending`)
EVENT_ID_CONFLICT = "EVENT_ID_CONFLICT"  # an applied event id with other content
HANDLER_FAILED = "HANDLER_FAILED"  # the handler kept failing (a bug, or a lasting fault)

EXCERPT_BYTES = 2048
REASON_CHARS = 2000
FIELD_CHARS = 256
ATTEMPTS = 5
FIRST_PAUSE = 0.5
PUBLISH_SECONDS = 15.0
_CODE = re.compile(r"^([A-Z][A-Z0-9_]{2,40}): ")


class Publisher(Protocol):
    async def publish(self, topic: str, key: bytes, value: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class Where:
    """Where a message was read (a Kafka record, or a waiting fact's copy of one)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def code_of(reason: str, default: str) -> str:
    """The code a reason starts with (`TENANT_MISMATCH: …`), or `default`."""
    match = _CODE.match(reason)
    return match.group(1) if match else default


def _clip(value: object, limit: int = FIELD_CHARS) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def excerpt(value: bytes) -> tuple[str, str]:
    """The first `EXCERPT_BYTES` of a value and how they are written (`utf-8` or
    `base64`)."""
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(value[:EXCERPT_BYTES]).decode("ascii"), "base64"
    # A character cut in two at the end is left out.
    return value[:EXCERPT_BYTES].decode("utf-8", errors="ignore"), "utf-8"


def dead_letter(
    where: Where,
    *,
    group: str,
    code: str,
    reason: str,
    envelope: Envelope | None,
    parked_at: datetime | None = None,
) -> dict[str, Any]:
    """The DLQ record of one message: bounded, whatever the message."""
    value = where.value or b""
    text, encoding = excerpt(value)
    return {
        "code": code,
        "reason": _clip(reason, REASON_CHARS),
        "consumer": group,
        "topic": where.topic,
        "partition": where.partition,
        "offset": where.offset,
        "key": _clip((where.key or b"").decode("utf-8", errors="replace")),
        "size": len(value),
        "sha256": hashlib.sha256(value).hexdigest(),
        "excerpt": text,
        "excerpt_encoding": encoding,
        "truncated": len(value) > EXCERPT_BYTES,
        "event_id": _clip(envelope.id) if envelope else None,
        "type": _clip(envelope.type) if envelope else None,
        "tenant": _clip(envelope.tenant) if envelope else None,
        "subject": _clip(envelope.subject) if envelope else None,
        "parked_at": (parked_at or datetime.now(UTC)).isoformat(),
    }


def transient(exc: BaseException) -> bool:
    """Whether Kafka might take the same record a moment later."""
    if isinstance(exc, KafkaTimeoutError | KafkaConnectionError | TimeoutError | OSError):
        return True
    return bool(getattr(exc, "retriable", False))


class DeadLetters:
    """Parks messages for one consumer group."""

    def __init__(
        self,
        publisher: Publisher,
        group: str,
        *,
        attempts: int = ATTEMPTS,
        first_pause: float = FIRST_PAUSE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._publisher = publisher
        self._group = group
        self._attempts = attempts
        self._first_pause = first_pause
        self._sleep = sleep

    async def park(
        self, where: Where, envelope: Envelope | None, *, code: str, reason: str
    ) -> bool:
        """Log the refusal (one WARNING line, no traceback: a refusal is not a bug) and
        publish its record; False if the record could not be published (skipped)."""
        DLQ_EVENTS.labels(topics.family(where.topic), code).inc()
        log.warning(
            "event_parked",
            consumer=self._group,
            code=code,
            topic=where.topic,
            partition=where.partition,
            offset=where.offset,
            event_id=_clip(envelope.id) if envelope else None,
            type=_clip(envelope.type) if envelope else None,
            tenant=_clip(envelope.tenant) if envelope else None,
            reason=_clip(reason, 500),
        )
        record = dead_letter(where, group=self._group, code=code, reason=reason, envelope=envelope)
        body = json.dumps(record).encode()
        key = (where.key or b"")[:FIELD_CHARS]
        pause = self._first_pause
        for attempt in range(1, self._attempts + 1):
            try:
                await asyncio.wait_for(
                    self._publisher.publish(topics.dlq(where.topic), key, body), PUBLISH_SECONDS
                )
                return True
            except Exception as exc:
                if attempt < self._attempts and transient(exc):
                    await self._sleep(pause)
                    pause = min(pause * 2, 4.0)
                    continue
                DLQ_FAILED.labels(topics.family(where.topic)).inc()
                log.error(
                    "dlq_publish_failed",
                    consumer=self._group,
                    code=code,
                    topic=where.topic,
                    partition=where.partition,
                    offset=where.offset,
                    sha256=record["sha256"],
                    attempts=attempt,
                    error=_clip(repr(exc), 500),
                )
                return False
        return False  # pragma: no cover (the loop always returns)
