"""K4: tasks and funnels. Each change is one document write carrying its crm.events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from plumbing import bounds
from plumbing.ids import new_id

from crm.adapters.store import HIDDEN, Store, by_id
from crm.domain import rules
from crm.events import ClientMovedInFunnel, TaskCompleted, TaskCreated
from crm.service_layer.ingest import Problem

Doc = dict[str, Any]
PRIORITIES = ("LOW", "NORMAL", "HIGH", "URGENT")


async def create_task(
    store: Store,
    *,
    title: str,
    due_at: datetime | None,
    priority: str,
    assignee_id: str | None,
    client_id: str | None,
    now: datetime,
) -> tuple[Doc | None, list[Problem]]:
    problems: list[Problem] = []
    title = " ".join(title.split())
    if not title:
        problems.append(Problem("a task needs a title", "REQUIRED", ("title",)))
    elif len(title) > 200:
        problems.append(Problem("the title must be at most 200 characters", "TOO_LONG", ("title",)))
    naive = bounds.time_problem(due_at) if due_at is not None else None  # ahead is fine
    if naive is not None:
        problems.append(Problem(f"dueAt {naive[1]}", naive[0], ("dueAt",)))
    if priority not in PRIORITIES:
        problems.append(Problem(f"unknown priority {priority!r}", "BAD_PRIORITY", ("priority",)))
    if client_id and await store.awaited_profile(client_id) is None:
        problems.append(Problem(f"unknown client {client_id!r}", "UNKNOWN_CLIENT", ("clientId",)))
    if problems:
        return None, problems
    task_id = new_id()
    doc: Doc = {
        "_id": task_id,
        "id": task_id,
        "title": title,
        "due_at": due_at,
        "priority": priority,
        "rank": rules.priority_rank(priority),
        "assignee_id": assignee_id,
        "client_id": client_id,
        "done": False,
        "created_at": now,
    }
    event = store.envelope(
        TaskCreated(
            task_id=task_id,
            title=title,
            priority=priority,
            due_at=due_at,
            assignee_id=assignee_id,
            client_id=client_id,
        ),
        client_id,
    )
    saved = await store.insert_with_events(store.tasks, doc, [event])
    return saved, []


async def complete_task(
    store: Store, task_id: str, *, actor: str, now: datetime
) -> tuple[Doc | None, list[Problem]]:
    task = await by_id(store.tasks, task_id, HIDDEN)
    if task is None:
        return None, [Problem(f"unknown task {task_id!r}", "NOT_FOUND", ("id",))]
    if task["done"]:
        return task, []  # completing twice changes nothing
    event = store.envelope(
        TaskCompleted(
            task_id=task_id,
            title=task["title"],
            client_id=task.get("client_id"),
            completed_by=actor,
        ),
        task.get("client_id"),
    )
    doc = await store.update_with_events(
        store.tasks,
        task_id,
        {"$set": {"done": True, "completed_at": now, "completed_by": actor}},
        [event],
    )
    return doc, []


async def create_funnel(
    store: Store, *, name: str, stages: list[str], now: datetime
) -> tuple[Doc | None, list[Problem]]:
    problems: list[Problem] = []
    name = " ".join(name.split())
    names = [" ".join(s.split()) for s in stages]
    if not name:
        problems.append(Problem("a funnel needs a name", "REQUIRED", ("name",)))
    if not names or any(not s for s in names):
        problems.append(Problem("a funnel needs named stages", "REQUIRED", ("stages",)))
    elif len({s.casefold() for s in names}) != len(names):
        problems.append(Problem("stage names must be different", "DUPLICATE_STAGE", ("stages",)))
    if problems:
        return None, problems
    funnel_id = new_id()
    doc: Doc = {
        "_id": funnel_id,
        "id": funnel_id,
        "name": name,
        "stages": [{"id": f"{funnel_id}-{i + 1}", "name": s} for i, s in enumerate(names)],
        "members": {},
        "created_at": now,
    }
    saved = await store.insert_with_events(store.funnels, doc, [])
    return saved, []


async def move_client(
    store: Store, *, funnel_id: str, client_id: str, stage_id: str
) -> tuple[Doc | None, list[Problem]]:
    funnel = await by_id(store.funnels, funnel_id, HIDDEN)
    if funnel is None:
        return None, [Problem(f"unknown funnel {funnel_id!r}", "NOT_FOUND", ("funnelId",))]
    stage = next((s for s in funnel["stages"] if s["id"] == stage_id), None)
    problems: list[Problem] = []
    if stage is None:
        problems.append(Problem(f"unknown stage {stage_id!r}", "UNKNOWN_STAGE", ("stageId",)))
    if await store.awaited_profile(client_id) is None:
        problems.append(Problem(f"unknown client {client_id!r}", "UNKNOWN_CLIENT", ("clientId",)))
    if problems or stage is None:
        return None, problems
    key = f"members.{rules.safe_key(client_id)}"
    current = (funnel.get("members") or {}).get(rules.safe_key(client_id))
    if current == stage_id:
        return funnel, []
    event = store.envelope(
        ClientMovedInFunnel(
            funnel_id=funnel_id,
            funnel_name=funnel["name"],
            client_id=client_id,
            stage_id=stage_id,
            stage_name=stage["name"],
            from_stage_id=current,
        ),
        client_id,
    )
    doc = await store.update_with_events(
        store.funnels, funnel_id, {"$set": {key: stage_id}}, [event]
    )
    return doc, []
