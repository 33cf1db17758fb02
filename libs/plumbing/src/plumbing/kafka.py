"""A Kafka publisher that survives broker restarts.

aiokafka's producer cannot start while the broker is down and may be left unusable
after a long outage, so this wrapper starts it lazily and rebuilds it after a failure.
The producer is idempotent (`enable_idempotence=True`, acks=all): its own retries never
write a message twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.helpers import create_ssl_context

from plumbing.logs import get_logger
from plumbing.settings import ServiceSettings

log = get_logger("plumbing.kafka")

# The largest message a producer of the platform sends (the outbox relay, the DLQ). The
# brokers take up to `message.max.bytes` (1 MiB, deploy/local/kafka/server.properties and
# docker-compose.yml); a larger message is refused by the producer before it is sent.
MAX_MESSAGE_BYTES = 1_048_576

Headers = list[tuple[str, bytes]]
# (topic, key, value) or (topic, key, value, headers)
Message = tuple[str, bytes, bytes] | tuple[str, bytes, bytes, Headers]


def sasl_options(
    protocol: str, mechanism: str = "SCRAM-SHA-512", username: str = "", password: str = ""
) -> dict[str, Any]:
    """The keyword arguments aiokafka's producers, consumers and admin clients need to
    authenticate; nothing for a PLAINTEXT broker."""
    if protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {
        "security_protocol": protocol,
        "sasl_mechanism": mechanism,
        "sasl_plain_username": username,
        "sasl_plain_password": password,
    }
    if protocol == "SASL_SSL":
        options["ssl_context"] = create_ssl_context()
    return options


def client_options(settings: ServiceSettings) -> dict[str, Any]:
    """`sasl_options` for this process's own Kafka user."""
    return sasl_options(
        settings.kafka_security_protocol,
        settings.kafka_sasl_mechanism,
        settings.kafka_username,
        settings.kafka_password,
    )


class KafkaPublisher:
    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str = "studio",
        timeout_ms: int = 10_000,
        options: Mapping[str, Any] | None = None,
    ):
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._timeout_ms = timeout_ms
        self._options = dict(options or {})
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def _ensure(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    client_id=self._client_id,
                    enable_idempotence=True,
                    acks="all",
                    linger_ms=2,
                    request_timeout_ms=self._timeout_ms,
                    retry_backoff_ms=200,
                    max_request_size=MAX_MESSAGE_BYTES,
                    **self._options,
                )
                try:
                    await producer.start()
                except Exception:
                    with contextlib.suppress(Exception):
                        await producer.stop()
                    raise
                self._producer = producer
            return self._producer

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        await self.publish_many([(topic, key, value)])

    async def publish_many(self, messages: list[Message]) -> None:
        """Send in order and wait until every message is acknowledged."""
        producer = await self._ensure()
        try:
            futures = [
                await producer.send(
                    m[0], value=m[2], key=m[1], headers=m[3] if len(m) > 3 else None
                )
                for m in messages
            ]
            await asyncio.gather(*futures)
        except Exception:
            await self._reset()
            raise

    async def _reset(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), timeout=5)
            except Exception as exc:
                log.warning("producer_stop_failed", error=repr(exc))

    async def stop(self) -> None:
        await self._reset()


async def kafka_reachable(bootstrap: str, wait_seconds: float = 1.0) -> bool:
    """Can we open a TCP connection to a bootstrap broker? (readiness, cheap)"""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(host or "127.0.0.1", int(port)), wait_seconds
            )
        except (OSError, TimeoutError, ValueError):
            continue
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
        return True
    return False


async def partitions_of(
    consumer: AIOKafkaConsumer, topics: Sequence[str], timeout: float = 30
) -> list[TopicPartition]:
    """Every partition of `topics`, for a consumer that assigns them by hand. A consumer
    without a group or a subscription keeps no partition metadata of its own
    (`partitions_for_topic` answers None even after `topics()`): the cluster's is asked."""
    cluster = await asyncio.wait_for(consumer._client.fetch_all_metadata(), timeout)
    return [
        TopicPartition(topic, partition)
        for topic in topics
        for partition in sorted(cluster.partitions_for_topic(topic) or ())
    ]
