"""Context cues that speak about the conversation rather than the writer's state: a question
someone asked the writer and the writer's "no" (``asked`` + ``answer_no``), and support
addressed to the reader (``addressed``: "if you feel ...", "jos sä ...", "om du ...") in a
clause that says nothing about the writer (no ``first_person`` cue). docs/detection.md,
"Context rules". Pure: positions only, never text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from moderation.patterns import RawMatch

# Optional cue kinds read here (the engine reads past/recent/reported/joking itself).
TURN_CUE_KINDS = ("asked", "answer_no", "addressed", "first_person", "quote_source")


@dataclass(slots=True)
class TurnCues:
    """Where the conversational cues of one message lie (token positions, clause numbers)."""

    asked: list[tuple[int, int]] = field(default_factory=list)  # (sentence, first token)
    # (clause, first token, several tokens: "said no" counts anywhere after the question)
    answers: list[tuple[int, int, bool]] = field(default_factory=list)
    addressed: set[int] = field(default_factory=set)  # clauses
    first_person: set[int] = field(default_factory=set)  # clauses
    quote_sources: set[int] = field(default_factory=set)  # sentences

    def add(self, kind: str, m: RawMatch, sentence_of: Sequence[int],
            clause_of: Sequence[int]) -> None:
        """Record one cue match of a kind in TURN_CUE_KINDS."""
        if kind == "asked":
            self.asked.append((sentence_of[m.first], m.first))
        elif kind == "answer_no":
            self.answers.append((clause_of[m.first], m.first, m.last > m.first))
        elif kind == "addressed":
            self.addressed.add(clause_of[m.first])
        elif kind == "quote_source":
            self.quote_sources.add(sentence_of[m.first])
        else:
            self.first_person.add(clause_of[m.first])

    def answered(self, m: RawMatch, sentence_of: Sequence[int],
                 clause_of: Sequence[int]) -> bool:
        """The match is the content of a question put to the writer ("the nurse asked if I
        have suicidal thoughts") that the writer answers "no" in a later clause."""
        if not self.answers:
            return False
        sent = sentence_of[m.first]
        if not any(s == sent and first < m.first for s, first in self.asked):
            return False
        end_clause = clause_of[m.last]
        # A bare "no" must open a later clause ("... if I'd hurt myself. no"); "and no one
        # listened" is no answer.
        return any(first > m.last and (k > end_clause or several)
                   for k, first, several in self.answers)

    def addressed_to_reader(self, m: RawMatch, clause_of: Sequence[int]) -> bool:
        """The match lies in a clause addressed to the reader that has no first-person word
        ("if you feel you can't go on, call ...")."""
        clause = clause_of[m.first]
        return clause in self.addressed and clause not in self.first_person

    def quoted_from_other(self, m: RawMatch, sentence_of: Sequence[int]) -> bool:
        """The sentence says whose words these are: the reader's or someone else's."""
        return sentence_of[m.first] in self.quote_sources
