"""K4: tasks and funnels."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from plumbing.auth import MANAGERS, STAFF
from plumbing.gql import (
    PageInfo,
    UserError,
    page_size,
    require,
)
from plumbing.paging import page_of, sortable
from plumbing.repeats import REPEAT_KEY, RepeatRefused, key_error, repeats_for
from strawberry.types import Info

from crm.graphql.client_card import Client
from crm.graphql.context import as_time, storage_of, user_errors
from crm.graphql.types import (
    Funnel,
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
class FunnelPayload:
    funnel: Funnel | None
    user_errors: list[UserError]
    client: Client | None = strawberry.field(
        default=None,
        description="The client `moveClientInFunnel` moved (its timeline shows the move).",
    )


@strawberry.type
class TaskPayload:
    task: Task | None
    user_errors: list[UserError]


def task_of(doc: Doc) -> Task:
    return Task(
        id=strawberry.ID(doc["id"]),
        title=doc["title"],
        due_at=as_time(doc["due_at"]) if doc.get("due_at") else None,
        priority=TaskPriority(doc["priority"]),
        assignee_id=doc.get("assignee_id"),
        client=Client(id=strawberry.ID(doc["client_id"])) if doc.get("client_id") else None,
        done=bool(doc["done"]),
    )


def funnel_of(doc: Doc) -> Funnel:
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


@strawberry.type
class TaskEdge:
    cursor: str
    node: Task


@strawberry.type
class TaskConnection:
    edges: list[TaskEdge]
    page_info: PageInfo


def _task_key(task: Doc) -> tuple[str, ...]:
    done, rank, due, created = planning.task_order(task)
    return (str(done), f"{rank:03d}", sortable(due), sortable(created), str(task["id"]))


@strawberry.type
class PlanningQuery:
    @strawberry.field(
        description="K4: open tasks first, the most urgent first (at most `first`).",
        deprecation_reason="Use tasksConnection, which pages through every task.",
    )
    async def tasks(
        self, info: Info[Any, Any], done: bool | None = None, first: int | None = 50
    ) -> list[Task] | None:
        require(info, *STAFF)
        found = await planning.tasks_page(
            storage_of(info).plans, done, page_size(first, default=50)
        )
        return [task_of(t) for t in found]

    @strawberry.field(
        description="K4: open tasks first, the most urgent first; pages through all of them."
    )
    async def tasks_connection(
        self,
        info: Info[Any, Any],
        done: bool | None = None,
        first: int | None = 50,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> TaskConnection | None:
        require(info, *STAFF)
        found = await planning.tasks_in_order(storage_of(info).plans, done)
        page = page_of(
            found, _task_key, first=first, after=after, last=last, before=before, default=50
        )
        return TaskConnection(
            edges=[TaskEdge(cursor=c, node=task_of(t)) for c, t in page.items],
            page_info=page.page_info,
        )

    @strawberry.field(description="K4: newest first.")
    async def funnels(self, info: Info[Any, Any]) -> list[Funnel] | None:
        require(info, *STAFF)
        return [funnel_of(f) for f in await planning.funnels_page(storage_of(info).plans)]


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
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> TaskPayload | None:
        ctx = require(info, *STAFF)
        storage = storage_of(info)

        def create() -> Awaitable[planning.Outcome]:
            return planning.create_task(
                storage.plans,
                storage.views,
                title=title,
                due_at=due_at,
                priority=(priority or TaskPriority.NORMAL).value,
                assignee_id=assignee_id,
                client_id=client_id,
                now=ctx.now(),
            )

        try:
            doc, problems = await planning.create_once(
                storage.plans.tasks, repeats_for(ctx), "createTask", create,
                key=idempotency_key, actor=ctx.principal.subject, now=ctx.now(),
            )  # fmt: skip
        except RepeatRefused as exc:
            return TaskPayload(task=None, user_errors=[key_error(exc)])
        return TaskPayload(task=task_of(doc) if doc else None, user_errors=user_errors(problems))

    @strawberry.mutation
    async def complete_task(self, info: Info[Any, Any], id: strawberry.ID) -> TaskPayload | None:
        ctx = require(info, *STAFF)
        doc, problems = await planning.complete_task(
            storage_of(info).plans, str(id), actor=ctx.principal.subject, now=ctx.now()
        )
        return TaskPayload(task=task_of(doc) if doc else None, user_errors=user_errors(problems))

    @strawberry.mutation
    async def create_funnel(
        self,
        info: Info[Any, Any],
        name: str,
        stages: list[str],
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> FunnelPayload | None:
        ctx = require(info, *MANAGERS)
        plans = storage_of(info).plans

        def create() -> Awaitable[planning.Outcome]:
            return planning.create_funnel(plans, name=name, stages=stages, now=ctx.now())

        try:
            doc, problems = await planning.create_once(
                plans.funnels, repeats_for(ctx), "createFunnel", create,
                key=idempotency_key, actor=ctx.principal.subject, now=ctx.now(),
            )  # fmt: skip
        except RepeatRefused as exc:
            return FunnelPayload(funnel=None, user_errors=[key_error(exc)])
        return FunnelPayload(
            funnel=funnel_of(doc) if doc else None,
            user_errors=user_errors(problems),
        )

    @strawberry.mutation
    async def move_client_in_funnel(
        self,
        info: Info[Any, Any],
        funnel_id: strawberry.ID,
        client_id: strawberry.ID,
        stage_id: strawberry.ID,
    ) -> FunnelPayload | None:
        ctx = require(info, *STAFF)
        storage = storage_of(info)
        doc, problems = await planning.move_client(
            storage.plans,
            storage.views,
            funnel_id=str(funnel_id),
            client_id=str(client_id),
            stage_id=str(stage_id),
            now=ctx.now(),
        )
        return FunnelPayload(
            funnel=funnel_of(doc) if doc else None,
            user_errors=user_errors(problems),
            client=Client(id=client_id) if doc else None,
        )
