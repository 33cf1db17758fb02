"""Sessions: one per sign-in, kept alive by rotating refresh tokens.

A refresh token is `rt.<session>.<generation>.<secret>`. Each refresh answers the next
generation with a new secret and retires the one presented; presenting a retired
generation again means the token was copied (reuse), so the whole session is revoked
and both holders must sign in again (OAuth 2.0 Security BCP, refresh token rotation).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from identity.domain.people import IdentityRefused

ACCESS_TOKEN_SECONDS = 5 * 60
REFRESH_IDLE = timedelta(days=14)
REFRESH_ABSOLUTE = timedelta(days=60)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class Session:
    id: str
    person: str
    studio: str
    generation: int
    secret_hash: str
    epoch: int
    started_at: datetime
    refreshed_at: datetime
    revoked: str | None = None  # why: SIGNED_OUT, REUSED, REVOKED
    # A client's session (the app): their card; `person` is then their client login.
    client_id: str | None = None

    def refresh_token(self, secret: str) -> str:
        return f"rt.{self.id}.{self.generation}.{secret}"


@dataclass(frozen=True)
class RefreshToken:
    session: str
    generation: int
    secret: str


def parse_refresh_token(token: str) -> RefreshToken:
    parts = token.strip().split(".")
    if len(parts) != 4 or parts[0] != "rt" or not parts[2].isdigit() or not parts[3]:
        raise IdentityRefused("not a refresh token", "REFRESH_TOKEN_INVALID")
    return RefreshToken(parts[1], int(parts[2]), parts[3])


def ended(session: Session, epoch: int | None) -> bool:
    """Whether a session has ended before its tokens expire: signed out, revoked for
    reuse, or its holder signed out everywhere since it began (their sessions epoch moved
    on); `epoch` None: the holder is gone."""
    return bool(session.revoked) or epoch is None or session.epoch != epoch


def rotate(
    session: Session | None,
    token: RefreshToken,
    *,
    epoch: int,
    new_secret: str,
    now: datetime,
    studio: str | None = None,
) -> Session:
    """The session after a refresh with `token`, or IdentityRefused. A reuse is reported
    with code REFRESH_TOKEN_REUSED after the caller saves the session revoked (see
    `revoked_for_reuse`)."""
    if session is None:
        raise IdentityRefused("this refresh token is not known", "REFRESH_TOKEN_INVALID")
    if session.revoked:
        raise IdentityRefused("this session has ended; sign in again", "SESSION_REVOKED")
    if session.epoch != epoch:
        raise IdentityRefused("signed out everywhere; sign in again", "SESSION_REVOKED")
    if now - session.refreshed_at > REFRESH_IDLE or now - session.started_at > REFRESH_ABSOLUTE:
        raise IdentityRefused("this session has expired; sign in again", "SESSION_EXPIRED")
    if token.generation != session.generation or not hmac.compare_digest(
        secret_hash(token.secret), session.secret_hash
    ):
        raise IdentityRefused("this refresh token was already used", "REFRESH_TOKEN_REUSED")
    session.generation += 1
    session.secret_hash = secret_hash(new_secret)
    session.refreshed_at = now
    if studio is not None:
        session.studio = studio
    return session
