"""A client's login to the app: one per card, made the first time someone proves (with a
one-time code) that they hold an e-mail address or phone number on that card.

The login is keyed by the card, so two contacts of one card lead to one login, and a
code sent to a contact only ever opens the card that holds that contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class ClientLogin:
    id: str  # the token's `sub`
    studio: str
    client_id: str
    created_at: datetime
    # Signing out everywhere (the app's own sign-out of every device) moves it on.
    sessions_epoch: int = 0
