from __future__ import annotations

from plumbing.runner import main as run

from ranks.config import Settings
from ranks.entrypoints.service import definition


def main() -> None:
    run(definition, Settings())
