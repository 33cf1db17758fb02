"""C6: forms (assign, complete, remove only while not completed) and documents in GridFS
(multipart upload through the gateway, signed download URL, visibility for the client)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from plumbing.testing import GATEWAY_URL, Graph

from ..journeys import new_client

ERRORS = "userErrors { field message code }"
DOCS = "documents { id type fileName contentType sizeBytes visibleToClient downloadUrl }"
UPLOAD = f"""mutation($c: ID!, $t: String!, $f: Upload!, $v: Boolean) {{
  uploadDocument(clientId: $c, type: $t, file: $f, visibleToClient: $v) {{
    client {{ {DOCS} }} {ERRORS} }} }}"""
FORMS = "forms { id formId name assignedAt completedAt }"


async def upload(
    graph: Graph, variables: dict[str, Any], name: str, content: bytes, content_type: str
) -> dict[str, Any]:
    operations = {"query": UPLOAD, "variables": {**variables, "f": None}}
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.post(
            GATEWAY_URL,
            headers={**graph.headers(), "graphql-preflight": "1"},
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
            files={"0": (name, content, content_type)},
        )
    body: dict[str, Any] = response.json()
    return body


async def test_forms_can_be_removed_only_while_not_completed(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    client = await new_client(owner, "Flor", "Docs")
    assign = f"""mutation($c: ID!, $f: ID!, $n: String!) {{
      assignForm(clientId: $c, formId: $f, name: $n) {{ client {{ {FORMS} }} {ERRORS} }} }}"""
    first = await owner(assign, {"c": client, "f": "intake", "n": "Ficha de salud"})
    second = await owner(assign, {"c": client, "f": "consent", "n": "Consentimiento"})
    forms = second["assignForm"]["client"]["forms"]
    assert [f["name"] for f in forms] == ["Ficha de salud", "Consentimiento"]
    assert first["assignForm"]["client"]["forms"][0]["completedAt"] is None
    health, consent = forms[0]["id"], forms[1]["id"]

    me = graphs(tenant, "CLIENT", client_id=client)
    complete = f"""mutation($c: ID!, $a: ID!) {{ completeForm(clientId: $c, assignedFormId: $a)
      {{ client {{ {FORMS} }} {ERRORS} }} }}"""
    done = await me(complete, {"c": client, "a": health})
    assert done["completeForm"]["userErrors"] == []
    assert done["completeForm"]["client"]["forms"][0]["completedAt"] is not None
    twice = await owner(complete, {"c": client, "a": health})
    assert twice["completeForm"]["userErrors"][0]["code"] == "FORM_COMPLETED"

    remove = f"""mutation($c: ID!, $a: ID!) {{ removeForm(clientId: $c, assignedFormId: $a)
      {{ client {{ {FORMS} }} {ERRORS} }} }}"""
    refused = await owner(remove, {"c": client, "a": health})
    error = refused["removeForm"]["userErrors"][0]
    assert error["code"] == "FORM_COMPLETED" and "Ficha de salud" in error["message"]
    removed = await owner(remove, {"c": client, "a": consent})
    assert [f["name"] for f in removed["removeForm"]["client"]["forms"]] == ["Ficha de salud"]
    gone = await owner(remove, {"c": client, "a": consent})
    assert gone["removeForm"]["userErrors"][0]["code"] == "NOT_FOUND"
    empty = await owner(assign, {"c": client, "f": "x", "n": " "})
    assert empty["assignForm"]["userErrors"][0]["code"] == "REQUIRED"
    nobody = await owner(assign, {"c": "nobody", "f": "x", "n": "X"})
    assert nobody["assignForm"]["userErrors"][0]["code"] == "NOT_FOUND"
    not_mine = await me.raw(remove, {"c": client, "a": health})
    assert not_mine["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_documents_upload_download_visibility_and_delete(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    client = await new_client(owner, "Flor", "Docs")
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 2000  # 512,009 bytes: several GridFS chunks
    body = await upload(
        owner,
        {"c": client, "t": "consent", "v": True},
        "consentimiento.pdf",
        pdf,
        "application/pdf",
    )
    assert body["data"]["uploadDocument"]["userErrors"] == [], body
    body = await upload(
        owner, {"c": client, "t": "medical"}, "analisis.png", b"\x89PNG\r\n\x1a\nxyz", "image/png"
    )
    docs = body["data"]["uploadDocument"]["client"]["documents"]
    assert [(d["type"], d["fileName"], d["sizeBytes"], d["visibleToClient"]) for d in docs] == [
        ("consent", "consentimiento.pdf", 512009, True),
        ("medical", "analisis.png", 11, False),
    ]
    async with httpx.AsyncClient(timeout=30) as http:
        # The link goes through the gateway, with no token: the URL is the credential.
        assert docs[0]["downloadUrl"].startswith(GATEWAY_URL.removesuffix("/graphql") + "/")
        got = await http.get(docs[0]["downloadUrl"])
        assert got.status_code == 200 and got.content == pdf
        assert got.headers["content-type"] == "application/pdf"
        tampered = docs[0]["downloadUrl"].replace(docs[0]["id"], docs[1]["id"])
        assert (await http.get(tampered)).status_code == 403
        extended = docs[0]["downloadUrl"].replace("expires=", "expires=1")  # later expiry
        assert (await http.get(extended)).status_code == 403

    me = graphs(tenant, "CLIENT", client_id=client)
    mine = await me("{ me { documents { fileName } notes { text } } }")
    assert mine["me"]["documents"] == [{"fileName": "consentimiento.pdf"}]

    deleted = await owner(
        f"""mutation($c: ID!, $d: ID!) {{ deleteDocument(clientId: $c, documentId: $d)
        {{ client {{ {DOCS} }} {ERRORS} }} }}""",
        {"c": client, "d": docs[0]["id"]},
    )
    assert [d["fileName"] for d in deleted["deleteDocument"]["client"]["documents"]] == [
        "analisis.png"
    ]
    async with httpx.AsyncClient(timeout=30) as http:
        assert (await http.get(docs[0]["downloadUrl"])).status_code == 404
    again = await owner(
        f"""mutation($c: ID!, $d: ID!) {{ deleteDocument(clientId: $c, documentId: $d)
        {{ {ERRORS} }} }}""",
        {"c": client, "d": docs[0]["id"]},
    )
    assert again["deleteDocument"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_document_limits_are_clear_errors(
    owner: Graph, graphs: Callable[..., Graph], tenant: str
) -> None:
    client = await new_client(owner, "Flor", "Docs")
    variables = {"c": client, "t": "id"}
    exe = await upload(owner, variables, "virus.exe", b"MZ....", "application/x-msdownload")
    assert exe["data"]["uploadDocument"]["userErrors"][0]["code"] == "UNSUPPORTED_CONTENT_TYPE"
    # The same executable named and declared as a PDF: its bytes say otherwise.
    disguised = await upload(owner, variables, "scan.pdf", b"MZ\x90\x00....", "application/pdf")
    assert disguised["data"]["uploadDocument"]["userErrors"][0]["code"] == "CONTENT_TYPE_MISMATCH"
    empty = await upload(owner, variables, "empty.pdf", b"", "application/pdf")
    assert empty["data"]["uploadDocument"]["userErrors"][0]["code"] == "EMPTY_FILE"
    big = await upload(
        owner, variables, "big.pdf", b"0" * (10 * 1024 * 1024 + 1), "application/pdf"
    )
    error = big["data"]["uploadDocument"]["userErrors"][0]
    assert error["code"] == "FILE_TOO_LARGE" and "10 MB" in error["message"]
    no_type = await upload(owner, {"c": client, "t": " "}, "a.pdf", b"%PDF", "application/pdf")
    assert no_type["data"]["uploadDocument"]["userErrors"][0]["code"] == "REQUIRED"
    nobody = await upload(owner, {"c": "nobody", "t": "id"}, "a.pdf", b"%PDF", "application/pdf")
    assert nobody["data"]["uploadDocument"]["userErrors"][0]["code"] == "NOT_FOUND"
    me = graphs(tenant, "CLIENT", client_id=client)
    forbidden = await upload(me, variables, "a.pdf", b"%PDF", "application/pdf")
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    card = await owner("query($c: ID!) { client(id: $c) { documents { id } } }", {"c": client})
    assert card["client"]["documents"] == []
