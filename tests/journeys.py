"""Helpers the journeys share (import with `from ..journeys import …`): what a test does
to the stack that several tests do the same way. A test module keeps only what is its own.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from plumbing import topics
from plumbing.envelope import Envelope, InvalidEnvelope
from plumbing.testing import (
    GATEWAY_URL,
    KAFKA_BOOTSTRAP,
    SERVICE_PORTS,
    Graph,
    eventually,
    kafka_options,
    seed_client,
    seed_studio,
    subgraph_url,
)


# -------------------------------------------------------------------- answers
def codes(payload: dict[str, Any]) -> list[str]:
    """The codes of a mutation payload's `userErrors`, in order."""
    return [e["code"] for e in payload["userErrors"]]


def iso(value: datetime) -> str:
    return value.isoformat()


NEW_CLIENT = """
mutation($i: ClientInput!) { createClient(input: $i) { client { id } userErrors { code } } }"""


async def new_client(owner: Graph, first: str = "Ana", last: str = "Test", **fields: Any) -> str:
    """A card made through the graph (`fields`: more of `ClientInput`); returns its id."""
    data = await owner(NEW_CLIENT, {"i": {"firstName": first, "lastName": last, **fields}})
    made = data["createClient"]
    assert made["userErrors"] == [], made
    return str(made["client"]["id"])


async def publish(producer: AIOKafkaProducer, topic: str, envelope: Envelope) -> None:
    """One event on a topic, keyed as the relays key it."""
    await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.key.encode())


async def start_at_end(consumer: AIOKafkaConsumer, *topics_: str) -> None:
    """Start `consumer` (no consumer group) on every partition of `topics_`, each position
    pinned to the end before anything is produced: it reads what comes from now on."""
    await consumer.start()
    cluster = await consumer._client.fetch_all_metadata()
    partitions = [
        TopicPartition(topic, p)
        for topic in topics_
        for p in sorted(cluster.partitions_for_topic(topic) or ())
    ] or [TopicPartition(topic, 0) for topic in topics_]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for tp in partitions:
        await consumer.position(tp)


def new_reader() -> AIOKafkaConsumer:
    """A Kafka consumer without a group, for reading what a test caused."""
    return AIOKafkaConsumer(
        **kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, enable_auto_commit=False
    )


async def tail(topic: str) -> AIOKafkaConsumer:
    """A started consumer of what `topic` receives from now on (stop it at the end)."""
    consumer = new_reader()
    await start_at_end(consumer, topic)
    return consumer


class Tap:
    """What a topic received after the tap opened (`await tap.open()`, and
    `await tap.consumer.stop()` at the end)."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.consumer = new_reader()
        self.seen: list[bytes] = []

    async def open(self) -> None:
        await start_at_end(self.consumer, self.topic)

    async def read(self) -> list[bytes]:
        """Every message value seen so far."""
        batch = await self.consumer.getmany(timeout_ms=200)
        for records in batch.values():
            self.seen.extend(r.value or b"" for r in records)
        return self.seen

    async def events(self, tenant: str, type_: str) -> list[Envelope]:
        """The events of this tenant and type seen so far."""
        out = []
        for value in await self.read():
            try:
                envelope = Envelope.from_bytes(value)
            except InvalidEnvelope:
                continue
            if envelope.tenant == tenant and envelope.type == type_:
                out.append(envelope)
        return out


class DlqTap(Tap):
    """What `<topic>.dlq` received after the tap opened."""

    def __init__(self, topic: str) -> None:
        super().__init__(topics.dlq(topic))

    async def parked(self, tenant: str) -> list[dict[str, Any]]:
        """The parked messages of this tenant seen so far."""
        parked = [json.loads(value or b"{}") for value in await self.read()]
        return [p for p in parked if p.get("tenant") == tenant]


# -------------------------------------------------------------------- ranks
RANKS_JOB = f"http://127.0.0.1:{SERVICE_PORTS['ranks']}/_dev/jobs/seniority"


async def run_job(owner: Graph, as_of: datetime, url: str = RANKS_JOB) -> dict[str, Any]:
    """Run a service's job for the owner's studio as of `as_of` (ranks' seniority unless
    `url` names another); returns its result."""
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(url, json={"as_of": as_of.isoformat()}, headers=owner.headers())
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


async def run_job_now(owner: Graph, url: str = RANKS_JOB) -> dict[str, Any]:
    """Run a service's job for the owner's studio on the service's own clock (no `as_of`),
    as its periodic run would; returns its result."""
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(url, json={}, headers=owner.headers())
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


async def visit(
    producer: AIOKafkaProducer,
    tenant: str,
    client_id: str,
    at: datetime,
    *,
    visit_id: str | None = None,
    service_id: str | None = None,
) -> Envelope:
    """A partner reports an attendance straight on Kafka (the `recordVisit` path makes
    the same event). It has happened: `at` is at most 5 minutes ahead of now, or the visit
    is refused (FUTURE_TIME)."""
    envelope = Envelope(
        type="ingest.visit_recorded.v1",
        source="partners/booking-test",
        tenant=tenant,
        subject=client_id,
        data={
            "visit_id": visit_id,
            "client_id": client_id,
            "service_id": service_id,
            "attended_at": at.isoformat(),
        },
    )
    await publish(producer, topics.INGEST_BOOKINGS, envelope)
    return envelope


async def card(owner: Graph, query: str, client_id: str) -> dict[str, Any]:
    """The client's card as `query` (with `$id`) asks for it."""
    found: dict[str, Any] = (await owner(query, {"id": client_id}))["client"]
    return found


# -------------------------------------------------------------------- crm
CRM_CARDS = '{ crmSummary(date: "2026-01-01") { demographics { gender { count } } } }'


async def crm_knows(owner: Graph, count: int) -> None:
    """Wait until the crm consumer has `count` client cards of the studio (each card
    counts in exactly one gender bucket)."""

    def total(data: dict[str, Any]) -> int:
        return sum(b["count"] for b in data["crmSummary"]["demographics"]["gender"])

    await eventually(lambda: owner(CRM_CARDS), until=lambda d: total(d) >= count, timeout=30)


async def crm_client(
    owner: Graph,
    producer: AIOKafkaProducer,
    first: str,
    last: str = "Test",
    count: int = 1,
    **fields: Any,
) -> str:
    """A card as the clients context announces it (`gender`, `birth`…); returns once crm
    has `count` cards."""
    client_id = await seed_client(producer, owner.tenant, first, last, **fields)
    await crm_knows(owner, count)
    return client_id


# -------------------------------------------------------------------- notifications
NOTIFICATIONS_CARD = """
query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Client {
      messages { templateKey channel status reason subject body language }
      messageChannels(category: %s)
    }
  }
}
"""


async def notifications_card(
    owner: Graph, client_id: str, category: str = "SERVICE"
) -> dict[str, Any]:
    """The client fields notifications owns (its messages, the channels a message of
    `category` reaches now), asked of its subgraph the way the gateway does
    (`_entities`): a test then needs no other subgraph to answer `client(id)`."""
    subgraph = Graph(
        owner.tenant,
        ["OWNER"],
        url=subgraph_url("notifications"),
        accept_language=owner.accept_language,
    )
    try:
        data = await subgraph(
            NOTIFICATIONS_CARD % category, {"r": [{"__typename": "Client", "id": client_id}]}
        )
    finally:
        await subgraph.close()
    found: dict[str, Any] = data["_entities"][0]
    return found


async def announce_card(
    producer: AIOKafkaProducer,
    tenant: str,
    client_id: str,
    *,
    studio: str,
    language: str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str | None,
) -> None:
    """The facts the clients context publishes for the studio and a new card, published
    by the test as well, in its contract, so a journey does not wait on another context's
    relay (the real events arrive later and change nothing)."""
    await seed_studio(producer, tenant, "Europe/Madrid", language, name=studio)
    await seed_client(
        producer, tenant, first_name, last_name, client_id=client_id, email=email, phone=phone
    )


# -------------------------------------------------------------------- ranks
RANK_PROGRAM = (
    "mutation { setRankProgram(enabled: true, terminology: BELTS) { userErrors { code } } }"
)
RANK_CATEGORY = """
mutation($input: RankCategoryInput!) {
  createRankCategory(input: $input) { category { id } userErrors { code message } }
}"""
ADD_RANK = """
mutation($c: ID!, $i: RankInput!) {
  addRank(categoryId: $c, input: $i) { rank { id name } userErrors { code message field } }
}"""


async def rank_category(
    owner: Graph, ranks: list[tuple[str, dict[str, Any]]], **category: Any
) -> tuple[str, list[str]]:
    """The belts program on and a category ("Karate" unless `name=` says otherwise) with
    its ranks in order, each a name and the rest of its `RankInput` (criteria, stripes…);
    returns the category id and the rank ids."""
    await owner(RANK_PROGRAM)
    made = await owner(RANK_CATEGORY, {"input": {"name": "Karate", **category}})
    category_id: str = made["createRankCategory"]["category"]["id"]
    ids = []
    for name, rank in ranks:
        added = await owner(ADD_RANK, {"c": category_id, "i": {"name": name, **rank}})
        assert added["addRank"]["userErrors"] == [], added
        ids.append(added["addRank"]["rank"]["id"])
    return category_id, ids


# -------------------------------------------------------------------- clients imports
IMPORT_CLIENTS = """mutation($f: Upload!) { importClients(file: $f) {
  job { id status total } userErrors { field message code } } }"""
IMPORT_JOB = """query($id: ID!) { importJob(id: $id) {
  status total processed created duplicates errors { row message } } }"""


async def upload_csv(graph: Graph, content: bytes, name: str = "clients.csv") -> dict[str, Any]:
    operations = {"query": IMPORT_CLIENTS, "variables": {"f": None}}
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.post(
            GATEWAY_URL,
            headers={**graph.headers(), "graphql-preflight": "1"},
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
            files={"0": (name, content, "text/csv")},
        )
    body: dict[str, Any] = response.json()
    return body


async def finished(graph: Graph, job_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any]:
        job: dict[str, Any] = (await graph(IMPORT_JOB, {"id": job_id}))["importJob"]
        return job

    return await eventually(probe, until=lambda j: j["status"] != "RUNNING", timeout=60)
