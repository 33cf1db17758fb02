"""K4: tasks and funnels. Each is an aggregate: a change loads it, decides, and saves
the new state with its `crm.events` in one write (`plumbing.storage.change`), so two
staff completing one task announce it once, and two moves of one client in a funnel
each see the stage the other left."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from plumbing import bounds
from plumbing.clock import as_utc
from plumbing.ids import new_id
from plumbing.repeats import once
from plumbing.storage import Decision, Keep, Loaded, Refuse, Repository, Save, change, outgoing

from crm.domain import rules
from crm.events import ClientMovedInFunnel, TaskCompleted, TaskCreated, catalog
from crm.service_layer.ingest import Problem, awaited_profile
from crm.service_layer.ports import Doc, Plans, ReadModels

PRIORITIES = ("LOW", "NORMAL", "HIGH", "URGENT")
Outcome = tuple[Doc | None, list[Problem]]


async def create_task(
    plans: Plans,
    views: ReadModels,
    *,
    title: str,
    due_at: datetime | None,
    priority: str,
    assignee_id: str | None,
    client_id: str | None,
    now: datetime,
) -> Outcome:
    problems: list[Problem] = []
    title = " ".join(title.split())
    if not title:
        problems.append(Problem("a task needs a title", "REQUIRED", ("title",)))
    elif len(title) > 200:
        problems.append(
            Problem(
                "the title must be at most 200 characters", "TOO_LONG", ("title",), {"maximum": 200}
            )
        )
    naive = bounds.time_problem(due_at) if due_at is not None else None  # ahead is fine
    if naive is not None:
        problems.append(Problem(f"dueAt {naive[1]}", naive[0], ("dueAt",)))
    if priority not in PRIORITIES:
        problems.append(
            Problem(
                f"unknown priority {priority!r}", "BAD_PRIORITY", ("priority",), {"value": priority}
            )
        )
    if client_id and await awaited_profile(views, client_id) is None:
        problems.append(
            Problem(
                f"unknown client {client_id!r}", "UNKNOWN_CLIENT", ("clientId",), {"id": client_id}
            )
        )
    if problems:
        return None, problems
    task_id = new_id()
    task: Doc = {
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
    event = TaskCreated(
        task_id=task_id,
        title=title,
        priority=priority,
        due_at=due_at,
        assignee_id=assignee_id,
        client_id=client_id,
    )

    def decide(current: Loaded[Doc]) -> Decision[Doc, Doc]:
        sent = outgoing(catalog, event, tenant=plans.tasks.tenant, subject=client_id, time=now)
        return Save(task, task, [sent])

    done = await change(plans.tasks, task_id, decide)
    return done.result, []


async def complete_task(plans: Plans, task_id: str, *, actor: str, now: datetime) -> Outcome:
    def decide(current: Loaded[Doc]) -> Decision[Doc, Doc | None]:
        task = current.state
        if task is None:
            return Refuse(None)
        if task["done"]:
            return Keep(task)  # completing twice changes nothing
        task.update(done=True, completed_at=now, completed_by=actor)
        event = TaskCompleted(
            task_id=task_id,
            title=task["title"],
            client_id=task.get("client_id"),
            completed_by=actor,
        )
        subject = task.get("client_id")
        sent = outgoing(catalog, event, tenant=plans.tasks.tenant, subject=subject, time=now)
        return Save(task, task, [sent])

    done = await change(plans.tasks, task_id, decide)
    if done.result is None:
        return None, [Problem(f"unknown task {task_id!r}", "NOT_FOUND", ("id",), {"id": task_id})]
    return done.result, []


async def create_funnel(plans: Plans, *, name: str, stages: list[str], now: datetime) -> Outcome:
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
    funnel: Doc = {
        "id": funnel_id,
        "name": name,
        "stages": [{"id": f"{funnel_id}-{i + 1}", "name": s} for i, s in enumerate(names)],
        "members": {},
        "created_at": now,
    }
    done = await change(plans.funnels, funnel_id, lambda current: Save(funnel, funnel))
    return done.result, []


async def create_once(
    made: Repository[Doc],
    repeats: Repository[Doc],
    action: str,
    create: Callable[[], Awaitable[Outcome]],
    *,
    key: str | None,
    actor: str,
    now: datetime,
) -> Outcome:
    """A creation (`create_task`, `create_funnel`) once per idempotency key
    (`plumbing.repeats`): a repeat creates nothing and answers what the first created, as
    it stands now. Refusals are not kept, so a corrected repeat is decided again. Raises
    `RepeatRefused` for a key it cannot use."""

    async def run() -> tuple[Outcome, Doc | None]:
        doc, problems = await create()
        return (doc, problems), (None if doc is None else {"id": doc["id"]})

    async def replay(record: Doc) -> Outcome:
        current = await made.load(record["id"])
        return current.state, []

    return await once(repeats, actor, key, action, lambda: now, run, replay)


async def move_client(
    plans: Plans, views: ReadModels, *, funnel_id: str, client_id: str, stage_id: str, now: datetime
) -> Outcome:
    known = await awaited_profile(views, client_id) is not None

    def decide(current: Loaded[Doc]) -> Decision[Doc, Outcome]:
        funnel = current.state
        if funnel is None:
            return Refuse(
                (None, [Problem(f"unknown funnel {funnel_id!r}", "NOT_FOUND", ("funnelId",))])
            )
        stage = next((s for s in funnel["stages"] if s["id"] == stage_id), None)
        problems: list[Problem] = []
        if stage is None:
            problems.append(Problem(f"unknown stage {stage_id!r}", "UNKNOWN_STAGE", ("stageId",)))
        if not known:
            problems.append(
                Problem(f"unknown client {client_id!r}", "UNKNOWN_CLIENT", ("clientId",))
            )
        if problems or stage is None:
            return Refuse((None, problems))
        members = funnel.setdefault("members", {})
        current_stage = members.get(rules.safe_key(client_id))
        if current_stage == stage_id:
            return Keep((funnel, []))
        members[rules.safe_key(client_id)] = stage_id
        event = ClientMovedInFunnel(
            funnel_id=funnel_id,
            funnel_name=funnel["name"],
            client_id=client_id,
            stage_id=stage_id,
            stage_name=stage["name"],
            from_stage_id=current_stage,
        )
        sent = outgoing(catalog, event, tenant=plans.funnels.tenant, subject=client_id, time=now)
        return Save(funnel, (funnel, []), [sent])

    return (await change(plans.funnels, funnel_id, decide)).result


def task_order(task: Doc) -> tuple[int, int, datetime, datetime]:
    """Open tasks first, then by priority (URGENT first), due date (none last), age."""
    due = task.get("due_at")
    return (
        int(bool(task["done"])),
        rules.priority_rank(task["priority"]),
        as_utc(due) if due else datetime.max.replace(tzinfo=UTC),
        as_utc(task["created_at"]),
    )


async def tasks_in_order(plans: Plans, done: bool | None) -> list[Doc]:
    """K4: the tasks (open or done, or all), the most urgent first, ties by id. One
    indexed query, `(tenant, done)` on MongoDB."""
    found = await plans.tasks.find(None if done is None else {"done": done})
    tasks = [t.state for t in found if t.state is not None]
    return sorted(tasks, key=lambda t: (task_order(t), t["id"]))


async def tasks_page(plans: Plans, done: bool | None, first: int) -> list[Doc]:
    return (await tasks_in_order(plans, done))[:first]


async def funnels_page(plans: Plans, first: int | None = None) -> list[Doc]:
    """K4: the newest funnels first (a studio keeps a handful)."""
    found = [f.state for f in await plans.funnels.find() if f.state is not None]
    found.sort(key=lambda f: (as_utc(f["created_at"]), f["id"]), reverse=True)
    return found[: first if first is not None else len(found)]
