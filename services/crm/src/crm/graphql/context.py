"""What every crm resolver module shares: the caller's studio's storage, user errors and
times as the graph shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from plumbing.auth import STAFF, Role
from plumbing.clock import as_utc
from plumbing.gql import UserError, context_of, user_error
from strawberry.types import Info

from crm.adapters.tenant_storage import TenantStorage, request_storage
from crm.service_layer.ingest import Problem

INGESTERS = (*STAFF, Role.PARTNER)


def storage_of(info: Info[Any, Any]) -> TenantStorage:
    """The caller's studio's read models, tasks and funnels, and recorded facts."""
    return request_storage(context_of(info))


def user_errors(problems: list[Problem]) -> list[UserError]:
    return [user_error(p.message, p.code, *p.field, **p.params) for p in problems]


def as_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
