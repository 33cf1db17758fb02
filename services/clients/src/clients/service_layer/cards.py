"""Use cases of the client card: create, update, notes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from plumbing.contracts import EventData
from plumbing.ids import new_id
from plumbing.mongo import Doc

from clients.adapters.repository import Repository
from clients.domain.model import (
    ClientSource,
    ClientStatus,
    Gender,
    Problems,
    check_birth_date,
    check_name,
    check_referral_source,
    check_weight,
    fold,
    normalise_email,
    normalise_language,
)
from clients.events import ClientCreated, ClientUpdated, NoteAdded
from clients.service_layer.initial_values import initial_values, value_events
from clients.service_layer.studio import studio_view
from clients.service_layer.validation import normalise_phone

UNSET: Any = object()


@dataclass
class CardInput:
    """Fields of `ClientInput`; UNSET means "not given", None means "clear it"."""

    first_name: Any = UNSET
    middle_name: Any = UNSET
    last_name: Any = UNSET
    email: Any = UNSET
    phone: Any = UNSET
    address: Any = UNSET
    birth_date: Any = UNSET
    gender: Any = UNSET
    referral_source: Any = UNSET
    preferred_branch_id: Any = UNSET
    language: Any = UNSET
    status: Any = UNSET
    weight_kg: Any = UNSET
    online_booking_blocked: Any = UNSET

    def given(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) is not UNSET
        }


@dataclass(frozen=True)
class Actor:
    id: str
    is_partner: bool = False


@dataclass
class Outcome:
    client: Doc | None = None
    problems: Problems = field(default_factory=Problems)


ADDRESS_FIELDS = ("line1", "line2", "city", "postal_code", "region", "country")


def local_today(studio: Doc, now: datetime) -> date:
    return now.astimezone(ZoneInfo(studio["time_zone"])).date()


def _clean(
    given: dict[str, Any], studio: Doc, now: datetime, problems: Problems, *, creating: bool
) -> dict[str, Any]:
    """Validate and normalise the given fields into stored (snake_case) values."""
    out: dict[str, Any] = {}
    for name, path in (("first_name", "firstName"), ("last_name", "lastName")):
        if name in given or creating:
            value = check_name(problems, given.get(name), path, required=True)
            out[name] = value
    if "middle_name" in given:
        out["middle_name"] = check_name(
            problems, given["middle_name"], "middleName", required=False
        )
    if "email" in given:
        raw = given["email"]
        if raw is None or not str(raw).strip():
            out["email"] = None
        else:
            email = normalise_email(str(raw))
            if email is None:
                problems.add(
                    f"{raw!r} is not a valid email address", "INVALID_EMAIL", "email", value=raw
                )
            out["email"] = email
    if "phone" in given:
        raw = given["phone"]
        if raw is None or not str(raw).strip():
            out["phone"] = None
        else:
            phone = normalise_phone(str(raw), studio.get("country"))
            if phone is None:
                hint = "" if studio.get("country") else " (include the country code, e.g. +34)"
                problems.add(
                    f"{raw!r} is not a valid phone number{hint}",
                    "INVALID_PHONE",
                    "phone",
                    value=raw,
                )
            out["phone"] = phone
    if "address" in given:
        address = given["address"]
        if address is None:
            out["address"] = None
        else:
            cleaned = {
                k: (" ".join(str(v).split()) or None) if v is not None else None
                for k, v in address.items()
                if k in ADDRESS_FIELDS
            }
            if any(v and len(v) > 200 for v in cleaned.values()):
                problems.add(
                    "address lines must be at most 200 characters",
                    "TOO_LONG",
                    "address",
                    maximum=200,
                )
            out["address"] = cleaned
    if "birth_date" in given:
        value = given["birth_date"]
        if value is not None:
            check_birth_date(problems, value, local_today(studio, now))
            out["birth_date"] = value.isoformat()
            out["birth_md"] = value.strftime("%m-%d")
        else:
            out["birth_date"] = None
            out["birth_md"] = None
    if "gender" in given:
        out["gender"] = Gender(given["gender"]).value if given["gender"] is not None else None
    if "referral_source" in given:
        value = given["referral_source"]
        out["referral_source"] = check_referral_source(problems, str(value) if value else None)
    if "preferred_branch_id" in given:
        branch = given["preferred_branch_id"]
        if branch is not None and branch not in {b["id"] for b in studio["branches"]}:
            problems.add(
                f"unknown branch {branch!r}", "UNKNOWN_BRANCH", "preferredBranchId", id=branch
            )
        out["preferred_branch_id"] = branch
    if "language" in given:
        value = given["language"]
        if value is None:
            out["language"] = None
        else:
            language = normalise_language(str(value))
            if language is None:
                problems.add(
                    f"{value!r} is not a language code", "INVALID_LANGUAGE", "language", value=value
                )
            out["language"] = language
    if "status" in given:
        if given["status"] is None:
            problems.add("status cannot be empty", "REQUIRED", "status")
        else:
            out["status"] = ClientStatus(given["status"]).value
    if "weight_kg" in given:
        value = given["weight_kg"]
        if value is not None:
            check_weight(problems, float(value))
            out["weight_kg"] = round(float(value), 2)
        else:
            out["weight_kg"] = None
    if "online_booking_blocked" in given:
        if given["online_booking_blocked"] is None:
            problems.add(
                "onlineBookingBlocked must be true or false", "REQUIRED", "onlineBookingBlocked"
            )
        out["online_booking_blocked"] = bool(given["online_booking_blocked"])
    return out


clean_values = _clean


def _search_text(doc: Doc) -> str:
    parts = [doc.get("first_name"), doc.get("middle_name"), doc.get("last_name"), doc.get("email")]
    phone = doc.get("phone")
    if phone:
        parts.append(phone)
        parts.append(phone.lstrip("+"))
    return fold(" ".join(p for p in parts if p))


def _sort_name(doc: Doc) -> str:
    return fold(f"{doc.get('last_name') or ''} {doc.get('first_name') or ''}").strip()


async def _claim_contact_keys(
    repo: Repository, values: dict[str, Any], client_id: str, problems: Problems
) -> list[tuple[str, str]]:
    claimed: list[tuple[str, str]] = []
    for kind, path in (("email", "email"), ("phone", "phone")):
        value = values.get(kind)
        if not value:
            continue
        holder = await repo.claim_key(kind, value, client_id)
        if holder is not None:
            problems.add(
                f"another client ({holder}) already has this {kind}", "DUPLICATE_CLIENT", path
            )
        else:
            claimed.append((kind, value))
    return claimed


def new_card(
    values: dict[str, Any],
    client_id: str,
    *,
    source: ClientSource,
    actor: Actor,
    now: datetime,
    referred_by: str | None = None,
) -> tuple[Doc, ClientCreated]:
    """A new card from cleaned values, and the event announcing it."""
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as stored (milliseconds)
    default_status = (
        ClientStatus.LEAD
        if source in (ClientSource.WIDGET, ClientSource.PARTNER, ClientSource.APP)
        else ClientStatus.ACTIVE
    )
    doc: Doc = {
        "id": client_id,
        "first_name": values["first_name"],
        "middle_name": values.get("middle_name"),
        "last_name": values["last_name"],
        "email": values.get("email"),
        "phone": values.get("phone"),
        "address": values.get("address"),
        "birth_date": values.get("birth_date"),
        "birth_md": values.get("birth_md"),
        "gender": values.get("gender"),
        "referral_source": values.get("referral_source"),
        "referred_by": referred_by,
        "preferred_branch_id": values.get("preferred_branch_id"),
        "language": values.get("language"),
        "status": values.get("status") or default_status.value,
        "source": source.value,
        "weight_kg": values.get("weight_kg"),
        "weight_history": (
            [{"kg": values["weight_kg"], "at": now}] if values.get("weight_kg") is not None else []
        ),
        "online_booking_blocked": values.get("online_booking_blocked", False),
        "notes": [],
        "points": 0,
        "rev": 0,
        "created_by": actor.id,
        "created_at": now,
        "updated_at": now,
    }
    doc["search_text"] = _search_text(doc)
    doc["sort_name"] = _sort_name(doc)
    event = ClientCreated(
        client_id=client_id,
        first_name=doc["first_name"],
        last_name=doc["last_name"],
        email=doc["email"],
        phone=doc["phone"],
        birth_date=date.fromisoformat(doc["birth_date"]) if doc["birth_date"] else None,
        gender=doc["gender"],
        language=doc["language"],
        status=doc["status"],
        source=doc["source"],
        preferred_branch_id=doc["preferred_branch_id"],
        referred_by_client_id=referred_by,
    )
    return doc, event


def check_creator_status(problems: Problems, actor: Actor, values: dict[str, Any]) -> None:
    """Partners create leads; the studio's staff decide who becomes a client. A partner's
    other status is refused rather than changed, so the partner's system learns that the
    card it holds is a lead."""
    if actor.is_partner and values.get("status") not in (None, ClientStatus.LEAD.value):
        problems.add(
            "a partner creates leads: leave status out or send LEAD", "INVALID_STATUS", "status"
        )


async def create_client(
    given: CardInput,
    repo: Repository,
    *,
    actor: Actor,
    now: datetime,
    source: ClientSource,
    referred_by: str | None = None,
    check_duplicates: bool = True,
    custom: Mapping[str, str | None] | None = None,
) -> Outcome:
    """A new card; `custom` are its C5 values (field id -> text), every required field
    in use needing one."""
    outcome = Outcome()
    studio = studio_view(repo.tenant, await repo.studio())
    values = _clean(given.given(), studio, now, outcome.problems, creating=True)
    check_creator_status(outcome.problems, actor, values)
    definitions = await repo.definitions()
    custom_values = initial_values(
        definitions, custom or {}, country=studio.get("country"), problems=outcome.problems
    )
    if referred_by is not None and await repo.client(referred_by) is None:
        outcome.problems.add(
            f"unknown referring client {referred_by!r}", "UNKNOWN_CLIENT", "referredBy"
        )
    if outcome.problems:
        return outcome
    client_id = new_id()
    claimed = (
        await _claim_contact_keys(repo, values, client_id, outcome.problems)
        if check_duplicates
        else []
    )
    if outcome.problems:
        for kind, value in claimed:
            await repo.release_key(kind, value, client_id)
        return outcome
    doc, event = new_card(
        values, client_id, source=source, actor=actor, now=now, referred_by=referred_by
    )
    if custom_values:
        doc["custom_values"] = custom_values
    events: list[EventData] = [event, *value_events(client_id, definitions, custom_values)]
    outcome.client = await repo.insert_client(doc, events)
    return outcome


async def update_client(
    client_id: str, given: CardInput, repo: Repository, *, now: datetime
) -> Outcome:
    outcome = Outcome()
    current = await repo.client(client_id)
    if current is None or current.get("erased"):
        outcome.problems.add(f"unknown client {client_id!r}", "NOT_FOUND", "id", id=client_id)
        return outcome
    studio = studio_view(repo.tenant, await repo.studio())
    values = _clean(given.given(), studio, now, outcome.problems, creating=False)
    if outcome.problems:
        return outcome
    changes = {k: v for k, v in values.items() if current.get(k) != v}
    if changes.get("online_booking_blocked") is False:
        changes["booking_block"] = None  # the old switch off lifts the block (B7)
    if not changes:
        outcome.client = current
        return outcome
    new_contacts: dict[str, Any] = {k: changes[k] for k in ("email", "phone") if k in changes}
    claimed = await _claim_contact_keys(repo, new_contacts, client_id, outcome.problems)
    if outcome.problems:
        for kind, value in claimed:
            await repo.release_key(kind, value, client_id)
        return outcome
    merged = {**current, **changes}
    update: Doc = {
        "$set": {
            **changes,
            "updated_at": now,
            "search_text": _search_text(merged),
            "sort_name": _sort_name(merged),
        }
    }
    if "weight_kg" in changes and changes["weight_kg"] is not None:
        update["$push"] = {"weight_history": {"kg": changes["weight_kg"], "at": now}}
    public = {k: v for k, v in changes.items() if k != "birth_md"}
    doc = await repo.update_client(
        client_id, update, [ClientUpdated(client_id=client_id, changes=public)]
    )
    for kind in new_contacts:
        if current.get(kind):
            await repo.release_key(kind, current[kind], client_id)
    outcome.client = doc
    return outcome


async def add_note(
    client_id: str, text: str, repo: Repository, *, actor: Actor, now: datetime
) -> Outcome:
    outcome = Outcome()
    clean = text.strip()
    if not clean:
        outcome.problems.add("a note needs some text", "REQUIRED", "text")
    elif len(clean) > 5000:
        outcome.problems.add("a note is at most 5000 characters", "TOO_LONG", "text", maximum=5000)
    if outcome.problems:
        return outcome
    note = {"id": new_id(), "text": clean, "author_id": actor.id, "at": now}
    doc = await repo.update_client(
        client_id,
        {"$push": {"notes": note}, "$set": {"updated_at": now}},
        [NoteAdded(client_id=client_id, note_id=note["id"], text=clean, author_id=actor.id)],
        guard={"erased": {"$ne": True}},
    )
    if doc is None:
        outcome.problems.add(f"unknown client {client_id!r}", "NOT_FOUND", "clientId", id=client_id)
    outcome.client = doc
    return outcome
