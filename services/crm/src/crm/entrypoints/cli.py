from __future__ import annotations

from plumbing.runner import main as run

from crm.config import Settings
from crm.entrypoints.service import definition


def main() -> None:
    run(definition, Settings())
