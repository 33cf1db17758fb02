"""Use cases of the richer parts of the card (C4–C8): custom fields, forms, documents,
disliked services, communication preferences and the booking check.

Array parts of the card (forms, documents, disliked services) are rewritten whole under
an optimistic guard on the card's `rev` counter (FerretDB v1 ignores `$pull` conditions
on sub-documents), so two concurrent edits never lose one another.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from plumbing.contracts import EventData
from plumbing.ids import new_id
from plumbing.mongo import Doc

from clients.adapters.files import FileStore
from clients.adapters.repository import Repository
from clients.domain.card import (
    CHANNELS,
    MAX_DOC_TYPE,
    MAX_LABEL,
    BookingChannel,
    BookingVerdict,
    CustomFieldType,
    Disliked,
    FieldSpec,
    Invalid,
    booking_check,
    clean_choices,
    clean_collect_on,
    clean_comment,
    clean_label,
    custom_value,
)
from clients.domain.model import Problems, fold
from clients.events import (
    CustomFieldArchived,
    CustomFieldDefined,
    CustomFieldValueSet,
    DislikedServiceAdded,
    DislikedServiceRemoved,
    DislikedServiceUpdated,
    DocumentAdded,
    DocumentDeleted,
    FormAssigned,
    FormCompleted,
    FormRemoved,
    PreferencesChanged,
)
from clients.service_layer.cards import Outcome
from clients.service_layer.studio import studio_view
from clients.service_layer.validation import normalise_phone

ATTEMPTS = 5
Built = tuple[Doc, list[EventData]] | Problems

ALLOWED_CONTENT_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIC",
    "text/plain": "text",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
}


def as_stored(now: datetime) -> datetime:
    """Times are stored with millisecond precision: answer with what was stored."""
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _not_found(client_id: str, path: str = "clientId") -> Outcome:
    outcome = Outcome()
    outcome.problems.add(f"unknown client {client_id!r}", "NOT_FOUND", path)
    return outcome


def _problem(message: str, code: str, *path: str) -> Outcome:
    outcome = Outcome()
    outcome.problems.add(message, code, *path)
    return outcome


async def change_card(
    repo: Repository, client_id: str, now: datetime, build: Callable[[Doc], Built]
) -> Outcome:
    """Read the card, build one update from it, write it only if nobody wrote meanwhile."""
    now = as_stored(now)
    for _ in range(ATTEMPTS):
        current = await repo.client(client_id)
        if current is None or current.get("erased"):
            return _not_found(client_id)
        built = build(current)
        if isinstance(built, Problems):
            return Outcome(problems=built)
        update, events = built
        update = {op: dict(v) for op, v in update.items()}
        update.setdefault("$set", {})["updated_at"] = now
        update.setdefault("$inc", {})["rev"] = 1
        rev = current.get("rev")
        guard: Doc = {"rev": rev} if rev is not None else {"rev": {"$exists": False}}
        doc = await repo.update_client(
            client_id, update, events, guard={**guard, "erased": {"$ne": True}}
        )
        if doc is not None:
            return Outcome(client=doc)
    return _problem("the card changed meanwhile: try again", "CONFLICT", "clientId")


def _problems(message: str, code: str, *path: str) -> Problems:
    problems = Problems()
    problems.add(message, code, *path)
    return problems


# ---------------------------------------------------------------- C5 custom fields


async def define_custom_field(
    repo: Repository,
    *,
    label: str,
    kind: CustomFieldType,
    choices: list[str] | None,
    collect_on: list[str] | None,
    required: bool,
) -> tuple[Doc | None, Problems]:
    problems = Problems()
    try:
        clean = clean_label(label, "label", MAX_LABEL)
    except Invalid as exc:
        problems.add(exc.message, exc.code, "label")
        return None, problems
    try:
        options = clean_choices(kind, choices)
    except Invalid as exc:
        problems.add(exc.message, exc.code, "choices")
        return None, problems
    try:
        forms = clean_collect_on(collect_on)
    except Invalid as exc:
        problems.add(exc.message, exc.code, "collectOn")
        return None, problems
    definition: Doc = {
        "id": new_id(),
        "label": clean,
        "type": kind.value,
        "choices": options,
        "collect_on": forms,
        "required": bool(required),
        "archived": False,
    }
    event = CustomFieldDefined(
        field_id=definition["id"],
        label=clean,
        type=kind.value,
        choices=options,
        collect_on=forms,
        required=bool(required),
    )
    await repo.save_definitions({"$setOnInsert": {"rev": 0, "fields": []}}, [], upsert=True)
    for _ in range(ATTEMPTS):
        current = await repo.custom_fields.get("definitions", {"fields": 1, "rev": 1})
        assert current is not None
        taken = {fold(f["label"]) for f in current.get("fields", []) if not f.get("archived")}
        if fold(clean) in taken:
            problems.add(f"a field labelled {clean!r} already exists", "DUPLICATE_LABEL", "label")
            return None, problems
        saved = await repo.save_definitions(
            {"$push": {"fields": definition}, "$inc": {"rev": 1}},
            [event],
            guard={"rev": current.get("rev", 0)},
        )
        if saved is not None:
            return definition, problems
    problems.add("the fields changed meanwhile: try again", "CONFLICT", "label")
    return None, problems


async def archive_custom_field(repo: Repository, field_id: str) -> tuple[Doc | None, Problems]:
    problems = Problems()
    for _ in range(ATTEMPTS):
        current = await repo.custom_fields.get("definitions", {"fields": 1, "rev": 1})
        fields = list((current or {}).get("fields") or [])
        found = next((f for f in fields if f["id"] == field_id), None)
        if current is None or found is None:
            problems.add(f"unknown custom field {field_id!r}", "NOT_FOUND", "id")
            return None, problems
        if found.get("archived"):
            return found, problems
        changed = {**found, "archived": True}
        rewritten = [changed if f["id"] == field_id else f for f in fields]
        saved = await repo.save_definitions(
            {"$set": {"fields": rewritten}, "$inc": {"rev": 1}},
            [CustomFieldArchived(field_id=field_id)],
            guard={"rev": current.get("rev", 0)},
        )
        if saved is not None:
            return changed, problems
    problems.add("the fields changed meanwhile: try again", "CONFLICT", "id")
    return None, problems


async def set_custom_value(
    repo: Repository, client_id: str, field_id: str, value: str | None, *, now: datetime
) -> Outcome:
    now = as_stored(now)
    definitions = await repo.definitions()
    definition = next((d for d in definitions if d["id"] == field_id), None)
    if definition is None:
        return _problem(f"unknown custom field {field_id!r}", "NOT_FOUND", "fieldId")
    if definition.get("archived"):
        return _problem(
            f"the field {definition['label']!r} is archived: its values can no longer change",
            "FIELD_ARCHIVED",
            "fieldId",
        )
    stored: str | None = None
    if value is None:
        if definition.get("required"):
            return _problem(f"the field {definition['label']!r} is required", "REQUIRED", "value")
    else:
        kind = CustomFieldType(definition["type"])
        phone = None
        if kind is CustomFieldType.PHONE:
            studio = studio_view(repo.tenant, await repo.studio())
            phone = normalise_phone(value, studio.get("country"))
        try:
            stored = custom_value(
                FieldSpec(kind, tuple(definition.get("choices") or ())), value, phone=phone
            )
        except Invalid as exc:
            return _problem(exc.message, exc.code, "value")
    path = f"custom_values.{field_id}"
    update: Doc = {"$set": {path: stored, "updated_at": now}}
    if stored is None:
        update = {"$unset": {path: ""}, "$set": {"updated_at": now}}
    event = CustomFieldValueSet(
        client_id=client_id, field_id=field_id, label=definition["label"], value=stored
    )
    doc = await repo.update_client(client_id, update, [event], guard={"erased": {"$ne": True}})
    if doc is None:
        return _not_found(client_id)
    return Outcome(client=doc)


# ---------------------------------------------------------------- C6 forms


async def assign_form(
    repo: Repository, client_id: str, form_id: str, name: str, *, now: datetime
) -> Outcome:
    now = as_stored(now)
    try:
        clean = clean_label(name, "name", 120)
    except Invalid as exc:
        return _problem(exc.message, exc.code, "name")
    if not form_id.strip():
        return _problem("formId must not be empty", "REQUIRED", "formId")
    form = {"id": new_id(), "form_id": form_id, "name": clean, "assigned_at": now,
            "completed_at": None}  # fmt: skip
    event = FormAssigned(
        client_id=client_id, assigned_form_id=form["id"], form_id=form_id, name=clean
    )
    doc = await repo.update_client(
        client_id,
        {"$push": {"forms": form}, "$set": {"updated_at": now}, "$inc": {"rev": 1}},
        [event],
        guard={"erased": {"$ne": True}},
    )
    return Outcome(client=doc) if doc is not None else _not_found(client_id)


def _find(items: list[Doc], item_id: str) -> Doc | None:
    return next((i for i in items if i["id"] == item_id), None)


async def remove_form(
    repo: Repository, client_id: str, assigned_form_id: str, *, now: datetime
) -> Outcome:
    now = as_stored(now)

    def build(card: Doc) -> Built:
        forms = list(card.get("forms") or [])
        form = _find(forms, assigned_form_id)
        if form is None:
            return _problems(
                f"no assigned form {assigned_form_id!r} on this card", "NOT_FOUND",
                "assignedFormId",
            )  # fmt: skip
        if form.get("completed_at") is not None:
            return _problems(
                f"the form {form['name']!r} was already filled in: a completed form cannot "
                "be removed",
                "FORM_COMPLETED",
                "assignedFormId",
            )
        kept = [f for f in forms if f["id"] != assigned_form_id]
        event = FormRemoved(
            client_id=client_id, assigned_form_id=assigned_form_id, form_id=form["form_id"],
            name=form["name"],
        )  # fmt: skip
        return {"$set": {"forms": kept}}, [event]

    return await change_card(repo, client_id, now, build)


async def complete_form(
    repo: Repository, client_id: str, assigned_form_id: str, *, now: datetime
) -> Outcome:
    now = as_stored(now)

    def build(card: Doc) -> Built:
        forms = list(card.get("forms") or [])
        form = _find(forms, assigned_form_id)
        if form is None:
            return _problems(
                f"no assigned form {assigned_form_id!r} on this card", "NOT_FOUND",
                "assignedFormId",
            )  # fmt: skip
        if form.get("completed_at") is not None:
            return _problems(
                f"the form {form['name']!r} is already completed", "FORM_COMPLETED",
                "assignedFormId",
            )  # fmt: skip
        done = {**form, "completed_at": now}
        event = FormCompleted(
            client_id=client_id, assigned_form_id=assigned_form_id, form_id=form["form_id"],
            name=form["name"], completed_at=now,
        )  # fmt: skip
        return {"$set": {"forms": [done if f["id"] == assigned_form_id else f for f in forms]}}, [
            event
        ]

    return await change_card(repo, client_id, now, build)


# ---------------------------------------------------------------- C6 documents


def check_upload(
    *, type_: str, file_name: str, content_type: str, size: int, max_bytes: int
) -> Problems:
    problems = Problems()
    if not type_.strip():
        problems.add("a document needs a type (e.g. 'consent', 'medical')", "REQUIRED", "type")
    elif len(type_.strip()) > MAX_DOC_TYPE:
        problems.add(f"type is at most {MAX_DOC_TYPE} characters", "TOO_LONG", "type")
    if not file_name.strip():
        problems.add("the file has no name", "REQUIRED", "file")
    base = content_type.split(";")[0].strip().lower()
    if base not in ALLOWED_CONTENT_TYPES:
        kinds = ", ".join(sorted(set(ALLOWED_CONTENT_TYPES.values())))
        problems.add(
            f"files of type {base or 'unknown'!r} are not accepted (accepted: {kinds})",
            "UNSUPPORTED_CONTENT_TYPE",
            "file",
        )
    if size == 0:
        problems.add("the file is empty", "EMPTY_FILE", "file")
    elif size > max_bytes:
        problems.add(
            f"the file is larger than the {max_bytes // (1024 * 1024)} MB limit",
            "FILE_TOO_LARGE",
            "file",
        )
    return problems


async def upload_document(
    repo: Repository,
    files: FileStore,
    client_id: str,
    *,
    type_: str,
    file_name: str,
    content_type: str,
    data: bytes,
    too_large: bool,
    visible_to_client: bool,
    max_bytes: int,
    now: datetime,
) -> Outcome:
    now = as_stored(now)
    size = max_bytes + 1 if too_large else len(data)
    problems = check_upload(
        type_=type_, file_name=file_name, content_type=content_type, size=size,
        max_bytes=max_bytes,
    )  # fmt: skip
    if problems:
        return Outcome(problems=problems)
    current = await repo.client(client_id)
    if current is None or current.get("erased"):
        return _not_found(client_id)
    document: Doc = {
        "id": new_id(),
        "type": " ".join(type_.split()),
        "file_name": file_name.strip().replace("/", "_").replace("\\", "_")[:200],
        "content_type": content_type.split(";")[0].strip().lower(),
        "size_bytes": len(data),
        "visible_to_client": bool(visible_to_client),
        "uploaded_at": now,
    }
    await files.put(document["id"], document["file_name"], data, document["content_type"])
    event = DocumentAdded(
        client_id=client_id,
        document_id=document["id"],
        type=document["type"],
        file_name=document["file_name"],
        content_type=document["content_type"],
        size_bytes=document["size_bytes"],
        visible_to_client=document["visible_to_client"],
    )
    doc = await repo.update_client(
        client_id,
        {"$push": {"documents": document}, "$set": {"updated_at": now}, "$inc": {"rev": 1}},
        [event],
        guard={"erased": {"$ne": True}},
    )
    if doc is None:  # erased meanwhile: do not keep the bytes
        await files.delete(document["id"])
        return _not_found(client_id)
    return Outcome(client=doc)


async def delete_document(
    repo: Repository, files: FileStore, client_id: str, document_id: str, *, now: datetime
) -> Outcome:
    now = as_stored(now)
    removed: list[Doc] = []

    def build(card: Doc) -> Built:
        documents = list(card.get("documents") or [])
        document = _find(documents, document_id)
        if document is None:
            return _problems(f"no document {document_id!r} on this card", "NOT_FOUND", "documentId")
        removed[:] = [document]
        event = DocumentDeleted(
            client_id=client_id, document_id=document_id, type=document["type"],
            file_name=document["file_name"],
        )  # fmt: skip
        return {"$set": {"documents": [d for d in documents if d["id"] != document_id]}}, [event]

    outcome = await change_card(repo, client_id, now, build)
    if outcome.client is not None and removed:
        await files.delete(document_id)
    return outcome


# ---------------------------------------------------------------- C7 disliked services


async def add_disliked(
    repo: Repository,
    client_id: str,
    *,
    service_id: str,
    service_name: str,
    comment: str | None,
    now: datetime,
) -> Outcome:
    now = as_stored(now)
    try:
        name = clean_label(service_name, "serviceName", 200)
        note = clean_comment(comment)
    except Invalid as exc:
        return _problem(exc.message, exc.code, "serviceName" if exc.code == "REQUIRED" else
                        "comment")  # fmt: skip
    if not service_id.strip():
        return _problem("serviceId must not be empty", "REQUIRED", "serviceId")

    def build(card: Doc) -> Built:
        items = list(card.get("disliked") or [])
        if any(i["service_id"] == service_id for i in items):
            return _problems(
                f"{name!r} is already on this client's disliked services",
                "ALREADY_DISLIKED",
                "serviceId",
            )
        item = {"id": new_id(), "service_id": service_id, "service_name": name,
                "comment": note, "at": now}  # fmt: skip
        event = DislikedServiceAdded(
            client_id=client_id, disliked_id=item["id"], service_id=service_id,
            service_name=name, comment=note,
        )  # fmt: skip
        return {"$set": {"disliked": [*items, item]}}, [event]

    return await change_card(repo, client_id, now, build)


async def update_disliked(
    repo: Repository, client_id: str, disliked_id: str, comment: str | None, *, now: datetime
) -> Outcome:
    now = as_stored(now)
    try:
        note = clean_comment(comment)
    except Invalid as exc:
        return _problem(exc.message, exc.code, "comment")

    def build(card: Doc) -> Built:
        items = list(card.get("disliked") or [])
        item = _find(items, disliked_id)
        if item is None:
            return _problems(
                f"no disliked service {disliked_id!r} on this card", "NOT_FOUND", "dislikedId"
            )
        changed = {**item, "comment": note, "at": now}
        event = DislikedServiceUpdated(
            client_id=client_id, disliked_id=disliked_id, service_id=item["service_id"],
            service_name=item["service_name"], comment=note,
        )  # fmt: skip
        return {"$set": {"disliked": [changed if i["id"] == disliked_id else i for i in items]}}, [
            event
        ]

    return await change_card(repo, client_id, now, build)


async def remove_disliked(
    repo: Repository, client_id: str, disliked_id: str, *, now: datetime
) -> Outcome:
    now = as_stored(now)

    def build(card: Doc) -> Built:
        items = list(card.get("disliked") or [])
        item = _find(items, disliked_id)
        if item is None:
            return _problems(
                f"no disliked service {disliked_id!r} on this card", "NOT_FOUND", "dislikedId"
            )
        event = DislikedServiceRemoved(
            client_id=client_id, disliked_id=disliked_id, service_id=item["service_id"],
            service_name=item["service_name"],
        )  # fmt: skip
        return {"$set": {"disliked": [i for i in items if i["id"] != disliked_id]}}, [event]

    return await change_card(repo, client_id, now, build)


# ---------------------------------------------------------------- C8 preferences


def preference_key(category: str, channel: str) -> str:
    return f"{category}_{channel}"


async def set_preference(
    repo: Repository,
    client_id: str,
    *,
    category: str,
    channel: str,
    enabled: bool,
    now: datetime,
) -> Outcome:
    now = as_stored(now)
    if channel not in CHANNELS:
        return _problem(f"unknown channel {channel!r}", "INVALID_CHANNEL", "channel")
    current = await repo.client(client_id)
    if current is None or current.get("erased"):
        return _not_found(client_id)
    key = preference_key(category, channel)
    existing = (current.get("preferences") or {}).get(key)
    if existing is not None and bool(existing.get("enabled")) == enabled:
        return Outcome(client=current)  # nothing changed: no new timestamp, no event
    if existing is None and enabled:
        # The default is "on": switching on what is already on changes nothing either.
        return Outcome(client=current)
    event = PreferencesChanged(
        client_id=client_id, category=category, channel=channel, enabled=enabled, changed_at=now
    )
    doc = await repo.update_client(
        client_id,
        {"$set": {f"preferences.{key}": {"enabled": enabled, "changed_at": now},
                  "updated_at": now}},
        [event],
        guard={"erased": {"$ne": True}},
    )  # fmt: skip
    return Outcome(client=doc) if doc is not None else _not_found(client_id)


# ---------------------------------------------------------------- C4 / C7 booking check


async def check_booking(
    repo: Repository, client_id: str, service_id: str, channel: BookingChannel
) -> BookingVerdict | None:
    card = await repo.client(client_id)
    if card is None or card.get("erased"):
        return None
    studio = studio_view(repo.tenant, await repo.studio())
    return booking_check(
        channel=channel,
        service_id=service_id,
        online_booking_blocked=bool(card.get("online_booking_blocked")),
        status=str(card.get("status")),
        disliked=[
            Disliked(i["service_id"], i["service_name"], i.get("comment"))
            for i in card.get("disliked") or []
        ],
        language=str(studio.get("language") or "en"),
    )
