"""B5: tell clients, the program's `expiryReminderDays` before, that points will expire.

Once per lot: the reminder is remembered in the account (key `reminder:<lot>`) by the
same single-document write that puts `loyalty.points_expiring.v1` in its outbox, so a
second run, a second replica or a retry finds it and sends nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from loyalty.adapters.accounts import AccountState, every_head
from loyalty.adapters.database import Database
from loyalty.adapters.programs import Programs
from loyalty.domain.earning import Program
from loyalty.domain.ledger import Entry
from loyalty.service_layer.account_changes import change_one

HINTS = {"tenant": 1, "local": 1, "next_expiry": 1, "next_reminder": 1, "erased": 1}


async def remind_expiring(db: Database, tenant: str | None, as_of: datetime) -> int:
    """Remind of every lot expiring within the program's reminder days after `as_of` (one
    tenant, or all with None); returns how many lots were reminded of. Heads carry the
    soonest expiry nobody was reminded of, so only accounts with something due are read.
    The setting in force now applies (a lot reminded of is never reminded again)."""
    heads = await every_head(db, HINTS)
    programs: dict[str, Program] = {}
    reminded = 0
    for head in heads:
        one_tenant, local = str(head.get("tenant") or ""), str(head.get("local") or "")
        if not one_tenant or not local or head.get("erased"):
            continue
        if tenant is not None and one_tenant != tenant:
            continue
        # Heads written before reminders existed have only the next expiry.
        due = head["next_reminder"] if "next_reminder" in head else head.get("next_expiry")
        if due is None:
            continue
        if one_tenant not in programs:
            programs[one_tenant] = await Programs(db, one_tenant).current()
        program = programs[one_tenant]
        days = program.expiry_reminder_days
        # A disabled program neither earns nor lets points be spent: nothing to remind of.
        if not program.enabled or days <= 0 or due > as_of + timedelta(days=days):
            continue
        outcome = await change_one(db, one_tenant, local, _remind(as_of, program))
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
