"""Use cases of the studio (the tenant's own settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plumbing.ids import new_id
from plumbing.mongo import Doc

from clients.adapters.repository import Repository
from clients.domain.model import (
    COUNTRY,
    CURRENCY,
    Problems,
    branch_time_zone,
    normalise_language,
    valid_time_zone,
)
from clients.events import StudioUpdated

DEFAULTS: dict[str, Any] = {
    "name": "",
    "time_zone": "UTC",
    "currency": "EUR",
    "language": "en",
    "country": None,
    "branches": [],
}


def studio_view(tenant: str, doc: Doc | None) -> Doc:
    view = {**DEFAULTS, "name": tenant, **(doc or {})}
    view["id"] = tenant
    return view


@dataclass(frozen=True)
class UpdateStudio:
    name: str | None = None
    time_zone: str | None = None
    currency: str | None = None
    language: str | None = None
    country: str | None = None


async def update_studio(cmd: UpdateStudio, repo: Repository) -> tuple[Doc | None, Problems]:
    problems = Problems()
    changes: dict[str, Any] = {}
    if cmd.name is not None:
        name = " ".join(cmd.name.split())
        if not name or len(name) > 120:
            problems.add("name must be 1 to 120 characters", "INVALID_NAME", "name", maximum=120)
        changes["name"] = name
    if cmd.time_zone is not None:
        if not valid_time_zone(cmd.time_zone):
            problems.add(
                f"unknown time zone {cmd.time_zone!r} (use an IANA name such as Europe/Madrid)",
                "INVALID_TIME_ZONE",
                "timeZone",
            )
        changes["time_zone"] = cmd.time_zone
    if cmd.currency is not None:
        currency = cmd.currency.strip().upper()
        if not CURRENCY.match(currency):
            problems.add(
                "currency must be an ISO 4217 code such as EUR", "INVALID_CURRENCY", "currency"
            )
        changes["currency"] = currency
    if cmd.language is not None:
        language = normalise_language(cmd.language)
        if language is None:
            problems.add(
                "language must be a code such as es, it or en", "INVALID_LANGUAGE", "language"
            )
        changes["language"] = language
    if cmd.country is not None:
        country = cmd.country.strip().upper()
        if not COUNTRY.match(country):
            problems.add(
                "country must be an ISO 3166 code such as ES", "INVALID_COUNTRY", "country"
            )
        changes["country"] = country
    if problems:
        return None, problems
    current = studio_view(repo.tenant, await repo.studio())
    merged = {**current, **changes}
    event = _studio_event(merged)
    doc = await repo.save_studio(
        {"$set": changes} if changes else {"$set": {"name": merged["name"]}}, [event]
    )
    return studio_view(repo.tenant, doc), problems


async def add_branch(
    name: str, time_zone: str | None, repo: Repository
) -> tuple[Doc | None, Problems]:
    problems = Problems()
    clean = " ".join(name.split())
    if not clean or len(clean) > 120:
        problems.add("branch name must be 1 to 120 characters", "INVALID_NAME", "name", maximum=120)
    if time_zone is not None and not valid_time_zone(time_zone):
        problems.add(
            f"unknown time zone {time_zone!r}", "INVALID_TIME_ZONE", "timeZone", value=time_zone
        )
    current = studio_view(repo.tenant, await repo.studio())
    if any(b["name"].casefold() == clean.casefold() for b in current["branches"]):
        problems.add(
            f"a branch named {clean!r} already exists", "DUPLICATE_BRANCH", "name", name=clean
        )
    if problems:
        return None, problems
    branch = {"id": new_id(), "name": clean, "time_zone": time_zone}
    merged = {**current, "branches": [*current["branches"], branch]}
    doc = await repo.save_studio(
        {"$push": {"branches": branch}, "$setOnInsert": {"name": current["name"]}},
        [_studio_event(merged)],
    )
    return studio_view(repo.tenant, doc), problems


def _studio_event(view: Doc) -> StudioUpdated:
    return StudioUpdated(
        name=view["name"],
        time_zone=view["time_zone"],
        currency=view["currency"],
        language=view["language"],
        country=view.get("country"),
        branch_ids=[b["id"] for b in view["branches"]],
        branch_time_zones={
            b["id"]: branch_time_zone(b, view["time_zone"]) for b in view["branches"]
        },
    )
