"""Invitations: an owner or admin asks someone, by e-mail, to work for a studio in a role.

The invitation's code is shown once to the inviter (only its SHA-256 is kept); whoever
holds it may accept once, within `INVITATION_LIFETIME`, and sets their password then (or
proves the one they already have, when the address already signs in elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from identity.domain.people import IdentityRefused

INVITATION_LIFETIME = timedelta(days=7)


@dataclass
class Invitation:
    id: str
    studio: str
    email: str
    role: str
    invited_by: str
    created_at: datetime
    accepted_by: str | None = None
    revoked: bool = False

    def check_open(self, now: datetime) -> None:
        if self.revoked:
            raise IdentityRefused("this invitation was withdrawn", "INVITATION_REVOKED")
        if self.accepted_by:
            raise IdentityRefused("this invitation was already accepted", "INVITATION_USED")
        if now - self.created_at > INVITATION_LIFETIME:
            raise IdentityRefused("this invitation has expired", "INVITATION_EXPIRED")
