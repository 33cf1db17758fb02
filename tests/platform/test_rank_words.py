"""R1: the word a studio chose for its ranks (Belts, Rankings, Challenges) reads the same in
the ranks context's labels and errors and in the notifications it causes."""

from __future__ import annotations

import pytest
from notifications.domain.templates import rank_word
from ranks.domain.categories import Terminology
from ranks.domain.words import LABELS


@pytest.mark.parametrize("language", sorted(LABELS))
@pytest.mark.parametrize("terminology", list(Terminology))
def test_notifications_use_the_word_the_ranks_context_shows(
    terminology: Terminology, language: str
) -> None:
    assert rank_word(terminology.value, language) == LABELS[language][terminology].singular
