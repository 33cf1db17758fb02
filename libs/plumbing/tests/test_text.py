"""Text arguments refuse control characters and bidi overrides, wherever they sit."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from plumbing.text import text_problem
from plumbing.text_guard import TextGuard


@strawberry.input
class NameInput:
    first_name: str
    tags: list[str] | None = None


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, text: str) -> str:
        return text


@strawberry.type
class Mutation:
    @strawberry.mutation
    def rename(self, input: NameInput) -> str:
        DONE.append(input.first_name)
        return input.first_name


DONE: list[str] = []
SCHEMA = strawberry.Schema(query=Query, mutation=Mutation, extensions=[TextGuard])


async def run(query: str, variables: dict[str, Any] | None = None) -> Any:
    return await SCHEMA.execute(query, variable_values=variables)


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\u202a"])
async def test_a_refused_character_anywhere_refuses_the_operation(bad: str) -> None:
    DONE.clear()
    rename = "mutation($i: NameInput!) { rename(input: $i) }"
    result = await run(rename, {"i": {"firstName": "Ana", "tags": ["ok", f"x{bad}y"]}})
    [error] = result.errors or []
    assert error.extensions == {
        "code": "BAD_TEXT",
        "params": {"field": "input.tags.1"},
        "field": ["input", "tags", "1"],
    }
    assert result.data is None
    assert DONE == []  # nothing ran


async def test_literals_are_checked_too() -> None:
    result = await run('{ echo(text: "evil\\u202Egnp.exe") }')
    [error] = result.errors or []
    assert error.extensions == {
        "code": "BAD_TEXT",
        "params": {"field": "text"},
        "field": ["text"],
    }
    assert "U+202E" in error.message


@pytest.mark.parametrize("good", ["Zoë 🥋", "line one\nline two\ttab\r\n", "مرحبا", "‏"])
async def test_ordinary_text_passes(good: str) -> None:
    result = await run("query($t: String!) { echo(text: $t) }", {"t": good})
    assert result.errors is None
    assert result.data == {"echo": good}


def test_the_check_names_the_character() -> None:
    assert text_problem("a\x00b") == "holds the character U+0000, which text may not contain"
    assert text_problem("ab") is None
