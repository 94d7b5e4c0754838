"""Context cues that speak about the conversation rather than the writer's state: a question
someone asked the writer and the writer's "no" (``asked`` + ``answer_no``), and support
addressed to the reader (``addressed``: "if you feel ...", "jos sä ...", "om du ...") in a
clause that says nothing about the writer (no ``first_person`` cue), and a phrase that is the
object of someone else's speech verb in its clause (``speech`` + ``speaker``: "people who write
kys"); sixth round: a phrase mentioned as a topic right after a ``topic`` cue ("telling someone
to ...", "if you see ...", "säger åt nån att ...") and a "no" that stands alone at the end of a
later clause (``answer_alone``: "..., ja rehellisesti en, ..."). docs/detection.md,
"Context rules". Pure: positions only, never text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from moderation.patterns import RawMatch

# Optional cue kinds read here (the engine reads past/recent/reported/joking itself).
TURN_CUE_KINDS = ("asked", "answer_no", "addressed", "first_person", "quote_source", "speech",
                  "speaker", "contrast", "topic", "answer_alone", "mention_after", "possessive",
                  "mention_before", "ask_other")
# Cue kinds that count only in the message's language ("no" is "well" in Finnish, "en" is "a"
# in Swedish).
LANGUAGE_BOUND_CUES = frozenset(("answer_no", "answer_alone"))
# Cue kinds that open a frame in their sentence (seventh round; the engine adds reported speech):
# the frame head may lower a verdict only there (moderation/verdict.py, ``support_gate``).
FRAME_CUE_KINDS = frozenset(("asked", "addressed", "quote_source", "speech", "topic",
                             "mention_after", "mention_before", "ask_other"))
# A topic cue governs a phrase right after it ("telling someone to kill themselves"), or, for
# harassment, one that starts at most this many tokens after it ("jos näet chatissa kys").
TOPIC_GAP = 3


@dataclass(slots=True)
class TurnCues:
    """Where the conversational cues of one message lie (token positions, clause numbers)."""

    asked: list[tuple[int, int]] = field(default_factory=list)  # (sentence, first token)
    # (clause, first, last) of questions put to someone else ("ask them if", "kysykää onko")
    asked_at: list[tuple[int, int, int]] = field(default_factory=list)
    # (clause, first token, several tokens: "said no" counts anywhere after the question)
    answers: list[tuple[int, int, bool]] = field(default_factory=list)
    addressed: set[int] = field(default_factory=set)  # clauses
    first_person: set[int] = field(default_factory=set)  # clauses
    quote_sources: set[int] = field(default_factory=set)  # sentences
    # Clause structure of reported speech: (clause, token) of speech verbs (first token), of
    # third-party subjects and relative pronouns (last token), and of first-person words.
    speech: list[tuple[int, int]] = field(default_factory=list)
    subjects: list[tuple[int, int, bool]] = field(default_factory=list)  # (.., .., own)
    # (clause, token) of reported-speech cues and the tokens of contrast words ("but", "mut")
    reported_at: list[tuple[int, int]] = field(default_factory=list)
    contrast: list[int] = field(default_factory=list)
    topics: list[tuple[int, int]] = field(default_factory=list)  # (clause, last token)
    alone: list[tuple[int, int, int]] = field(default_factory=list)  # (clause, first, last)
    # First tokens of message nouns a harassment phrase can name ("kys comments", "kys-kommentit")
    mention_after: set[int] = field(default_factory=set)
    # Last tokens of speaking verbs used as nouns ("saying kys is never a joke", seventh round)
    mention_before: set[int] = field(default_factory=set)
    # Sentences holding a frame cue (speech, reporting, a question, address, a topic, a named
    # source or message): where the frame head may lower a verdict (seventh round).
    frames: set[int] = field(default_factory=set)
    frame_clauses: set[int] = field(default_factory=set)  # clauses holding a frame cue
    # First and last token of each quotation (seventh round): a first-person word inside the
    # quotation that holds the phrase is the quoted speaker's, not the writer's.
    quote_spans: list[tuple[int, int]] = field(default_factory=list)

    def add(self, kind: str, m: RawMatch, sentence_of: Sequence[int],
            clause_of: Sequence[int]) -> None:
        """Record one cue match of a kind in TURN_CUE_KINDS."""
        if kind in FRAME_CUE_KINDS:
            self.frames.add(sentence_of[m.first])
            self.frame_clauses.add(clause_of[m.first])
        if kind == "asked":
            self.asked.append((sentence_of[m.first], m.first))
        elif kind == "ask_other":
            self.asked_at.append((clause_of[m.first], m.first, m.last))
        elif kind == "answer_no":
            self.answers.append((clause_of[m.first], m.first, m.last > m.first))
        elif kind == "addressed":
            self.addressed.add(clause_of[m.first])
        elif kind == "quote_source":
            self.quote_sources.add(sentence_of[m.first])
        elif kind == "speech":
            self.speech.append((clause_of[m.first], m.first))
        elif kind == "speaker":
            self.subjects.append((clause_of[m.last], m.last, False))
        elif kind == "contrast":
            self.contrast.append(m.first)
        elif kind == "topic":
            self.topics.append((clause_of[m.last], m.last))
        elif kind == "answer_alone":
            self.alone.append((clause_of[m.first], m.first, m.last))
        elif kind == "mention_after":
            self.mention_after.add(m.first)
        elif kind == "mention_before":
            self.mention_before.add(m.last)
        elif kind == "possessive":
            # "my counsellor says ...", "mun terapeutti sanoo ...": the word after a possessive
            # is a third party, the subject of a speech verb after it (seventh round).
            after = m.last + 1
            if after < len(clause_of) and clause_of[after] == clause_of[m.last]:
                self.subjects.append((clause_of[after], after, False))
        else:
            self.first_person.add(clause_of[m.first])
            self.subjects.append((clause_of[m.first], m.first, True))

    def answered(self, m: RawMatch, sentence_of: Sequence[int],
                 clause_of: Sequence[int]) -> bool:
        """The match is the content of a question put to the writer ("the nurse asked if I
        have suicidal thoughts") that the writer answers "no" in a later clause."""
        if not self.answers and not self.alone:
            return False
        sent = sentence_of[m.first]
        if not any(s == sent and first < m.first for s, first in self.asked):
            return False
        end_clause = clause_of[m.last]
        # A bare "no" must open a later clause ("... if I'd hurt myself. no"); "and no one
        # listened" is no answer.
        if any(first > m.last and (k > end_clause or several)
               for k, first, several in self.answers):
            return True
        # An answer that ends a later clause ("..., ja rehellisesti en, oon vaan väsyny"), not
        # one that begins a longer one ("..., en tiiä").
        n = len(clause_of)
        return any(first > m.last and k > end_clause and (last + 1 == n or clause_of[last + 1] != k)
                   for k, first, last in self.alone)

    def addressed_to_reader(self, m: RawMatch, clause_of: Sequence[int]) -> bool:
        """The match lies in a clause addressed to the reader that has no first-person word
        ("if you feel you can't go on, call ...")."""
        clause = clause_of[m.first]
        if clause not in self.addressed:
            return False
        if clause not in self.first_person:
            return True
        q = self._quote_of(m)  # 'if someone says "i want to die", stay with them'
        return q is not None and not any(own and k == clause and not q[0] <= p <= q[1]
                                         for k, p, own in self.subjects)

    def _quote_of(self, m: RawMatch) -> tuple[int, int] | None:
        """The quotation (first, last token) that holds the match, if any."""
        return next(((f, la) for f, la in self.quote_spans if f <= m.first and m.last <= la),
                    None)

    def quoted_from_other(self, m: RawMatch, sentence_of: Sequence[int]) -> bool:
        """The sentence says whose words these are: the reader's or someone else's."""
        return sentence_of[m.first] in self.quote_sources

    def framed(self, m: RawMatch, clause_of: Sequence[int], own_words_ok: bool) -> bool:
        """The match is mentioned as a topic (right after a ``topic`` cue of its clause, for
        harassment at most TOPIC_GAP tokens after it with no first-person word between; or a
        harassment phrase right before a message noun: "kys comments"), or it is the object of a speech verb
        whose subject is someone else, in its clause: "people who write kys", "se joka sano et tapa ittes", "dem som skriver ta
        livet av dig". The subject is the nearest subject word before the verb (a third party
        or relative pronoun, not the writer: "i keep saying kys" stays). Unless
        ``own_words_ok`` (harassment: "the guy who told me to kys"), no first-person word may
        stand between the verb and the match ("they said i'd get better but i want to die")."""
        clause = clause_of[m.first]
        # A topic cue: the phrase right after it (harassment: up to TOPIC_GAP tokens after it,
        # no first-person word between); "if you see this i'm taking all my pills tonight" is
        # the writer's own.
        reach = TOPIC_GAP if own_words_ok else 0
        if own_words_ok and m.last + 1 in self.mention_after and clause_of[m.last + 1] == clause:
            return True  # the phrase names a kind of message: "kys comments are removed"
        if own_words_ok and m.first - 1 in self.mention_before and clause_of[m.first - 1] == clause \
                and not any(own and k == clause and p < m.first for k, p, own in self.subjects):
            return True  # spoken of: "saying kys to anyone is never a joke" (not "im saying kys")
        for k, last in self.topics:
            if k == clause and last < m.first <= last + 1 + reach and not any(
                    own and q == clause and last < p < m.first for q, p, own in self.subjects):
                return True  # "telling someone to kill themselves", "if you see kys in a thread"
        verb = max((v for k, v in self.speech if k == clause and v < m.first), default=-1)
        if verb < 0:
            return False
        subject = max(((p, own) for k, p, own in self.subjects if k == clause and p < verb),
                      default=None, key=lambda s: (s[0], s[1]))
        if subject is None or subject[1]:
            return False
        q = self._quote_of(m)  # "people who type 'i want to die'": the quoted speaker's "i"
        return own_words_ok or not any(
            own and k == clause and verb < p < m.first and not (q and q[0] <= p <= q[1])
            for k, p, own in self.subjects)

    def own_after_frame(self, first: int, sentence_of: Sequence[int],
                        clause_of: Sequence[int]) -> bool:
        """The writer speaks for themselves after a frame: a contrast word before the match in
        its sentence ('someone said "it gets better" but i want to die'), or a first-person
        word before it in a clause of its own without a frame cue ('jos joku sanoo ”kyl se
        siitä”, mä haluun silti kuolla'). Then the frame head may not lower it."""
        sent, clause = sentence_of[first], clause_of[first]
        if any(q < first and sentence_of[q] == sent for q in self.contrast):
            return True
        return clause not in self.frame_clauses and any(
            own and k == clause and p < first for k, p, own in self.subjects)

    def asked_of_other(self, m: RawMatch, clause_of: Sequence[int]) -> bool:
        """The match is the content of a question put to someone else, in its clause, with no
        first-person word from the question word to the match's end ("ask them if they have
        thought about suicide", "kysy onko sillä itsemurha-ajatuksia", "fråga om hen har
        självmordstankar"; not "she asked if i want to die")."""
        clause = clause_of[m.first]
        return any(k == clause and last < m.first and not any(
            own and q == clause and first <= p <= m.last for q, p, own in self.subjects)
            for k, first, last in self.asked_at)

    def reported_here(self, m: RawMatch, clause_of: Sequence[int]) -> bool:
        """A reported-speech cue of the match's clause still governs it: not one before it
        that a contrast word ("but", "mut", "men") stands between ("they said it gets better
        but i still want to die" is the writer's own)."""
        clause = clause_of[m.first]
        return any(k == clause and not (pos < m.first and any(pos < q < m.first
                                                                for q in self.contrast))
                   for k, pos in self.reported_at)
