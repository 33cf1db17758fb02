"""K6: clients with the app (in from the first identified session; out on logout, on an
uninstall, or 12 months without use and without notifications) and K3's "active in the
app in the period"."""

from __future__ import annotations

from datetime import datetime

from plumbing.storage import Delta

from crm.domain import rules
from crm.events import AppSessionStarted
from crm.service_layer.profile_entries import moment, period_id
from crm.service_layer.projection import Projection


async def app_session(p: Projection, data: AppSessionStarted) -> None:
    profile = await p.views.profiles.get(data.client_id) or {}
    app = dict(profile.get("app") or {})
    last_used = app.get("last_used")
    app["last_used"] = max(data.occurred_at, moment(last_used)) if last_used else data.occurred_at
    changed = app.get("changed_at")
    if not changed or moment(changed) <= data.occurred_at:
        app.update(has=True, platform=data.platform, changed_at=data.occurred_at, out_reason=None)
    await p.profile_update(data.client_id, Delta(set={"app": app}))
    at = rules.slot(data.occurred_at, p.zone)
    cid = rules.safe_key(data.client_id)
    for kind, key in (("D", at.day), ("M", at.month)):
        if await p.views.marks.claim(f"appact~{kind}~{key}~{cid}", p.event.id, {}):
            await p.views.periods.apply_once(
                period_id(kind, rules.ALL_SCOPE, key), p.guard(), Delta(inc={"appact": 1})
            )
    await p.refresh(data.client_id)


async def app_out(p: Projection, client_id: str, at: datetime, reason: str) -> None:
    profile = await p.views.profiles.get(client_id) or {}
    app = dict(profile.get("app") or {})
    changed = app.get("changed_at")
    if changed and moment(changed) > at:
        return  # an older fact arriving late
    app.update(has=False, changed_at=at, out_reason=reason)
    await p.profile_update(client_id, Delta(set={"app": app}))
    await p.refresh(client_id)


async def notified(p: Projection, client_id: str, at: datetime) -> None:
    """A message sent to the client counts as contact (the 12 months start again)."""
    profile = await p.views.profiles.get(client_id)
    if profile is None:
        return
    app = dict(profile.get("app") or {})
    last = app.get("last_notified")
    if last and moment(last) >= at:
        return
    app["last_notified"] = at
    await p.profile_update(client_id, Delta(set={"app": app}))
    await p.refresh(client_id)
