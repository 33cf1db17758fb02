"""The crm subgraph: partner facts in (K7, `fact_mutations.py`), the studio's day at a glance out
(K1–K6, `summary.py`), tasks and funnels (K4, `planning.py`), and the client's activity
and timeline on the card (C9, C11, `client_card.py`); live updates of the facts applied
(K2, K7, `live_facts.py`)."""

from __future__ import annotations

from plumbing.gql import SubgraphSchema, schema_extensions
from strawberry.tools import merge_types

from crm.graphql.client_card import Client, ClientActivity
from crm.graphql.fact_mutations import FactsMutation
from crm.graphql.live_facts import FactsSubscription
from crm.graphql.memberships import MembershipMutation
from crm.graphql.planning import PlanningMutation, PlanningQuery
from crm.graphql.studio_catalog import CatalogQuery
from crm.graphql.summary import CrmSummary, SummaryQuery

# The order of the parts is the order of the fields in the exported SDL.
Query = merge_types("Query", (SummaryQuery, PlanningQuery, CatalogQuery))
Mutation = merge_types("Mutation", (FactsMutation, MembershipMutation, PlanningMutation))

schema = SubgraphSchema(
    query=Query,
    mutation=Mutation,
    subscription=FactsSubscription,
    types=[Client, ClientActivity, CrmSummary],
    extensions=schema_extensions(),
    federation_version="2.9",
)
