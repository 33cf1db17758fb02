"""K4: tasks and funnels."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry
from plumbing.auth import MANAGERS, STAFF
from plumbing.gql import (
    UserError,
    page_size,
    require,
)
from strawberry.types import Info

from crm.adapters.store import HIDDEN, Store
from crm.domain import rules
from crm.graphql.client_card import Client
from crm.graphql.context import as_time, store_of, user_errors
from crm.graphql.types import (
    Funnel,
    FunnelPayload,
    FunnelStage,
    TaskPriority,
)
from crm.service_layer import planning

Doc = dict[str, Any]


@strawberry.type
class Task:
    id: strawberry.ID
    title: str
    due_at: datetime | None
    priority: TaskPriority
    assignee_id: strawberry.ID | None
    client: Client | None
    done: bool


@strawberry.type
class TaskPayload:
    task: Task | None
    user_errors: list[UserError]


def _task(doc: Doc) -> Task:
    return Task(
        id=strawberry.ID(doc["id"]),
        title=doc["title"],
        due_at=as_time(doc["due_at"]) if doc.get("due_at") else None,
        priority=TaskPriority(doc["priority"]),
        assignee_id=doc.get("assignee_id"),
        client=Client(id=strawberry.ID(doc["client_id"])) if doc.get("client_id") else None,
        done=bool(doc["done"]),
    )


def _funnel(doc: Doc) -> Funnel:
    members = doc.get("members") or {}
    return Funnel(
        id=strawberry.ID(doc["id"]),
        name=doc["name"],
        stages=[
            FunnelStage(
                id=strawberry.ID(s["id"]),
                name=s["name"],
                client_count=sum(1 for v in members.values() if v == s["id"]),
            )
            for s in doc["stages"]
        ],
        created_at=as_time(doc["created_at"]),
    )


def _task_order(doc: Doc) -> tuple[int, int, datetime, datetime]:
    due = doc.get("due_at")
    return (
        int(bool(doc["done"])),
        rules.priority_rank(doc["priority"]),
        as_time(due) if due else datetime.max.replace(tzinfo=UTC),
        as_time(doc["created_at"]),
    )


async def tasks_page(store: Store, done: bool | None, first: int) -> list[Task]:
    query: Doc = {} if done is None else {"done": done}
    docs = await store.tasks.find(query, projection=HIDDEN)
    return [_task(d) for d in sorted(docs, key=_task_order)[:first]]


async def funnels_page(store: Store, first: int | None = None) -> list[Funnel]:
    docs = await store.funnels.find({}, projection=HIDDEN, sort=[("created_at", -1), ("_id", -1)])
    return [_funnel(d) for d in docs[: first if first is not None else len(docs)]]


@strawberry.type
class PlanningQuery:
    @strawberry.field(description="K4: open tasks first, the most urgent first.")
    async def tasks(
        self, info: Info[Any, Any], done: bool | None = None, first: int | None = 50
    ) -> list[Task]:
        require(info, *STAFF)
        return await tasks_page(store_of(info), done, page_size(first, default=50))

    @strawberry.field(description="K4: newest first.")
    async def funnels(self, info: Info[Any, Any]) -> list[Funnel]:
        require(info, *STAFF)
        return await funnels_page(store_of(info))


@strawberry.type
class PlanningMutation:
    @strawberry.mutation
    async def create_task(
        self,
        info: Info[Any, Any],
        title: str,
        due_at: datetime | None = None,
        priority: TaskPriority | None = TaskPriority.NORMAL,
        assignee_id: strawberry.ID | None = None,
        client_id: strawberry.ID | None = None,
    ) -> TaskPayload:
        ctx = require(info, *STAFF)
        doc, problems = await planning.create_task(
            store_of(info),
            title=title,
            due_at=due_at,
            priority=(priority or TaskPriority.NORMAL).value,
            assignee_id=assignee_id,
            client_id=client_id,
            now=ctx.now(),
        )
        return TaskPayload(task=_task(doc) if doc else None, user_errors=user_errors(problems))

    @strawberry.mutation
    async def complete_task(self, info: Info[Any, Any], id: strawberry.ID) -> TaskPayload:
        ctx = require(info, *STAFF)
        doc, problems = await planning.complete_task(
            store_of(info), str(id), actor=ctx.principal.subject, now=ctx.now()
        )
        return TaskPayload(task=_task(doc) if doc else None, user_errors=user_errors(problems))

    @strawberry.mutation
    async def create_funnel(
        self, info: Info[Any, Any], name: str, stages: list[str]
    ) -> FunnelPayload:
        ctx = require(info, *MANAGERS)
        doc, problems = await planning.create_funnel(
            store_of(info), name=name, stages=stages, now=ctx.now()
        )
        return FunnelPayload(
            funnel=_funnel(doc) if doc else None, user_errors=user_errors(problems)
        )

    @strawberry.mutation
    async def move_client_in_funnel(
        self,
        info: Info[Any, Any],
        funnel_id: strawberry.ID,
        client_id: strawberry.ID,
        stage_id: strawberry.ID,
    ) -> FunnelPayload:
        require(info, *STAFF)
        doc, problems = await planning.move_client(
            store_of(info),
            funnel_id=str(funnel_id),
            client_id=str(client_id),
            stage_id=str(stage_id),
        )
        return FunnelPayload(
            funnel=_funnel(doc) if doc else None, user_errors=user_errors(problems)
        )
