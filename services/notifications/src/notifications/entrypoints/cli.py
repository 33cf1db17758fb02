from __future__ import annotations

from plumbing.runner import main as run

from notifications.config import Settings
from notifications.entrypoints.service import definition


def main() -> None:
    run(definition, Settings())
