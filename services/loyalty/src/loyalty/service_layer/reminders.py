"""B5: tell clients, the program's `expiryReminderDays` before, that points will expire.

Once per lot: the reminder is remembered in the account (key `reminder:<lot>`) by the
same single-document write that puts `loyalty.points_expiring.v1` in its outbox, so a
second run, a second replica or a retry finds it and sends nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from loyalty.adapters.accounts import AccountState
from loyalty.adapters.tenant_storage import LoyaltyStores
from loyalty.domain.earning import Program
from loyalty.domain.ledger import Entry
from loyalty.service_layer.account_changes import change_one
from loyalty.service_layer.validation import MAX_REMINDER_DAYS


async def remind_expiring(stores: LoyaltyStores, tenant: str | None, as_of: datetime) -> int:
    """Remind of every lot expiring within the program's reminder days after `as_of` (one
    tenant, or all with None); returns how many lots were reminded of. The accounts carry
    the soonest expiry nobody was reminded of as an indexed hint, so only accounts with
    something due within the longest reminder period are read. The setting in force now
    applies (a lot reminded of is never reminded again)."""
    programs: dict[str, Program] = {}
    reminded = 0
    horizon = as_of + timedelta(days=MAX_REMINDER_DAYS)
    for one_tenant, client_id, hints in await stores.due("next_reminder", horizon):
        if tenant is not None and one_tenant != tenant:
            continue
        one = stores.tenant(one_tenant)
        if one_tenant not in programs:
            programs[one_tenant] = await one.programs.current()
        program = programs[one_tenant]
        days = program.expiry_reminder_days
        due = hints.get("next_reminder")
        # A disabled program neither earns nor lets points be spent: nothing to remind of.
        if not program.enabled or days <= 0 or due is None or due > as_of + timedelta(days=days):
            continue
        outcome = await change_one(one, client_id, _remind(as_of, program), history=False)
        reminded += len(outcome.reminders)
    return reminded


def _remind(as_of: datetime, program: Program) -> Callable[[AccountState], list[Entry]]:
    def decide(loaded: AccountState) -> list[Entry]:
        if not loaded.erased:
            loaded.account.remind(
                as_of=as_of, days=program.expiry_reminder_days, point_value=program.point_value
            )
        return []  # a reminder moves no points

    return decide
