"""K4 through the gateway: the task list pages forward and backward (`last`/`before`)
through the same tasks in the same order, whatever their titles hold, and a task done
meanwhile does not shift a page (docs/contract.md, "Lists")."""

from __future__ import annotations

from typing import Any

from plumbing.testing import Graph

CREATE = """mutation($t: String!, $p: TaskPriority!, $due: DateTime) {
  createTask(title: $t, priority: $p, dueAt: $due) { task { id } userErrors { code } } }"""
COMPLETE = "mutation($id: ID!) { completeTask(id: $id) { task { done } userErrors { code } } }"
FORWARD = """query($n: Int, $after: String) { tasksConnection(first: $n, after: $after) {
  edges { cursor node { id title } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
BACKWARD = """query($n: Int, $before: String) { tasksConnection(last: $n, before: $before) {
  edges { cursor node { id title } } pageInfo { hasNextPage hasPreviousPage startCursor } } }"""
TITLES = ['Call "Zoë" 🥋', "a|b\\c", "O'Brien", "مريم", "Plain", "Tab\tIn", "Twin", "Twin"]


async def forward(owner: Graph, size: int) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = (await owner(FORWARD, {"n": size, "after": after}))["tasksConnection"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def backward(owner: Graph, size: int) -> list[str]:
    seen: list[str] = []
    before = None
    while True:
        page = (await owner(BACKWARD, {"n": size, "before": before}))["tasksConnection"]
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        seen = [e["node"]["id"] for e in page["edges"]] + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            return seen
        before = page["pageInfo"]["startCursor"]


async def test_tasks_page_both_ways_in_one_order(owner: Graph) -> None:
    made: list[str] = []
    for n, title in enumerate(TITLES):
        variables: dict[str, Any] = {
            "t": title,
            "p": ("URGENT", "HIGH", "NORMAL", "LOW")[n % 4],
            "due": f"2026-0{1 + n % 3}-1{n}T10:00:00Z" if n % 2 else None,
        }
        answer = (await owner(CREATE, variables))["createTask"]
        assert answer["userErrors"] == [], answer
        made.append(answer["task"]["id"])
    everything = await forward(owner, 50)
    assert sorted(everything) == sorted(made)
    for size in (1, 3):
        assert await forward(owner, size) == everything, size
        assert await backward(owner, size) == everything, size

    # A task done between two pages moves to the end; the page before its old place
    # still starts right before it.
    last_two = (await owner(BACKWARD, {"n": 2, "before": None}))["tasksConnection"]
    cursor = last_two["pageInfo"]["startCursor"]
    gone = last_two["edges"][0]["node"]["id"]
    assert (await owner(COMPLETE, {"id": gone}))["completeTask"]["userErrors"] == []
    before = (await owner(BACKWARD, {"n": 2, "before": cursor}))["tasksConnection"]
    at = everything.index(gone)
    assert [e["node"]["id"] for e in before["edges"]] == everything[at - 2 : at]
