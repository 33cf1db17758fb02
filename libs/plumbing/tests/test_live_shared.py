"""A CHANGE update is executed once per group of subscribers that asked the same thing
(`plumbing.live_shared`); STARTED and other callers' updates are executed apiece."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import strawberry
from plumbing.auth import Principal, Role
from plumbing.event_stream import _next_frame
from plumbing.live_shared import SharedEventExecution
from strawberry.types import Info

DOCUMENT = "subscription($n: Int!) { updates(n: $n) { kind cursor detail } }"


@dataclass
class Caller:
    principal: Principal
    language: str = "en"


@strawberry.type
class Update:
    kind: str
    cursor: str

    @strawberry.field
    def detail(self, info: Info[Any, Any]) -> str:
        info.context.executions.append(self.cursor)
        return f"{self.kind}@{self.cursor}"


@strawberry.type
class Query:
    ping: str = "pong"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def updates(self, info: Info[Any, Any], n: int) -> AsyncGenerator[Update, None]:
        yield Update(kind="STARTED", cursor="c0")
        for i in range(1, n + 1):
            yield Update(kind="CHANGE", cursor=f"c{i}")


schema = strawberry.Schema(
    query=Query, subscription=Subscription, execution_context_class=SharedEventExecution
)


class Context(Caller):
    executions: list[str]


def caller(tenant: str, executions: list[str]) -> Any:
    context = Context(Principal(tenant, "person", frozenset({Role.OWNER})))
    context.executions = executions
    return context


async def results(context: Any, n: int = 2) -> list[Any]:
    stream = await schema.subscribe(DOCUMENT, variable_values={"n": n}, context_value=context)
    assert not isinstance(stream, strawberry.types.ExecutionResult)
    return [result async for result in stream]


async def test_the_members_of_a_group_share_each_change_and_its_frame() -> None:
    executions: list[str] = []
    first, second = await asyncio.gather(
        results(caller("a", executions)), results(caller("a", executions))
    )
    assert [r.data for r in first] == [r.data for r in second]
    # STARTED executed by each, each CHANGE once for both.
    assert sorted(executions) == ["c0", "c0", "c1", "c2"]
    assert first[1].data is second[1].data
    assert _next_frame(first[1]) is _next_frame(second[1])


async def test_another_studio_or_other_variables_execute_apart() -> None:
    executions: list[str] = []
    await asyncio.gather(
        results(caller("b", executions)),
        results(caller("c", executions)),
        results(caller("b", executions), n=1),
    )
    assert sorted(executions) == ["c0", "c0", "c0", "c1", "c1", "c1", "c2", "c2"]
