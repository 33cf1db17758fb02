"""Use cases on the program: on/off, terminology, categories and their ordered ranks.

The program is one aggregate per studio; each use case is a change of it
(`plumbing.storage.change`: decided again when two managers edit at once). Queries show
the program remembered for a few seconds (`shown_program`); mutations and the consumer
decide from the stored one (`current_program`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from plumbing.config_cache import Recent
from plumbing.ids import new_id
from plumbing.storage import Decision, Loaded, Repository, Save, change

from ranks.adapters.programs import PROGRAM_ID, ProgramStudios, add_studios
from ranks.adapters.roster import Roster
from ranks.domain.categories import (
    Category,
    Criteria,
    RankDef,
    RankRefused,
    Terminology,
    insert_rank,
    move_rank,
    remove_rank,
    set_stripes,
    valid_name,
)
from ranks.domain.program import Program

Programs = Repository[Program]
Studios = Repository[ProgramStudios]
NOTIFIABLE = {"OWNER", "ADMIN", "OPERATOR"}


@dataclass(frozen=True)
class CategoryChanges:
    name: str | None = None
    auto_promote: bool | None = None
    notify_on_eligibility: bool | None = None
    notify_roles: tuple[str, ...] | None = None
    notify_client: bool | None = None
    archived: bool | None = None
    service_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RankChanges:
    name: str | None = None
    criteria: Criteria | None = None
    # The rank's stripes in order, each with its criteria (None: unchanged).
    stripes: tuple[Criteria, ...] | None = None


async def _edit(programs: Programs, edit: Callable[[Program], object]) -> tuple[Program, object]:
    def decide(current: Loaded[Program]) -> Decision[Program, object]:
        program = current.state or Program()
        return Save(program, edit(program))

    try:
        done = await change(programs, PROGRAM_ID, decide)
    finally:
        _shown.drop((programs.name, programs.tenant))
    assert done.current.state is not None
    return done.current.state, done.result


async def current_program(programs: Programs) -> Program:
    """The program as mutations and the consumer decide from (never remembered)."""
    return (await programs.load(PROGRAM_ID)).state or Program()


# The program as queries show it (the client card, `rankProgram`): a few seconds.
_shown: Recent[Program] = Recent()


async def shown_program(programs: Programs) -> Program:
    """The program for queries, remembered for a few seconds (`plumbing.config_cache`); this
    process forgets it when it edits the program."""
    return await _shown.get((programs.name, programs.tenant), lambda: current_program(programs))


def _enabled(program: Program) -> None:
    if not program.enabled:
        raise RankRefused("PROGRAM_DISABLED")


async def set_program(
    programs: Programs, studios: Studios, enabled: bool, terminology: Terminology | None
) -> Program:
    """R1. A studio turning its program on joins the studios the seniority job visits
    (after the program's save: a crash in between leaves it out until the next time the
    program is set on)."""

    def change(program: Program) -> None:
        program.enabled = enabled
        if terminology is not None:
            program.terminology = terminology

    program, _ = await _edit(programs, change)
    if program.enabled:
        await add_studios(studios, [programs.tenant])
    return program


def _apply(category: Category, changes: CategoryChanges, program: Program) -> Category:
    if changes.name is not None:
        name = valid_name(changes.name)
        if any(
            c.name.casefold() == name.casefold() and c.id != category.id for c in program.categories
        ):
            raise RankRefused("DUPLICATE_CATEGORY", name=name)
        category = replace(category, name=name)
    if changes.notify_roles is not None:
        if set(changes.notify_roles) - NOTIFIABLE:
            raise RankRefused("BAD_ROLE")
        category = replace(category, notify_roles=tuple(dict.fromkeys(changes.notify_roles)))
    for attr in ("auto_promote", "notify_on_eligibility", "notify_client", "archived"):
        value = getattr(changes, attr)
        if value is not None:
            category = replace(category, **{attr: value})
    if changes.service_ids is not None:
        category = replace(category, service_ids=tuple(dict.fromkeys(changes.service_ids)))
    return category


async def create_category(programs: Programs, changes: CategoryChanges) -> Category:
    def change(program: Program) -> Category:
        _enabled(program)
        if changes.name is None:
            raise RankRefused("BAD_NAME", maximum=80)
        category = _apply(Category(id=new_id(), name=""), changes, program)
        program.categories.append(category)
        return category

    _, category = await _edit(programs, change)
    assert isinstance(category, Category)
    return category


def _category(program: Program, category_id: str) -> Category:
    category = program.category(category_id)
    if category is None:
        raise RankRefused("UNKNOWN_CATEGORY")
    return category


async def update_category(
    programs: Programs, category_id: str, changes: CategoryChanges
) -> Category:
    def change(program: Program) -> Category:
        _enabled(program)
        category = _apply(_category(program, category_id), changes, program)
        program.replace(category)
        return category

    _, category = await _edit(programs, change)
    assert isinstance(category, Category)
    return category


async def add_rank(
    programs: Programs, category_id: str, changes: RankChanges, position: int | None
) -> tuple[Category, RankDef]:
    def change(program: Program) -> tuple[Category, RankDef]:
        _enabled(program)
        rank = RankDef(
            new_id(),
            valid_name(changes.name),
            changes.criteria or Criteria(),
            changes.stripes or (),
        )
        category = insert_rank(_category(program, category_id), rank, position)
        program.replace(category)
        return category, rank

    _, result = await _edit(programs, change)
    assert isinstance(result, tuple)
    return result


def _owner_of(program: Program, rank_id: str) -> Category:
    for category in program.categories:
        if any(r.id == rank_id for r in category.ranks):
            return category
    raise RankRefused("UNKNOWN_RANK")


async def update_rank(
    programs: Programs, roster: Roster, rank_id: str, changes: RankChanges
) -> tuple[Category, RankDef]:
    """Rename, change criteria or stripes. New criteria apply from now on; nobody loses a
    rank or a stripe already earned (holders keep it whatever the new numbers say), so
    fewer stripes than a client holds is refused (STRIPES_HELD)."""
    most_held = 0
    if changes.stripes is not None:
        program = await current_program(programs)
        most_held = await roster.most_stripes(_owner_of(program, rank_id).id, rank_id)

    def change(program: Program) -> tuple[Category, RankDef]:
        _enabled(program)
        category = _owner_of(program, rank_id)
        rank = category.rank(rank_id)
        if changes.name is not None:
            name = valid_name(changes.name)
            if any(
                r.name.casefold() == name.casefold() and r.id != rank_id for r in category.ranks
            ):
                raise RankRefused("DUPLICATE_RANK", name=name)
            rank = replace(rank, name=name)
        if changes.criteria is not None:
            changes.criteria.check()
            rank = replace(rank, criteria=changes.criteria)
        if changes.stripes is not None:
            rank = set_stripes(rank, changes.stripes, most_held)
        category = replace(
            category, ranks=tuple(rank if r.id == rank_id else r for r in category.ranks)
        )
        program.replace(category)
        return category, rank

    _, result = await _edit(programs, change)
    assert isinstance(result, tuple)
    return result


async def move(
    programs: Programs, roster: Roster, rank_id: str, position: int
) -> tuple[Category, RankDef]:
    program = await current_program(programs)
    owner = _owner_of(program, rank_id)
    held = await roster.held_ranks(owner.id, [r.id for r in owner.ranks])

    def change(program: Program) -> tuple[Category, RankDef]:
        _enabled(program)
        category = move_rank(_owner_of(program, rank_id), rank_id, position, held)
        program.replace(category)
        return category, category.rank(rank_id)

    _, result = await _edit(programs, change)
    assert isinstance(result, tuple)
    return result


async def remove(programs: Programs, roster: Roster, rank_id: str) -> tuple[Category, RankDef]:
    program = await current_program(programs)
    owner = _owner_of(program, rank_id)
    held = await roster.held_ranks(owner.id, [r.id for r in owner.ranks])

    def change(program: Program) -> tuple[Category, RankDef]:
        _enabled(program)
        category, rank = remove_rank(_owner_of(program, rank_id), rank_id, held)
        program.replace(category)
        program.removed[rank.id] = (category.id, rank)
        return category, rank

    _, result = await _edit(programs, change)
    assert isinstance(result, tuple)
    return result
