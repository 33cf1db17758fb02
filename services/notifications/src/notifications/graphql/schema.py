"""The notifications subgraph: templates (N1, `templates.py`), the staff inbox (N3,
`staff_inbox.py`), messages to a client (N2, N4, `client_messages.py`), push devices
(`devices.py`) and the appointment reminders' setting (L10, `reminders.py`), composed
here. The order of the bases is the order of the fields in the SDL."""

from __future__ import annotations

import strawberry
from plumbing.gql import SubgraphSchema, schema_extensions

from notifications.graphql.client_messages import Client, MessageMutations
from notifications.graphql.devices import DeviceMutations
from notifications.graphql.reminders import ReminderMutations, ReminderQuery
from notifications.graphql.staff_inbox import InboxMutations, InboxQuery, InboxSubscription
from notifications.graphql.templates import TemplateMutations, TemplateQuery


@strawberry.type
class Query(TemplateQuery, ReminderQuery, InboxQuery):
    pass


@strawberry.type
class Mutation(
    DeviceMutations, TemplateMutations, ReminderMutations, InboxMutations, MessageMutations
):
    pass


@strawberry.type
class Subscription(InboxSubscription):
    pass


schema = SubgraphSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[Client],
    extensions=schema_extensions(),
    federation_version="2.9",
)
