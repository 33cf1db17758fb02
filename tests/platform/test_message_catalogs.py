"""Every context's catalog (`<ctx>/messages.py`, ranks' words, the timeline's lines): a
sentence in es, it and en for every code, and no translation naming a parameter the
English sentence does not (docs/contract.md, "Language")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from clients.messages import IMPORT_FAILURES
from clients.messages import MESSAGES as CLIENTS
from crm.domain.timeline import TEMPLATES
from crm.messages import MESSAGES as CRM
from identity.messages import MESSAGES as IDENTITY
from loyalty.messages import MESSAGES as LOYALTY
from notifications.messages import MESSAGES as NOTIFICATIONS
from plumbing.error_codes import UserErrorCode
from plumbing.i18n import LANGUAGES, Catalog, catalog_problems, placeholders
from ranks.domain.categories import Terminology
from ranks.domain.words import MESSAGES as RANKS
from ranks.domain.words import catalog

ROOT = Path(__file__).resolve().parents[2]

CATALOGS: dict[str, Catalog] = {
    "clients": CLIENTS,
    "crm": CRM,
    "identity": IDENTITY,
    "loyalty": LOYALTY,
    "notifications": NOTIFICATIONS,
    **{f"ranks ({t.value})": catalog(t) for t in Terminology},
    "crm timeline": TEMPLATES,
    "clients import failures": IMPORT_FAILURES,
}


@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_every_code_has_es_it_en_naming_only_known_parameters(name: str) -> None:
    assert catalog_problems(CATALOGS[name]) == []


def test_ranks_words_are_complete_in_every_language() -> None:
    assert {lang: sorted(codes) for lang, codes in RANKS.items()} == {
        lang: sorted(RANKS["en"]) for lang in RANKS
    }


@pytest.mark.parametrize("name", ["clients", "crm", "loyalty", "ranks (BELTS)"])
def test_refusal_catalogs_hold_contract_codes(name: str) -> None:
    assert sorted(set(CATALOGS[name]) - set(UserErrorCode)) == []


def test_the_gateways_own_errors_have_es_it_en_over_their_patterns_params() -> None:
    """gateway/messages.json: a sentence per language naming only the params its pattern
    captures (or, for errors the gateway builds itself, the English sentence names)."""
    entries = json.loads((ROOT / "gateway" / "messages.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    for name, entry in entries.items():
        if name.startswith("_"):
            continue
        captured = set(re.findall(r"\(\?<(\w+)>", entry["pattern"]))
        for lang in LANGUAGES:
            unknown = placeholders(entry.get(lang) or "{?}") - captured - placeholders(entry["en"])
            if not entry.get(lang) or unknown:
                problems.append(f"{name} ({lang}): {sorted(unknown) or 'no sentence'}")
        re.compile(entry["pattern"].replace("(?<", "(?P<"))
    assert problems == []
