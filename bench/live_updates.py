"""Event → subscriber latency with N open subscriptions through the gateway.

Opens N subscriptions (half over SSE, half over graphql-transport-ws) to the staff inbox
of one fresh studio, puts `--events` inbox events on `notifications.events` one at a time,
paced, and measures from the moment each is handed to Kafka to the moment each subscriber's
connection delivered it (stamped by the reader as the frame arrives, so the benchmark's
own loop, busy with N streams, does not add to the figure). Every subscriber receives
every event: the worst fan-out per event. Prints p50/p99 over all deliveries, the
deliveries missing, and the RSS of the gateway and of the notifications subgraph before
and after opening the subscriptions, per subscription.

    uv run --frozen python -m bench.live_updates --subscriptions 100 --events 20
    GATEWAY_URL=http://127.0.0.1:4570/graphql ... --gateway-pid P --subgraph-pid P

The subscribers are, by default, one Node process using the clients a frontend uses
(`bench/live_readers.mjs`: graphql-sse and graphql-ws, each subscription on its own
connection), stamping each payload with the wall clock as its library hands it over;
`--readers python` reads them in this process instead (the stamps then also hold the time
this one Python loop takes to get round 1,000 connections, about twice the figure).
The pids default to the local stack's (`.data/pids`). 1,000 and 10,000 are best run
with the readers on a machine other than the stack's (10,000 needs `ulimit -n` above
25,000: each subscription holds a socket in the readers, in the gateway, and (when not
shared) between the gateway and the subgraph).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.auth import mint_token
from plumbing.envelope import Envelope
from plumbing.live_testing import LiveCaller, over_sse, over_websocket
from plumbing.testing import GATEWAY_URL, KAFKA_BOOTSTRAP, jwt_secret, kafka_options, unique_tenant

from bench.common import PIDS

INBOX = "subscription { staffInbox { kind notification { id message } } }"
OPEN_AT_ONCE = 50  # subscriptions opened together, each batch started before the next
PER_CALLER = 100  # subscriptions per owner's token


def rss_mb(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def stack_pid(name: str) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        # "<pid> <start time>", as deploy/local writes it.
        return int((PIDS / f"{name}.pid").read_text().split()[0])
    return None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


READERS = Path(__file__).resolve().parent / "live_readers.mjs"


def inbox_event(tenant: str, number: int) -> Envelope:
    return Envelope(
        type="notifications.staff_notified.v1",
        source="bench",
        tenant=tenant,
        subject="c-1",
        data={
            "notification_id": f"bench-{number}|OWNER",
            "role": "OWNER",
            "kind": "bench",
            "client_id": "c-1",
            "message": f"bench {number}",
            "trigger_event_id": f"bench-{number}",
        },
    )


async def send(
    tenant: str, events: int, delivered: Callable[[int], Awaitable[None]]
) -> list[float]:
    """Puts the events on Kafka one at a time, each once the previous one was delivered
    (`delivered`), and answers when each was handed to Kafka (wall clock, seconds)."""
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA_BOOTSTRAP, **kafka_options())
    await producer.start()
    sent: list[float] = []
    try:
        for number in range(events):
            envelope = inbox_event(tenant, number)
            sent.append(time.time())
            await producer.send_and_wait(
                topics.NOTIFICATIONS, envelope.to_bytes(), key=envelope.key.encode()
            )
            await delivered(number)
            await asyncio.sleep(0.2)
    finally:
        await producer.stop()
    return sent


Follow = Callable[
    [int, int, str, list[str], Callable[[], None]], Awaitable[tuple[list[float], int]]
]


async def with_python_readers(
    n: int, events: int, tenant: str, tokens: list[str], opened_all: Callable[[], None]
) -> tuple[list[float], int]:
    async with contextlib.AsyncExitStack() as stack:
        callers: list[LiveCaller] = []
        opened = time.perf_counter()
        for start in range(0, n, OPEN_AT_ONCE):
            batch = [
                (over_sse if i % 2 == 0 else over_websocket)(
                    GATEWAY_URL, tokens[i % len(tokens)], INBOX
                )
                for i in range(start, min(n, start + OPEN_AT_ONCE))
            ]
            batch_callers = [await stack.enter_async_context(opener) for opener in batch]
            await asyncio.gather(*(caller.next(timeout=120) for caller in batch_callers))
            callers += batch_callers
        print(f"{n} subscriptions started in {time.perf_counter() - opened:.1f} s")
        await asyncio.sleep(1.0)
        opened_all()
        latencies: list[float] = []
        missing = 0
        # perf_counter stamps: the send times are taken again on that clock.
        stamps: list[float] = []

        async def delivered(number: int) -> None:
            nonlocal missing
            stamps.append(time.perf_counter())

            async def receive(caller: LiveCaller) -> float | None:
                try:
                    await caller.next(timeout=10)
                except TimeoutError:
                    return None
                return (caller.arrived[-1] - stamps[number]) * 1000

            got = await asyncio.gather(*(receive(caller) for caller in callers))
            latencies.extend(ms for ms in got if ms is not None)
            missing += sum(ms is None for ms in got)

        await send(tenant, events, delivered)
    return latencies, missing


async def with_node_readers(
    n: int, events: int, tenant: str, tokens: list[str], opened_all: Callable[[], None]
) -> tuple[list[float], int]:
    env = {
        **os.environ,
        "GATEWAY_URL": GATEWAY_URL,
        "TOKENS": ",".join(tokens),
        "SUBSCRIPTIONS": str(n),
    }
    readers = await asyncio.create_subprocess_exec(
        "node",
        str(READERS),
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 26,
    )
    assert readers.stdin is not None and readers.stdout is not None
    opened = time.perf_counter()
    line = json.loads(await asyncio.wait_for(readers.stdout.readline(), 30 + n / 10))
    if "ready" not in line:
        raise SystemExit(f"the readers could not subscribe: {line}")
    print(f"{n} subscriptions started in {time.perf_counter() - opened:.1f} s")
    await asyncio.sleep(1.0)
    opened_all()

    async def delivered(number: int) -> None:
        await asyncio.sleep(1.0)  # the readers report at the end; a second between events

    sent = await send(tenant, events, delivered)
    readers.stdin.close()
    arrivals: dict[str, list[float]] = json.loads(await readers.stdout.readline())["arrivals"]
    await readers.wait()
    latencies = [
        stamp - sent[number] * 1000
        for number in range(events)
        for stamp in arrivals.get(str(number), [])
    ]
    return latencies, n * events - len(latencies)


async def run(
    n: int, events: int, gateway_pid: int | None, subgraph_pid: int | None, readers: str
) -> None:
    tenant = unique_tenant("live")
    # One owner per 100 subscriptions: the gateway holds at most 256 per caller.
    tokens = [
        mint_token(
            jwt_secret(), tenant=tenant, roles=["OWNER"], subject=f"owner-{i}", ttl_seconds=3600
        )
        for i in range(max(1, -(-n // PER_CALLER)))
    ]
    before = (rss_mb(gateway_pid), rss_mb(subgraph_pid))
    during = before

    def opened_all() -> None:
        nonlocal during
        during = (rss_mb(gateway_pid), rss_mb(subgraph_pid))

    follow: Follow = with_node_readers if readers == "node" else with_python_readers
    latencies, missing = await follow(n, events, tenant, tokens, opened_all)
    per_gateway = (during[0] - before[0]) * 1024 / n
    per_subgraph = (during[1] - before[1]) * 1024 / n
    print(
        f"event → subscriber, {n} open subscriptions, {events} events, {readers} readers: "
        f"p50 {pct(latencies, 0.5):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms, "
        f"max {max(latencies, default=float('nan')):.0f} ms, missing {missing}"
    )
    print(
        f"RSS gateway {before[0]:.0f} → {during[0]:.0f} MB ({per_gateway:.0f} KB per "
        f"subscription), notifications {before[1]:.0f} → {during[1]:.0f} MB "
        f"({per_subgraph:.0f} KB per subscription)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=100)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--gateway-pid", type=int, default=stack_pid("gateway"))
    parser.add_argument("--subgraph-pid", type=int, default=stack_pid("notifications"))
    parser.add_argument("--readers", choices=("node", "python"), default="node")
    args = parser.parse_args()
    asyncio.run(
        run(args.subscriptions, args.events, args.gateway_pid, args.subgraph_pid, args.readers)
    )


if __name__ == "__main__":
    main()
