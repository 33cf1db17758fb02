"""Create the local stack's Kafka topics (3 partitions each), its services' Kafka users
and their ACLs, and wait for the topics' leaders.

Run by `deploy/local/kafka.sh topics` with the workspace's Python, logged in as the
`operator` super user. Safe to re-run: what exists is left alone (a user's password is
set again). The table of who may do what is `studio_admin.kafka_access`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from studio_admin import kafka_access

PARTITIONS = 3


def leaders_missing(admin: AdminClient) -> list[str]:
    described = admin.list_topics(timeout=10).topics
    missing = []
    for name, _ in kafka_access.all_topics():
        topic = described.get(name)
        if topic is None or topic.error is not None or not topic.partitions:
            missing.append(name)
        elif any(p.leader < 0 for p in topic.partitions.values()):
            missing.append(name)
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--secrets", type=Path, required=True, help="one password file per user")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout

    passwords = {
        user: (args.secrets / user).read_text().strip()
        for user in ("operator", *kafka_access.SERVICES)
    }
    admin = kafka_access.admin_client(
        args.bootstrap, "operator", passwords["operator"], "SASL_PLAINTEXT"
    )
    while True:
        try:
            created = kafka_access.setup(admin, passwords, PARTITIONS)
            break
        except KafkaException as exc:
            # The broker may still be electing its controller right after a start.
            if time.monotonic() > deadline:
                print(f"kafka setup failed: {exc}", file=sys.stderr)
                return 1
            time.sleep(0.5)
    while missing := leaders_missing(admin):
        if time.monotonic() > deadline:
            print(f"topics without leaders: {', '.join(missing)}", file=sys.stderr)
            return 1
        time.sleep(0.2)
    if not args.quiet:
        print(f"kafka topics ready: {len(kafka_access.all_topics())} ({created} created)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
