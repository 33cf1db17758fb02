"""What every crm resolver module shares: the caller's store, the studio's settings,
user errors and times as the graph shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from plumbing.auth import STAFF, Role
from plumbing.clock import as_utc
from plumbing.gql import UserError, context_of, user_error
from strawberry.types import Info

from crm.adapters.store import Store, request_store
from crm.service_layer.ingest import Problem

INGESTERS = (*STAFF, Role.PARTNER)


def store_of(info: Info[Any, Any]) -> Store:
    """The caller's tenant's crm store (read models, facts, tasks and funnels)."""
    return request_store(context_of(info))


def user_errors(problems: list[Problem]) -> list[UserError]:
    return [user_error(p.message, p.code, *p.field) for p in problems]


def as_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
