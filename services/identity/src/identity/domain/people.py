"""People who sign in, the studios they work for, and what each role may do there.

A person is one login (an e-mail address and a password) however many studios they work
for; `memberships` maps each studio to the person's role in it. Signing out everywhere
moves `sessions_epoch` on: every session opened under an earlier epoch is refused at its
next refresh, and its last access token dies within its lifetime (minutes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

STAFF_ROLES = ("OWNER", "ADMIN", "OPERATOR")
# Who may enrol a second factor (issue: optional for OWNER and ADMIN).
SECOND_FACTOR_ROLES = ("OWNER", "ADMIN")

# What each staff role may do, so that a console can hide what a role cannot use. The
# services enforce their own checks; this list mirrors them (docs/identity.md).
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "OWNER": (
        "clients:read",
        "clients:write",
        "loyalty:manage",
        "ranks:manage",
        "notifications:manage",
        "partners:manage",
        "staff:invite",
        "staff:invite-owner",
        "staff:revoke",
        "audit:read",
    ),
    "ADMIN": (
        "clients:read",
        "clients:write",
        "loyalty:manage",
        "ranks:manage",
        "notifications:manage",
        "partners:manage",
        "staff:invite",
        "staff:revoke",
        "audit:read",
    ),
    "OPERATOR": ("clients:read", "clients:write"),
}


class IdentityRefused(Exception):
    """A rule says no; `code` is what the caller sees."""

    def __init__(self, message: str, code: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params  # what the message names, by name (`UserError.params`)


@dataclass
class Person:
    id: str
    email: str
    name: str
    language: str
    password_hash: str
    # studio -> role (OWNER, ADMIN, OPERATOR)
    memberships: dict[str, str] = field(default_factory=dict)
    sessions_epoch: int = 0
    created_at: datetime | None = None
    # The second factor (TOTP, domain/totp.py): the confirmed secret, one being enrolled,
    # the last step a code was accepted for (no code counts twice), and the hashes of the
    # recovery codes not used yet.
    totp_secret: str | None = None
    totp_pending: str | None = None
    totp_last_step: int = -1
    recovery_hashes: list[str] = field(default_factory=list)

    def role_in(self, studio: str) -> str | None:
        return self.memberships.get(studio)

    def default_studio(self) -> str | None:
        return min(self.memberships) if self.memberships else None


def normal_email(email: str) -> str:
    text = email.strip().lower()
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain or len(text) > 254 or any(c in text for c in ": "):
        raise IdentityRefused("not an e-mail address", "EMAIL_INVALID")
    return text


PASSWORD_MINIMUM = 12
PASSWORD_MAXIMUM = 256


def check_password_rules(password: str) -> None:
    if len(password) < PASSWORD_MINIMUM:
        raise IdentityRefused(
            f"a password has at least {PASSWORD_MINIMUM} characters",
            "PASSWORD_TOO_SHORT",
            minimum=PASSWORD_MINIMUM,
        )
    if len(password) > PASSWORD_MAXIMUM:
        raise IdentityRefused(
            f"a password has at most {PASSWORD_MAXIMUM} characters",
            "PASSWORD_TOO_LONG",
            maximum=PASSWORD_MAXIMUM,
        )


def may_invite(inviter_role: str | None, role: str) -> None:
    """OWNER invites any role; ADMIN invites ADMIN and OPERATOR; nobody else invites."""
    if role not in STAFF_ROLES:
        raise IdentityRefused(f"unknown staff role {role}", "ROLE_UNKNOWN", role=role)
    if inviter_role == "OWNER" or (inviter_role == "ADMIN" and role != "OWNER"):
        return
    raise IdentityRefused("your role may not invite this role", "FORBIDDEN")
