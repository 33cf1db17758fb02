"""C6: the studio's intake forms (the names its custom fields are collected on), for a
console's form picker (`assignForm(formId, name)`)."""

from __future__ import annotations

from typing import Any

import strawberry
from plumbing.auth import STAFF
from plumbing.gql import require
from strawberry.types import Info

from clients.domain.intake_forms import IntakeForm as Form
from clients.domain.intake_forms import intake_forms
from clients.graphql.caller import repo_of
from clients.graphql.types import CustomFieldDefinition


@strawberry.type(description="C6: an intake form, as the custom fields name it (`collectOn`).")
class IntakeForm:
    id: strawberry.ID = strawberry.field(
        description="Made from the name (case and accents do not count): the same name is "
        "the same form. Give it to assignForm as formId, with the name."
    )
    name: str
    fields: list[CustomFieldDefinition] = strawberry.field(
        description="The custom fields this form collects, in the studio's order."
    )


@strawberry.type
class IntakeFormQuery:
    @strawberry.field(
        description="C6: the intake forms the studio's custom fields are collected on, by name."
    )
    async def forms(
        self, info: Info[Any, Any], include_archived: bool = False
    ) -> list[IntakeForm] | None:
        ctx = require(info, *STAFF)
        definitions = await repo_of(ctx).shown_definitions()
        by_id = {str(d["id"]): d for d in definitions}
        return [
            _form(form, by_id)
            for form in intake_forms(definitions, include_archived=include_archived)
        ]


def _form(form: Form, by_id: dict[str, Any]) -> IntakeForm:
    return IntakeForm(
        id=strawberry.ID(form.id),
        name=form.name,
        fields=[CustomFieldDefinition.from_doc(by_id[i]) for i in form.field_ids],
    )
