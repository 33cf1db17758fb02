"""Create the local stack's Kafka topics, 3 partitions each, and wait for their leaders.

Run by `deploy/local/kafka.sh topics` with the workspace's Python. Safe to re-run:
topics that exist are left alone. One Python process is much faster than starting
Kafka's topic tool (a JVM) once per topic.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError

EVENT_TOPICS = (
    "clients.events",
    "ranks.events",
    "loyalty.events",
    "crm.events",
    "ingest.bookings",
    "ingest.sales",
    "ingest.app",
    "notifications.events",
)
# Every topic has a dead-letter twin where consumers park messages they cannot handle.
TOPICS = tuple(t for name in EVENT_TOPICS for t in (name, f"{name}.dlq"))
PARTITIONS = 3


async def connect(bootstrap: str, deadline: float) -> AIOKafkaAdminClient:
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await admin.start()
            return admin
        except KafkaConnectionError:
            await admin.close()
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


async def leaders_missing(admin: AIOKafkaAdminClient) -> list[str]:
    described = await admin.describe_topics(list(TOPICS))
    missing = []
    for topic in described:
        partitions = topic.get("partitions") or []
        if topic.get("error_code") or len(partitions) < PARTITIONS:
            missing.append(topic["topic"])
        elif any(p.get("leader", -1) < 0 for p in partitions):
            missing.append(topic["topic"])
    return missing


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout

    admin = await connect(args.bootstrap, deadline)
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in TOPICS if t not in existing]
        if wanted:
            response = await admin.create_topics(
                [NewTopic(t, num_partitions=PARTITIONS, replication_factor=1) for t in wanted]
            )
            for result in response.to_object().get("topic_errors", []):
                # 36: TOPIC_ALREADY_EXISTS, e.g. auto-created by a producer meanwhile.
                if result["error_code"] not in (0, 36):
                    print(f"cannot create {result['topic']}: {result}", file=sys.stderr)
                    return 1
        while missing := await leaders_missing(admin):
            if time.monotonic() > deadline:
                print(f"topics without leaders: {', '.join(missing)}", file=sys.stderr)
                return 1
            await asyncio.sleep(0.2)
    except KafkaError as exc:
        print(f"kafka admin error: {exc!r}", file=sys.stderr)
        return 1
    finally:
        await admin.close()
    if not args.quiet:
        print(f"kafka topics ready: {len(TOPICS)} ({len(wanted)} created)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
