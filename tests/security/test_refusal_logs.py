"""A traceback in a service log means a bug (security review, finding 10).

An expected refusal (FORBIDDEN, BAD_USER_INPUT and the other codes a caller gets, a
document the schema refuses) is logged as one line with its code; only an unexpected
exception is logged with its traceback (and still reaches the caller masked).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError
from plumbing import logs
from plumbing.errors import BadInput, Forbidden
from plumbing.gql import SubgraphSchema, schema_extensions
from plumbing.testing import ROOT, Graph, subgraph_url
from pymongo.errors import ServerSelectionTimeoutError


class Recorded:
    """Stands in for the request logger: keeps each event with its fields."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def _record(self, level: str, event: str, **fields: Any) -> None:
        self.events.append((level, event, fields))

    def info(self, event: str, **fields: Any) -> None:
        self._record("info", event, **fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._record("warning", event, **fields)

    def error(self, event: str, **fields: Any) -> None:
        self._record("error", event, **fields)


@strawberry.type
class Query:
    @strawberry.field
    def forbidden(self) -> int:
        raise Forbidden("staff only")

    @strawberry.field
    def bad(self) -> int:
        raise BadInput("no such day", code="BAD_DATE")

    @strawberry.field
    def outage(self) -> int:
        raise ServerSelectionTimeoutError("no primary")

    @strawberry.field
    def bug(self) -> int:
        return int("not a number")


SCHEMA = SubgraphSchema(query=Query, extensions=schema_extensions(), federation_version="2.9")


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    fake = Recorded()
    monkeypatch.setattr(logs, "_refusals", fake)
    return fake


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ forbidden }", "FORBIDDEN"),
        ("{ bad }", "BAD_DATE"),
        ("{ nosuchfield }", "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { forbidden }", "BAD_USER_INPUT"),
    ],
)
async def test_an_expected_refusal_is_one_line_with_its_code(
    recorded: Recorded, query: str, code: str
) -> None:
    result = await SCHEMA.execute(query)
    assert result.errors
    [(level, event, fields)] = recorded.events
    assert (level, event, fields["code"]) == ("info", "request_refused", code)
    assert "exc_info" not in fields


async def test_a_database_outage_is_one_warning_and_a_bug_keeps_its_traceback(
    recorded: Recorded,
) -> None:
    outage = await SCHEMA.execute("{ outage }")
    bug = await SCHEMA.execute("{ bug }")
    [(level, event, fields)] = recorded.events[:1]
    assert (level, event) == ("warning", "database_unavailable")
    assert "exc_info" not in fields
    [(level, event, fields)] = recorded.events[1:]
    assert (level, event) == ("error", "resolver_failed")
    error_type, error, traceback = fields["exc_info"]
    assert error_type is ValueError and isinstance(error, ValueError) and traceback is not None
    # What callers see is unchanged: masked, with a code.
    assert [e.extensions for e in outage.errors or []] == [
        {"code": "SERVICE_UNAVAILABLE", "params": {}}
    ]
    assert [e.message for e in bug.errors or []] == ["Internal server error"]


def test_a_located_refusal_keeps_the_code_of_what_raised_it(recorded: Recorded) -> None:
    located = GraphQLError("no", path=["a", 0], original_error=Forbidden("no"))
    logs.log_graphql_error(located, operation="Op")
    [(_, event, fields)] = recorded.events
    assert (event, fields["code"], fields["path"], fields["operation"]) == (
        "request_refused",
        "FORBIDDEN",
        "a.0",
        "Op",
    )


@pytest.mark.parametrize(
    ("context", "role", "query", "code"),
    [
        ("crm", "CLIENT", "query NAME { tasks { id } }", "FORBIDDEN"),
        (
            "loyalty",
            "OWNER",
            'query NAME { pointsEarnedReport(from: "2026-02-01T00:00:00Z", '
            'to: "2026-01-01T00:00:00Z") { totalPoints } }',
            "BAD_RANGE",
        ),
    ],
)
async def test_the_service_log_shows_a_refusal_as_one_line(
    context: str, role: str, query: str, code: str
) -> None:
    name = f"Refused{uuid.uuid4().hex}"
    client_id = "c-1" if role == "CLIENT" else None
    graph = Graph(f"logs-{name[-8:]}", [role], url=subgraph_url(context), client_id=client_id)
    try:
        body = await graph.raw(query.replace("NAME", name))
    finally:
        await graph.close()
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    log = ROOT / ".data" / "logs" / f"{context}.log"
    for _ in range(50):  # the line is written as the response goes out
        lines = log.read_text(errors="replace").splitlines()
        found = [i for i, line in enumerate(lines) if name in line]
        if found:
            break
        await asyncio.sleep(0.1)
    assert len(found) == 1, f"{name} in {context}.log: {len(found)} lines"
    line = lines[found[0]]
    assert "request_refused" in line and code in line
    following = "\n".join(lines[found[0] + 1 : found[0] + 3])
    assert "Traceback" not in following and "strawberry.execution" not in following
