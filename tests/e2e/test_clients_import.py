"""C1: CSV import through the gateway (GraphQL multipart), and leads from partners/widgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from plumbing.testing import Graph

from ..journeys import finished, upload_csv


async def test_import_creates_valid_rows_reports_bad_ones_and_flags_duplicates(
    owner: Graph,
) -> None:
    await owner('mutation { updateStudio(input: {country: "ES"}) { userErrors { code } } }')
    existing = await owner(
        """mutation { createClient(input: {firstName: "Eva", lastName: "Previa",
        email: "eva@example.com"}) { client { id } userErrors { code } } }"""
    )
    eva = existing["createClient"]["client"]["id"]
    csv = (
        "Nombre;Apellidos;Email;Teléfono;Fecha de nacimiento;Peso\n"  # row 1: header (es)
        "Ana;García;ana@example.com;612 345 001;1990-04-12;60\n"  # 2 ok
        "Luis;;luis@example.com;;;\n"  # 3 no last name
        "Marta;Ruiz;not-an-email;;;\n"  # 4 bad email
        "Pablo;Soto;pablo@example.com;;2999-01-01;\n"  # 5 birth date in future
        "Rosa;Vila;ANA@example.com;;;\n"  # 6 duplicate of row 2 (email, any case)
        "Iker;Mora;;+34 612 345 001;;\n"  # 7 duplicate of row 2 (phone)
        "Eva;Otra;eva@example.com;;;\n"  # 8 duplicate of an existing card
        "Juan;Paz;;;31/12/1980;-3\n"  # 9 negative weight
        "\n"  # blank line: skipped, not counted
        "Sara;Gil;sara@example.com;;;\n"  # 11 ok
    ).encode()
    body = await upload_csv(owner, csv)
    assert "errors" not in body, body
    assert body["data"]["importClients"]["userErrors"] == []
    started = body["data"]["importClients"]["job"]
    assert started["total"] == 9
    job = await finished(owner, started["id"])
    assert job["status"] == "COMPLETED"
    assert (job["total"], job["processed"], job["created"], job["duplicates"]) == (9, 9, 2, 3)
    rows = {e["row"]: e["message"] for e in job["errors"]}
    assert sorted(rows) == [3, 4, 5, 6, 7, 8, 9]
    assert "lastName" in rows[3]
    assert "not a valid email" in rows[4]
    assert "future" in rows[5]
    assert "row 2" in rows[6] and "email" in rows[6]
    assert "row 2" in rows[7] and "phone" in rows[7]
    assert eva in rows[8]
    assert "weight" in rows[9]

    listed = await owner(
        "{ clients(first: 50) { totalCount edges { node { firstName email phone source "
        "birthDate weightKg } } } }"
    )
    nodes = {n["node"]["firstName"]: n["node"] for n in listed["clients"]["edges"]}
    assert listed["clients"]["totalCount"] == 3  # Eva + Ana + Sara
    assert nodes["Ana"] == {
        "firstName": "Ana",
        "email": "ana@example.com",
        "phone": "+34612345001",
        "source": "IMPORT",
        "birthDate": "1990-04-12",
        "weightKg": 60.0,
    }
    assert nodes["Sara"]["source"] == "IMPORT"


async def test_a_file_that_cannot_be_imported_is_a_clear_error(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    no_names = await upload_csv(owner, b"email,phone\na@example.com,\n")
    assert no_names["data"]["importClients"]["job"] is None
    [missing] = no_names["data"]["importClients"]["userErrors"]
    assert (missing["code"], missing["field"]) == ("MISSING_COLUMNS", ["file"])
    empty = await upload_csv(owner, b"")
    assert empty["data"]["importClients"]["userErrors"][0]["code"] == "EMPTY_FILE"
    client = graphs(tenant, "CLIENT", client_id="someone")
    refused = await upload_csv(client, b"firstName,lastName\nA,B\n")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    unknown = await owner.raw('{ importJob(id: "nope") { id } }')
    assert unknown["data"]["importJob"] is None


async def test_leads_from_partners_and_widgets_keep_their_source(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    partner = graphs(tenant, "PARTNER", subject="partner-1")
    create = """mutation($i: ClientInput!, $s: ClientSource) {
      createClient(input: $i, source: $s) { client { id status source } userErrors { code } } }"""
    lead = await partner(create, {"i": {"firstName": "Leo", "lastName": "Lead"}})
    assert lead["createClient"]["client"]["status"] == "LEAD"
    assert lead["createClient"]["client"]["source"] == "PARTNER"
    widget = await partner(create, {"i": {"firstName": "Wanda", "lastName": "Web"}, "s": "WIDGET"})
    assert widget["createClient"]["client"]["source"] == "WIDGET"
    refused = await partner(create, {"i": {"firstName": "M", "lastName": "N"}, "s": "MANUAL"})
    assert refused["createClient"]["userErrors"][0]["code"] == "INVALID_SOURCE"
    active = await partner(create, {"i": {"firstName": "A", "lastName": "B", "status": "ACTIVE"}})
    assert active["createClient"]["client"] is None
    assert active["createClient"]["userErrors"][0]["code"] == "INVALID_STATUS"
    imported = await owner(create, {"i": {"firstName": "I", "lastName": "J"}, "s": "IMPORT"})
    assert imported["createClient"]["userErrors"][0]["code"] == "INVALID_SOURCE"


async def test_an_import_whose_process_stopped_is_reported_failed_not_running(
    owner: Graph,
) -> None:
    # What a service restart mid-file leaves behind: a job at RUNNING whose progress
    # stopped being written (written here straight into the clients database).
    from datetime import UTC, datetime, timedelta

    from plumbing.testing import MONGO_URL, SERVICE_PORTS
    from pymongo import AsyncMongoClient

    started = datetime.now(UTC)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MONGO_URL, tz_aware=True)
    try:
        for job_id, beat in (("stalled", started - timedelta(minutes=5)), ("alive", started)):
            await mongo["clients"]["import_jobs"].insert_one(
                {
                    "_id": f"{owner.tenant}:{job_id}",
                    "id": job_id,
                    "tenant": owner.tenant,
                    "status": "RUNNING",
                    "total": 500,
                    "processed": 200,
                    "created": 190,
                    "duplicates": 10,
                    "errors": [],
                    "started_at": started - timedelta(minutes=6),
                    "heartbeat_at": beat,
                    "finished_at": None,
                }
            )
    finally:
        await mongo.close()
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"http://127.0.0.1:{SERVICE_PORTS['clients']}/_dev/jobs/import_watchdog",
            json={"as_of": (started + timedelta(seconds=30)).isoformat()},
            headers=owner.headers(),
        )
    assert response.status_code == 200 and response.json()["result"] == 1
    query = "query($id: ID!) { importJob(id: $id) { status processed created failure } }"
    stalled = (await owner(query, {"id": "stalled"}))["importJob"]
    assert stalled["status"] == "FAILED" and stalled["created"] == 190
    assert "import the file again" in stalled["failure"]
    alive = (await owner(query, {"id": "alive"}))["importJob"]
    assert alive == {"status": "RUNNING", "processed": 200, "created": 190, "failure": None}
