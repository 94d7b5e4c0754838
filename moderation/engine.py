"""The detector: normalise, tokenise, match once, then apply idioms, negation, context and
combinations, and add personal-data hits. Pure and deterministic: no I/O, clock or randomness.

Order of reasoning for one lexicon match (each step documented in docs/detection.md):
1. An idiom/pseudo-trigger match overlapping it blocks it ("dying for a coffee").
2. Negation (NegEx-style): a trigger word of the message's language within ``window`` tokens
   before the match, or inside its gaps, with no clause break or terminator in between.
   ``negatable`` entries are cancelled by it ("I'm not suicidal"); ``negated_form_is_crisis``
   entries count ONLY when negated ("en halua elää" = negation + "halua elää"); ``fixed`` ignore it.
3. A past-time cue in the same sentence (and no recent-time cue) lowers: own base 3-4 → 1,
   otherwise → 0. A recent-time cue ("yesterday", "last week") keeps a recent attempt high but
   caps "happening now" (4) at 3.
4. A reported-speech cue in the same sentence caps ``self`` entries at 1 (a worried peer).
Combinations then look at the unaffected matches' tags (intent + a time, means + intent, two
farewell signs ...) and may add a higher-level match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from moderation.combine import combinations, make_match
from moderation.context import LANGUAGE_BOUND_CUES, TURN_CUE_KINDS, TurnCues
from moderation.data import Compiled, Entry
from moderation.normalize import normalise
from moderation.patterns import RawMatch
from moderation.pii import scan
from moderation.result import Detection, Match
from moderation.tokenize import MIN_SPACED_RUN, Token
from moderation.verdict import (
    CATEGORY_DOXXING,
    CATEGORY_PERSONAL,
    SUPPORT_CATEGORIES,
    cap_joking,
    quoted_ranges,
    support_gate,
    with_model,
)

MAX_TEXT_CHARS = 20_000
# Every personal-data rule needs a digit or an @; most chat lines have neither.
_PII_HINT = re.compile("[0-9@]")


class Detector:
    """A compiled detector. Build once from the parsed data file; ``detect`` is pure."""

    def __init__(self, compiled: Compiled):
        self._c = compiled
        self._marker_langs: dict[str, list[str]] = {}
        for lang, words in compiled.markers.items():
            for w in words:
                self._marker_langs.setdefault(w, []).append(lang)
        self._all_triggers = self._triggers(None)
        # Tags each combination needs: most messages lack one, and the combination is skipped.
        self._combo_need = [frozenset(combo.requires) for combo in compiled.combinations]

    def __repr__(self) -> str:
        return f"Detector(entries={len(self._c.entries)})"

    def resolve_language(self, words: Iterable[str], hint: str | None) -> str | None:
        """The language with most marker words; a known hint only breaks a tie (or stands in
        when no marker word occurs). The language picks negation triggers, never entries."""
        scores = dict.fromkeys(self._c.markers, 0)
        get = self._marker_langs.get
        for w in words:
            langs = get(w)
            if langs:
                for lang in langs:
                    scores[lang] += 1
        best = max(scores.values(), default=0)
        winners = [lang for lang, s in scores.items() if s == best]
        if hint in self._c.markers and (best == 0 or hint in winners):
            return hint
        if best == 0 or len(winners) != 1:
            return None
        return winners[0]

    def _may_match(self, raw: Sequence[tuple[str, int, int]]) -> bool:
        """False only if the verdict must be 0: no strong pattern has all its (up to two) key
        elements among the words, and the modifier entries that have them cannot complete any
        combination.

        Three or more one-letter words might be spaced-out letters: then always True.
        """
        c = self._c
        singles = 0
        slots: set[int] = set()
        memo = c.matcher.slot_memo
        for word, _, _ in raw:
            if len(word) == 1:
                singles += 1
                if singles >= MIN_SPACED_RUN:
                    return True
            got = memo.get(word)
            if got is None:
                got = c.matcher.key_slots(word, c.tokenizer.forms(word))
            if got:
                slots |= got
        strong, modifiers = c.matcher.possible(slots)
        return strong or (len(modifiers) >= 2 and self._combination_possible(modifiers))

    def _combination_possible(self, entries: Iterable[int]) -> bool:
        """Do the tags of these entries cover some combination's needs? (a superset test)"""
        tags: set[str] = set()
        for i in entries:
            tags |= self._c.entries[i].tags
        return any(need <= tags for need in self._combo_need)

    def _may_score(self, raw: Sequence[RawMatch]) -> bool:
        """A strong entry matched, or modifiers of two different entries (a combination)."""
        m = self._c.matcher
        modifiers: set[int] = set()
        for r in raw:
            if m.is_strong_entry(r.entry):
                return True
            if m.is_significant_entry(r.entry):
                modifiers.add(r.entry)
        return len(modifiers) >= 2 and self._combination_possible(modifiers)

    def _triggers(self, lang: str | None) -> frozenset[str]:
        if lang is not None and lang in self._c.neg_triggers:
            return self._c.neg_triggers[lang]
        merged: set[str] = set()
        for words in self._c.neg_triggers.values():
            merged |= words
        return frozenset(merged - self._c.neg_unknown_excluded)

    def _negated(
        self, m: RawMatch, tokens: Sequence[Token], triggers: frozenset[str], pseudo: set[int]
    ) -> bool:
        def is_trigger(i: int) -> bool:
            return i not in pseudo and tokens[i].forms[0] in triggers

        if any(is_trigger(i) for i in m.gap_tokens):
            return True
        j = m.first - 1
        while j >= 0 and m.first - j <= self._c.neg_window:
            if tokens[j + 1].clause_break or tokens[j].forms[0] in self._c.neg_terminators:
                return False
            if is_trigger(j):
                return True
            j -= 1
        return False

    def detect(self, text: str, lang: str | None = None) -> Detection:
        """Severity 0-4, categories and matches for one message (optional language hint)."""
        return self._detect(text, lang, prefilter=True)

    def tokens(self, text: str) -> tuple[Token, ...]:
        """The tokens of a message as the rules and the model see them (normalised)."""
        norm = normalise(text[:MAX_TEXT_CHARS], self._c.norm)
        return self._c.tokenizer.tokenize(norm.text)

    def rules_only(self, text: str, lang: str | None = None) -> Detection:
        """The verdict of the rules alone, without the learned model (evaluation, tests)."""
        return self._detect(text, lang, prefilter=True, use_model=False)

    def rules_frame(self, text: str, lang: str | None = None) -> tuple[Detection, bool, bool]:
        """The rules' verdict, whether the frame head could lower it (``support_gate``), and
        whether any raising match of the writer's own categories lies in a frame (training)."""
        probe: list[bool] = []
        det = self._detect(text, lang, prefilter=True, use_model=False, probe=probe)
        return (det, probe[0], probe[1]) if probe else (det, False, False)

    def _detect(
        self, text: str, lang: str | None, *, prefilter: bool, use_model: bool = True,
        probe: list[bool] | None = None,
    ) -> Detection:
        """``detect``; ``prefilter=False`` runs the full path always (tests prove they agree).
        ``probe`` (rules only): receives ``rules_frame``'s two booleans."""
        truncated = len(text) > MAX_TEXT_CHARS
        if truncated:
            text = text[:MAX_TEXT_CHARS]
        c = self._c
        model = c.model if use_model else None
        norm = normalise(text, c.norm)
        words = c.tokenizer.raw_tokens(norm.text)
        # Personal data is found first (a digit or an @ is rare): a line without any takes the
        # prefilter like every other.
        pii_hits = (scan(norm.text, c.pii_rules, c.pii_allowlist)
                    if _PII_HINT.search(norm.text) is not None else [])
        if prefilter and not pii_hits and not self._may_match(words):
            # Most chat lines: no lexicon pattern can start anywhere. Same verdict, less work.
            forms = c.tokenizer.forms
            first_forms = [forms(w)[0] for w, _, _ in words]
            nothing = Detection(severity=0, categories=(), matches=(),
                                language=self.resolve_language(first_forms, lang))
            if model is None or not words or not model.level(
                    model.risk_raw(norm.text, words, c.tokenizer.forms)):
                # No spaced letters here (``_may_match``), so the raw words are the tokens:
                # the model's score without building them; it raises very few such lines.
                return nothing
            return with_model(model, nothing, norm, c.tokenizer.from_raw(norm.text, words),
                               truncated)
        tokens = c.tokenizer.from_raw(norm.text, words)
        language = self.resolve_language((t.forms[0] for t in tokens), lang)
        # Every language's entries run on every message: people switch language mid-chat and
        # type Swedish in the Finnish interface (issue 13). The language only picks negation
        # triggers ("en" negates in Finnish, is an article in Swedish).
        raw = c.matcher.find(tokens)
        if not pii_hits and not self._may_score(raw):
            nothing = Detection(severity=0, categories=(), matches=(), language=language)
            return nothing if model is None else with_model(model, nothing, norm, tokens,
                                                             truncated)

        sentence_of: list[int] = []
        clause_of: list[int] = []
        s = k = 0
        for t in tokens:
            s += 1 if t.sentence_break else 0
            k += 1 if t.clause_break else 0
            sentence_of.append(s)
            clause_of.append(k)
        idioms: list[RawMatch] = []
        pseudo: set[int] = set()
        cue_sentences: dict[str, set[int]] = {"past": set(), "recent": set(), "reported": set()}
        lexical: list[tuple[RawMatch, Entry]] = []
        joking = bool(c.joking_caps) and any(ch in c.joking_emoji for ch in norm.text)
        turns = TurnCues()
        for m in raw:
            e = c.entries[m.entry]
            if e.kind == "lexicon":
                lexical.append((m, e))
            elif e.kind == "idiom":
                idioms.append(m)
            elif e.kind == "pseudo_negation":
                pseudo.update(range(m.first, m.last + 1))
            elif e.kind == "joking":
                joking = True
            elif e.kind in TURN_CUE_KINDS:
                # A bare "no" is an answer only in the message's language ("no" is "well" in
                # Finnish); the other conversational cues are unambiguous across the three.
                if (e.kind not in LANGUAGE_BOUND_CUES or language is None
                        or e.id.endswith("." + language)):
                    turns.add(e.kind, m, sentence_of, clause_of)
            else:
                # Past and recent cues hold for their sentence; reported speech for its clause
                # ("chefen sa att …, och jag tänkte att …" is the writer's own thought).
                unit = clause_of if e.kind == "reported" else sentence_of
                cue_sentences[e.kind].add(unit[m.first])
                if e.kind == "reported":
                    turns.reported_at.append((clause_of[m.first], m.first))
                    turns.frames.add(sentence_of[m.first])
                    turns.frame_clauses.add(clause_of[m.first])
        triggers = self._all_triggers if language is None else self._triggers(language)
        quotes = quoted_ranges(norm.text) if (
            turns.quote_sources or turns.speech or turns.addressed or any(
                e.category in c.quoted_categories for _, e in lexical)) else []
        for a, b in quotes:
            quoted_tokens = [i for i, t in enumerate(tokens) if a < t.start and t.end <= b]
            if quoted_tokens:
                turns.quote_spans.append((quoted_tokens[0], quoted_tokens[-1]))

        matches: list[Match] = []
        active: list[tuple[RawMatch, Entry]] = []
        # (rule, span) -> first and last token: where the frame head's gate looks (in_frame).
        where: dict[tuple[str, tuple[int, int]], tuple[int, int]] = {}
        for m, e in lexical:
            flags: list[str] = []
            eff = e.severity
            if any(i.first <= m.last and m.first <= i.last for i in idioms):
                flags.append("idiom")
                eff = 0
            negated = self._negated(m, tokens, triggers, pseudo)
            if e.negation == "negated_form_is_crisis" and not negated:
                continue  # "want to live" without a negation is not a match at all
            if negated and e.negation != "fixed":
                flags.append("negated")
                if e.negation == "negatable":
                    eff = 0
            sent = sentence_of[m.first]
            if sent in cue_sentences["past"] and sent not in cue_sentences["recent"]:
                flags.append("past")
                # A past attempt of one's own is history worth a word (C-SSRS lifetime item);
                # someone else's emergency years ago is recovery talk.
                high = e.severity >= 3 and e.context == "self"
                eff = min(eff, c.past_cap_high if high else c.past_cap_low)
            elif sent in cue_sentences["recent"] and e.severity > c.recent_cap:
                flags.append("recent")  # yesterday's overdose is high, not happening now
                eff = min(eff, c.recent_cap)
            quotable = e.category in c.quoted_categories
            # Reported speech: a cue in the clause, or the phrase is the object of someone
            # else's speech verb ("people who write kys", "dem som skriver ta livet av dig").
            reported = (clause_of[m.first] in cue_sentences["reported"]
                        and turns.reported_here(m, clause_of)) or (
                bool(turns.speech or turns.topics or turns.mention_after or turns.mention_before)
                and e.category in c.framed_categories
                and turns.framed(m, clause_of, quotable)) or (
                bool(turns.asked_at) and not quotable and e.category in c.framed_categories
                and turns.asked_of_other(m, clause_of))
            if e.context == "self" and reported:
                flags.append("reported")
                eff = min(eff, c.reported_cap)
            inside = bool(quotes) and any(
                a < tokens[m.first].start and tokens[m.last].end <= b for a, b in quotes)
            if quotable and (reported or inside):
                # 'someone wrote "kys" to you, that's not ok', "if someone tells you to kill
                # yourself, report it": quoted or reported to condemn it, not addressed.
                flags.append("quoted")
                eff = 0
            elif inside and turns.quoted_from_other(m, sentence_of):
                # 'you wrote "i want to die", how are you today?': someone else's words, worth
                # at most a gentle note, like reported speech.
                flags.append("quoted")
                eff = min(eff, c.reported_cap)
            if turns.answered(m, sentence_of, clause_of):
                flags.append("answered")  # "asked if I have suicidal thoughts. no, honestly"
                eff = min(eff, c.answered_cap)
            if (e.context == "self" and e.category in c.addressed_categories
                    and turns.addressed_to_reader(m, clause_of)):
                flags.append("addressed")  # "if you feel you can't go on, call the line"
                eff = min(eff, c.addressed_cap)
            if not flags or (flags == ["negated"] and e.negation == "negated_form_is_crisis"):
                active.append((m, e))
            if e.severity > 0:
                made = make_match(e.id, e.category, eff, e.severity, m, m, norm, tokens, flags)
                matches.append(made)
                where[(made.rule, made.span)] = (m.first, m.last)

        if any(e.tags for _, e in active):
            scopes = {"sentence": sentence_of, "clause": clause_of}
            quote_memo: list[list[tuple[int, int]]] = []

            def quoted(category: str, first: int, last: int) -> bool:
                if category not in c.quoted_categories:
                    return False
                if not quote_memo:
                    quote_memo.append(quotes or quoted_ranges(norm.text))
                return any(a < tokens[first].start and tokens[last].end <= b
                           for a, b in quote_memo[0])

            matches.extend(combinations(c.combinations, self._combo_need, active, norm,
                                        tokens, scopes, quoted, where))
        if joking and c.joking_caps and not any(e.tags & c.joking_unless for _, e in active):
            matches = cap_joking(matches, c.joking_caps)
        for hit in pii_hits:
            span = norm.original_span(hit.start, hit.end)
            matches.append(Match(rule=hit.rule.id, category=CATEGORY_PERSONAL,
                                 severity=hit.rule.severity, base_severity=hit.rule.severity,
                                 span=span, flags=()))
            if self._someone_elses(hit.start, hit.end, tokens):
                matches.append(Match(rule=hit.rule.id + ".other", category=CATEGORY_DOXXING,
                                     severity=hit.rule.severity,
                                     base_severity=hit.rule.severity, span=span, flags=()))
        if truncated:
            matches = [
                Match(rule=m.rule, category=m.category, severity=m.severity,
                      base_severity=m.base_severity, span=m.span, flags=(*m.flags, "truncated"))
                for m in matches
            ]
        matches.sort(key=lambda m: (m.span[0], m.span[1], m.rule))
        severity = max((m.severity for m in matches), default=0)
        found = {m.category for m in matches if m.severity > 0}
        categories = tuple(cat for cat in c.categories if cat in found)
        det = Detection(severity=severity, categories=categories, matches=tuple(matches),
                        language=language)
        frame_memo: list[list[tuple[int, int]]] = []

        def in_frame(m: Match) -> bool:
            """Inside quotation marks, or every sentence of the match holds a frame cue."""
            pos = where.get((m.rule, m.span))
            if pos is None:
                return False
            first, last = pos
            if not frame_memo:
                frame_memo.append(quotes or quoted_ranges(norm.text))
            if any(a < tokens[first].start and tokens[last].end <= b for a, b in frame_memo[0]):
                return True
            return all(s in turns.frames for s in range(sentence_of[first], sentence_of[last] + 1)
                       ) and not turns.own_after_frame(first, sentence_of, clause_of)

        if probe is not None:
            probe.append(support_gate(det, in_frame))
            probe.append(any(m.severity >= 2 and m.category in SUPPORT_CATEGORIES and in_frame(m)
                             for m in det.matches))
        return det if model is None else with_model(model, det, norm, tokens, truncated,
                                                    in_frame)

    def _someone_elses(self, start: int, end: int, tokens: Sequence[Token]) -> bool:
        """Personal data evidently someone else's: a third-person cue ("his", "hänen", "hennes",
        "lives") among the few words before or after it in the same sentence, and no
        first-person cue ("my", "mun", "min") there."""
        c = self._c
        before = [i for i, t in enumerate(tokens) if t.end <= start]
        after = [i for i, t in enumerate(tokens) if t.start >= end]
        near: list[int] = []
        for i in reversed(before[-c.pii_before:]):
            near.append(i)
            if tokens[i].sentence_break:
                break
        for i in after[:c.pii_after]:
            if tokens[i].sentence_break:
                break
            near.append(i)
        words = {tokens[i].forms[0] for i in near}
        return bool(words & c.pii_other_cues) and not words & c.pii_self_cues
