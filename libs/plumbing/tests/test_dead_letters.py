"""Dead letters stay small whatever is parked, and parking never loops forever."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from plumbing import dlq
from plumbing.envelope import Envelope
from plumbing.kafka import MAX_MESSAGE_BYTES
from plumbing.metrics import DLQ_FAILED

HUGE = b"\xff\xfe" + os.urandom(400_000)  # 400 KB, not UTF-8


def where(value: bytes, key: bytes | None = b"t1:c1") -> dlq.Where:
    return dlq.Where("ingest.bookings", 2, 41, key, value)


def test_a_huge_undecodable_message_gives_a_small_record_that_names_it() -> None:
    record = dlq.dead_letter(
        where(HUGE), group="crm", code=dlq.INVALID_ENVELOPE, reason="x" * 50_000, envelope=None
    )
    body = json.dumps(record).encode()
    assert len(body) < 8_000
    assert record["size"] == len(HUGE)
    assert record["sha256"] == hashlib.sha256(HUGE).hexdigest()
    assert record["excerpt_encoding"] == "base64" and record["truncated"] is True
    assert base64.b64decode(record["excerpt"]) == HUGE[: dlq.EXCERPT_BYTES]
    assert (record["consumer"], record["topic"], record["partition"], record["offset"]) == (
        "crm",
        "ingest.bookings",
        2,
        41,
    )
    assert len(record["reason"]) == dlq.REASON_CHARS


def test_a_text_message_is_excerpted_as_text_and_the_event_named_when_known() -> None:
    envelope = Envelope(
        type="ingest.booking_made.v1", source="p", tenant="t1", subject="c1", data={}
    )
    value = ("é" * 5_000).encode()  # a two-byte character cut at the limit is left out
    record = dlq.dead_letter(
        where(value), group="ranks", code=dlq.INVALID_DATA, reason="bad", envelope=envelope
    )
    assert record["excerpt_encoding"] == "utf-8"
    assert record["excerpt"] == "é" * (dlq.EXCERPT_BYTES // 2)
    assert (record["event_id"], record["type"], record["tenant"], record["subject"]) == (
        envelope.id,
        "ingest.booking_made.v1",
        "t1",
        "c1",
    )


def test_every_field_of_a_record_is_bounded() -> None:
    envelope = Envelope(
        type="ingest." + "x" * 300_000 + ".v1", source="p", tenant="t" * 300_000, data={}
    )
    record = dlq.dead_letter(
        where(b"{}", key=b"k" * 300_000),
        group="crm",
        code=dlq.UNKNOWN_TYPE,
        reason="r",
        envelope=envelope,
    )
    assert len(json.dumps(record)) < 6_000


def test_the_code_a_reason_starts_with() -> None:
    assert dlq.code_of("TENANT_MISMATCH: the key names t2", "INVALID_DATA") == "TENANT_MISMATCH"
    assert dlq.code_of("unknown client c1", "INVALID_DATA") == "INVALID_DATA"


class Refusing:
    """A publisher that fails the first `failures` times with `error`."""

    def __init__(self, error: Exception, failures: int = 1_000) -> None:
        self.error = error
        self.failures = failures
        self.calls = 0
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        self.sent.append((topic, key, value))


async def no_pause(_: float) -> None:
    return None


async def test_a_record_kafka_refuses_for_good_is_skipped_at_once_and_counted() -> None:
    publisher = Refusing(MessageSizeTooLargeError())
    before = DLQ_FAILED.labels("ingest.bookings")._value.get()
    letters = dlq.DeadLetters(publisher, "crm", sleep=no_pause)
    assert await letters.park(where(HUGE), None, code=dlq.INVALID_ENVELOPE, reason="r") is False
    assert publisher.calls == 1
    assert DLQ_FAILED.labels("ingest.bookings")._value.get() == before + 1


async def test_a_transient_failure_is_retried_a_few_times_then_skipped() -> None:
    publisher = Refusing(KafkaConnectionError())
    letters = dlq.DeadLetters(publisher, "crm", attempts=4, sleep=no_pause)
    assert await letters.park(where(b"x"), None, code=dlq.INVALID_ENVELOPE, reason="r") is False
    assert publisher.calls == 4


async def test_a_transient_failure_that_passes_publishes_the_record_on_the_dlq() -> None:
    publisher = Refusing(KafkaConnectionError(), failures=2)
    letters = dlq.DeadLetters(publisher, "crm", sleep=no_pause)
    assert await letters.park(where(HUGE), None, code=dlq.INVALID_ENVELOPE, reason="r") is True
    [(topic, key, value)] = publisher.sent
    assert (topic, key) == ("ingest.bookings.dlq", b"t1:c1")
    assert len(value) < MAX_MESSAGE_BYTES // 100


@pytest.mark.parametrize(
    ("error", "again"),
    [
        (MessageSizeTooLargeError(), False),
        (KafkaConnectionError(), True),
        (TimeoutError(), True),
        (ValueError("bug"), False),
    ],
)
def test_what_counts_as_transient(error: Exception, again: bool) -> None:
    assert dlq.transient(error) is again
