"""Two of everything: loyalty and ranks each run two more API and two more consumer
processes beside their main one (`deploy/local/services.sh replicas`), as deploy/k8s runs
them. Under load (purchases and visits on Kafka, each sent twice; staff changes through
both API processes at once, on the same clients), one API and one consumer process of
each service are killed. Afterwards no effect is lost or doubled: every purchase earned
once, every acknowledged grant and rank change is there once (an unanswered one at most
once), every client promoted exactly once by its visits."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from loyalty.testing import GRANT, account, configure, create_client, known, purchase
from plumbing.testing import ROOT, Graph, eventually, replica_url

from ..e2e.test_ranks_manual import ASSIGN, HISTORY, PROMOTE
from ..journeys import rank_category, visit

SERVICES = ("loyalty", "ranks")
BUYERS = 12  # loyalty clients
PURCHASES = 8  # each, sent twice: 50 points each (5 % of 10.00 EUR at 0.01 EUR a point)
GRANTS = 4  # each, half through each API process, 7 points each
LEARNERS = 8  # ranks clients promoted by 5 visits (each sent twice)
STAFFED = 8  # ranks clients changed by hand in two categories at once
WAIT = 120.0

pytestmark = pytest.mark.slow


def services(*args: str) -> None:
    subprocess.run(["bash", str(ROOT / "deploy/local/services.sh"), *args], check=True, timeout=180)


def crash(name: str) -> None:
    """SIGKILL one process (no shutdown at all), as a node failure would."""
    pid = int((ROOT / ".data/pids" / f"{name}.pid").read_text().split()[0])
    os.killpg(pid, signal.SIGKILL)


@pytest.fixture
async def replicas() -> AsyncIterator[None]:
    for context in SERVICES:
        await asyncio.to_thread(services, "replicas", context, "2", "2")
    yield
    for context in SERVICES:
        await asyncio.to_thread(services, "replicas", context, "0", "0")


class Apis:
    """Calls spread over a service's two extra API processes, as a load balancer spreads
    them; once one is gone, the other takes its calls. A call whose process died under it
    has no answer: it is `unanswered` (its effect may or may not be there)."""

    def __init__(self, owner: Graph, context: str) -> None:
        self.graphs = [
            Graph(owner.tenant, ["OWNER"], url=replica_url(context, "api", n)) for n in (1, 2)
        ]
        self.down: set[int] = set()
        self.unanswered = 0

    async def call(self, n: int, query: str, variables: dict[str, Any]) -> dict[str, Any] | None:
        if n in self.down:
            n = 1 - n
        try:
            return await self.graphs[n](query, variables)
        except httpx.TransportError:
            self.down.add(n)
            self.unanswered += 1
            return None

    async def close(self) -> None:
        for graph in self.graphs:
            await graph.close()


async def paced(jobs: list[Callable[[], Awaitable[None]]], every: float) -> None:
    """Start one job every `every` seconds, each running on its own: a steady load
    that is still going when the processes are killed."""

    async def one(i: int, job: Callable[[], Awaitable[None]]) -> None:
        await asyncio.sleep(i * every)
        await job()

    await asyncio.gather(*(one(i, job) for i, job in enumerate(jobs)))


async def test_killing_one_of_two_processes_loses_and_doubles_nothing(
    owner: Graph, producer: AIOKafkaProducer, replicas: None
) -> None:
    tenant = owner.tenant
    await configure(owner, enabled=True, pointValue="0.01", earnPercent="5")
    karate, (white, _yellow, _orange) = await rank_category(
        owner,
        [
            ("White", {}),
            ("Yellow", {"criteria": {"minVisits": 5}}),
            ("Orange", {"criteria": {"minVisits": 50}}),
        ],
        autoPromote=True,
    )
    judo, (judo_white, _judo_blue) = await rank_category(
        owner, [("White", {}), ("Blue", {})], name="Judo"
    )
    buyers = [await create_client(owner, f"Compra{i}") for i in range(BUYERS)]
    learners = [await create_client(owner, f"Alumno{i}") for i in range(LEARNERS)]
    staffed = [await create_client(owner, f"Equipo{i}") for i in range(STAFFED)]
    for client_id in buyers:
        await known(owner, client_id)
    for client_id in learners:
        assigned = await owner(ASSIGN, {"c": client_id, "r": white, "note": "start"})
        assert assigned["assignRank"]["userErrors"] == []
    since = datetime.now(UTC)

    loyalty, ranks = Apis(owner, "loyalty"), Apis(owner, "ranks")
    answered: dict[str, bool] = {}  # a staff change's note: did its API process answer?

    def grant(client_id: str, i: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            note = f"grant {client_id} {i}"
            done = await loyalty.call(i % 2, GRANT, {"c": client_id, "p": 7, "n": note})
            if done is not None:
                assert done["grantPoints"]["userErrors"] == [], done
            answered[note] = done is not None

        return run

    def by_hand(client_id: str) -> Callable[[], Awaitable[None]]:
        """Both categories of one client at once, through both API processes."""

        async def run() -> None:
            for step, query, field, karate_args, judo_args in (
                ("assign", ASSIGN, "assignRank", {"r": white}, {"r": judo_white}),
                ("promote", PROMOTE, "promoteClient", {"cat": karate}, {"cat": judo}),
            ):
                notes = [f"{step} karate {client_id}", f"{step} judo {client_id}"]
                results = await asyncio.gather(
                    ranks.call(0, query, {"c": client_id, "note": notes[0], **karate_args}),
                    ranks.call(1, query, {"c": client_id, "note": notes[1], **judo_args}),
                )
                for note, done in zip(notes, results, strict=True):
                    # Answered and done; a promotion is refused only when its
                    # category's assignment went down with the killed process.
                    answered[note] = done is not None and not done[field]["userErrors"]
                    if done is not None and not answered[note]:
                        assert step == "promote" and not answered[note.replace(step, "assign")]

        return run

    async def facts() -> None:
        for round_ in range(PURCHASES):
            for client_id in buyers:
                await purchase(
                    tenant,
                    client_id,
                    f"F-{client_id}-{round_}",
                    [("SERVICE", "s1", "10.00")],
                    [("CASH", "10.00")],
                    copies=2,
                )
            if round_ < 5:
                for client_id in learners:
                    at = since + timedelta(seconds=round_ + 1)
                    for _ in range(2):
                        await visit(producer, tenant, client_id, at, visit_id=f"v{round_}")
            await asyncio.sleep(0.3)

    staff = [grant(c, i) for i in range(GRANTS) for c in buyers] + [by_hand(c) for c in staffed]
    load = asyncio.gather(facts(), paced(staff, every=0.1))
    await asyncio.sleep(2.0)  # mid-load
    for context in SERVICES:
        crash(f"{context}-api-1")
        crash(f"{context}-consumer-1")
    await load
    await loyalty.close()
    await ranks.close()

    # Loyalty: each purchase earned once; each grant at most once, once if answered.
    for client_id in buyers:
        mine = {n: a for n, a in answered.items() if n.startswith(f"grant {client_id} ")}

        def settled(acc: dict[str, Any], mine: dict[str, bool] = mine) -> bool:
            notes = Counter(e["node"]["note"] for e in acc["ledger"]["edges"])
            earned = [e for e in acc["ledger"]["edges"] if e["node"]["invoiceNumber"]]
            return len(earned) >= PURCHASES and all(notes[n] for n, a in mine.items() if a)

        acc = await eventually(
            functools.partial(account, owner, client_id), until=settled, timeout=WAIT
        )
        entries = [e["node"] for e in acc["ledger"]["edges"]]
        invoices = Counter(e["invoiceNumber"] for e in entries if e["invoiceNumber"])
        assert invoices == {f"F-{client_id}-{r}": 1 for r in range(PURCHASES)}
        assert all(e["points"] == 50 for e in entries if e["invoiceNumber"])
        notes = Counter(e["note"] for e in entries if not e["invoiceNumber"])
        assert all(count == 1 for count in notes.values()), notes
        assert {n for n, a in mine.items() if a} <= set(notes)
        assert acc["balance"] == 50 * PURCHASES + 7 * len(notes)

    # Ranks: every learner promoted exactly once by its visits…
    for client_id in learners:
        card = await eventually(
            functools.partial(owner, HISTORY, {"id": client_id}),
            until=lambda d: d["client"]["ranks"][0]["rank"]["name"] == "Yellow",
            timeout=WAIT,
        )
        history = [(h["kind"], h["trigger"]) for h in card["client"]["rankHistory"]]
        assert history == [("ASSIGNMENT", "MANUAL"), ("PROMOTION", "AUTOMATIC")]
    # …and no change by hand lost to its concurrent twin in the other category.
    for client_id in staffed:
        card = (await owner(HISTORY, {"id": client_id}))["client"]
        notes = Counter(h["note"] for h in card["rankHistory"])
        assert all(count == 1 for count in notes.values()), notes
        mine = {n: a for n, a in answered.items() if n.endswith(f" {client_id}")}
        assert {n for n, a in mine.items() if a} <= set(notes), (mine, notes)
        held = {r["category"]["name"]: r["rank"]["name"] for r in card["ranks"]}
        for category in ("karate", "judo"):
            if answered[f"promote {category} {client_id}"]:
                assert held[category.title()] in {"Yellow", "Blue"}
    # The kill did happen mid-load: something was still to do on the killed processes.
    assert loyalty.down and ranks.down
