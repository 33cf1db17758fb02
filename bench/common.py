"""Load helpers shared by the benchmarks: bounded in time and count, 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from plumbing.testing import GATEWAY_URL, SERVICE_PORTS
from pymongo.asynchronous.collection import AsyncCollection

Request = Callable[[httpx.AsyncClient, int], Awaitable[None]]
Doc = dict[str, Any]
PIDS = Path(__file__).resolve().parents[1] / ".data" / "pids"


@dataclass
class Figures:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def row(self) -> str:
        return (
            f"{self.name:<44} {self.rate:>9.0f} req/s  p50 {self.pct(0.50):>7.1f} ms  "
            f"p99 {self.pct(0.99):>7.1f} ms  errors {self.errors}"
        )


async def load(
    name: str,
    request: Request,
    *,
    seconds: float = 10.0,
    concurrency: int = 16,
    max_requests: int = 200_000,
) -> Figures:
    """Run `request(http, n)` from `concurrency` workers for `seconds` (n is distinct per call,
    so identical in-flight requests cannot be deduplicated by the gateway)."""
    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def worker() -> None:
            nonlocal counter, errors
            while time.perf_counter() < deadline and counter < max_requests:
                counter += 1
                n = counter
                started = time.perf_counter()
                try:
                    await request(http, n)
                    latencies.append((time.perf_counter() - started) * 1000)
                except Exception:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Figures(name, len(latencies), elapsed, latencies, errors)


def latency_row(name: str, samples_ms: list[float]) -> str:
    if not samples_ms:
        return f"{name:<44} no samples"
    ordered = sorted(samples_ms)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"{name:<44} n={len(ordered):<6} p50 {p50:>7.1f} ms  p99 {p99:>7.1f} ms"


RESULT_MARK = "RESULT\t"


def result(figure: str, value: float | int | str, unit: str = "", target: str = "") -> None:
    """Print one headline figure; `bench/run.py` gathers them into the final table."""
    shown = (
        f"{value:,.1f}"
        if isinstance(value, float)
        else f"{value:,}"
        if isinstance(value, int)
        else value
    )
    print(f"{RESULT_MARK}{figure}\t{shown}\t{unit}\t{target}", flush=True)


async def settled(timeout: float = 900) -> None:
    """Wait until the stack is idle again: no outbox backlog and no consumer lag in any
    service (read from their `/metrics`, which costs the database nothing), so that the
    measurements do not share the machine with the import's events."""
    deadline = time.perf_counter() + timeout
    async with httpx.AsyncClient(timeout=10) as http:
        while time.perf_counter() < deadline:
            pending = 0.0
            for port in SERVICE_PORTS.values():
                text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
                for line in text.splitlines():
                    if line.startswith(("outbox_backlog_documents", "consumer_lag_messages{")):
                        pending += float(line.rsplit(" ", 1)[1])
            print(f"  waiting for the stack to settle: {pending:.0f} pending", end="\r", flush=True)
            if pending == 0:
                break
            await asyncio.sleep(3)
    print()


def rss_mb(pid: int) -> float:
    """Resident memory of a process (from /proc), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def own_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


__all__ = [
    "GATEWAY_URL",
    "RESULT_MARK",
    "SERVICE_PORTS",
    "Figures",
    "latency_row",
    "load",
    "os",
    "result",
    "rss_mb",
    "settled",
]


@contextlib.contextmanager
def paused(services: Iterable[str]) -> Iterator[None]:
    """Stop these local services' processes (SIGSTOP) for the duration, then let them go
    on (SIGCONT) with whatever they missed waiting on Kafka. On this machine every service
    shares two cores and one FerretDB process; pausing the others measures what one
    consumer can do with the machine to itself, as it would on its own pod."""
    pids: list[int] = []
    for name in services:
        pid_file = PIDS / f"{name}.pid"
        if pid_file.exists():
            pids.append(int(pid_file.read_text().split()[0]))
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


async def delete_ids(
    collection: AsyncCollection[Doc], ids: Sequence[str], parallel: int = 500
) -> None:
    """Delete what a benchmark wrote straight into a service's database, by `_id`: FerretDB
    on SQLite deletes about 800–1,500 documents a second that way, and cannot delete tens of
    thousands by a filter (`too many SQL variables`). Left behind, they would make every
    full scan of the collection (the relay's sweep, the daily jobs) slower for good."""
    for start in range(0, len(ids), parallel):
        chunk = ids[start : start + parallel]
        await asyncio.gather(*(collection.delete_one({"_id": i}) for i in chunk))
