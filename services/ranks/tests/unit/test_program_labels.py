"""`RankProgram.labels`: the studio's terminology in the request's language, or the
terminology and language a console asks for (R1)."""

from __future__ import annotations

from ranks.domain.categories import Terminology
from ranks.domain.program import Program
from ranks.graphql.types import RankProgram, RankTerminology


def test_labels_follow_the_studio_and_the_request_unless_asked_for_others() -> None:
    program = RankProgram.of(Program(enabled=True, terminology=Terminology.BELTS), "it")
    assert program.labels().singular == "cintura"
    assert program.labels(language="es").singular == "cinturón"
    other = program.labels(terminology=RankTerminology.CHALLENGES, language="en")
    assert (other.singular, other.plural) == ("challenge", "challenges")
    assert program.labels(language="fr").singular == "belt"
