"""What happens after matching: the joking and quoting context effects, and the learned
model's decision rule (it may raise a message to 2 or 3, never lower a rule's verdict and never
say 4). Definitions in docs/detection.md ("Context rules", "The learned component"). Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from moderation.model import Model
from moderation.normalize import Normalised
from moderation.result import FLAG_ORDER, Detection, Match
from moderation.tokenize import APOSTROPHE, Token, is_word_char

CATEGORY_PERSONAL = "personal_data"
CATEGORY_DOXXING = "doxxing"
# Not a rule's crisis verdict: the model may still raise a message with personal data.
NOT_CRISIS = frozenset((CATEGORY_PERSONAL, CATEGORY_DOXXING))
# Quotation marks after normalisation (typographic ones included). A single quote (normalised
# to an apostrophe) quotes only at a word's edge: "don't" holds an apostrophe, 'kys' a quote.
QUOTE_CHARS = frozenset('"“”„«»')


# Flags by which the rules set a crisis phrase aside in its context ("support": the frame head
# read the frame the rules left open as support, seventh round).
CONTEXT_FLAGS = frozenset(("idiom", "negated", "past", "reported", "quoted", "answered",
                           "addressed", "support", "joking"))
# Seventh round: the categories the frame head may lower (the writer's own crisis words; never
# harassment, which may be aimed at a peer, nor violence or abuse: a threat is speech too), and
# the level it lowers them to (a gentle note, like reported speech). It never lowers level 4.
SUPPORT_CATEGORIES = frozenset(("suicide", "self_harm", "distress", "overdose", "relapse"))
SUPPORT_CAP = 1
SUPPORT_MAX = 3


def support_gate(det: Detection, in_frame: Callable[[Match], bool]) -> bool:
    """May the frame head lower this rules verdict? Its crisis level is 2 or 3 and every match
    that raises it is of a SUPPORT_CATEGORIES category and lies in a frame (``in_frame``: inside
    quotation marks, or every sentence it touches holds a speech, reporting, question, address
    or topic cue)."""
    raised = [m for m in det.matches if m.severity >= 2 and m.category not in NOT_CRISIS]
    return (bool(raised) and max(m.severity for m in raised) <= SUPPORT_MAX
            and all(m.category in SUPPORT_CATEGORIES and in_frame(m) for m in raised))


def lower_to_support(det: Detection, all_categories: Sequence[str]) -> Detection:
    """The verdict with its raising crisis matches capped at SUPPORT_CAP, flag ``support``."""
    matches = []
    for m in det.matches:
        if m.severity >= 2 and m.category not in NOT_CRISIS:
            flags = tuple(f for f in FLAG_ORDER if f in m.flags or f == "support")
            m = Match(rule=m.rule, category=m.category, severity=SUPPORT_CAP,
                      base_severity=m.base_severity, span=m.span, flags=flags)
        matches.append(m)
    found = {m.category for m in matches if m.severity > 0}
    return Detection(severity=max((m.severity for m in matches), default=0),
                     categories=tuple(cat for cat in all_categories if cat in found),
                     matches=tuple(matches), language=det.language)


def set_aside(matches: Sequence[Match]) -> bool:
    """Did the rules find a crisis phrase (base level 2 or more) and set it aside below 2 by its
    context (an idiom, a negation, the past, reported speech, a quote, a "no" to a question,
    support addressed to the reader, a joke)? Then the model, which sees words but not their
    context, may not raise the message."""
    return any(m.base_severity >= 2 and m.severity < 2 and m.category not in NOT_CRISIS
               and not CONTEXT_FLAGS.isdisjoint(m.flags) for m in matches)


def with_model(
    model: Model, det: Detection, norm: Normalised, tokens: Sequence[Token], truncated: bool,
    in_frame: Callable[[Match], bool] | None = None,
) -> Detection:
    """The rules' verdict, raised by the learned model where it vouches for a higher level
    (2 or 3, never 4) than the rules' crisis verdict, unless the rules set a crisis phrase
    aside by its context (``set_aside``); it adds one match (rule ``model.<category>``, flag
    ``model``) spanning the message. Seventh round: where the rules' verdict passes
    ``support_gate`` (2-3, the writer's own categories, every raising match in a frame) and the
    frame head vouches that the words are support, those matches are capped at SUPPORT_CAP
    instead (flag ``support``), and nothing is raised."""
    if not tokens:
        return det
    crisis = max((m.severity for m in det.matches if m.category not in NOT_CRISIS), default=0)
    if (model.has_frame and in_frame is not None and 2 <= crisis <= SUPPORT_MAX
            and support_gate(det, in_frame) and model.lowers(tokens)):
        return lower_to_support(det, model.all_categories)
    if crisis >= 3 or set_aside(det.matches):
        return det  # the model cannot add anything, or the rules read the words in context
    level = model.level(model.risk(tokens))
    if level <= crisis:
        return det
    category = model.category(tokens)
    flags = ("model", "truncated") if truncated else ("model",)
    added = Match(rule=f"model.{category}", category=category, severity=level,
                  base_severity=level, span=norm.original_span(tokens[0].start, tokens[-1].end),
                  flags=flags)
    matches = sorted((*det.matches, added), key=lambda m: (m.span[0], m.span[1], m.rule))
    found = {m.category for m in matches if m.severity > 0}
    return Detection(severity=max(det.severity, level),
                     categories=tuple(cat for cat in model.all_categories if cat in found),
                     matches=tuple(matches), language=det.language)


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """(open, close) positions of quotation-mark pairs, paired in order of appearance; then
    single-quote pairs: an opening one before a word and after a non-word character (or the
    start), closed by the next one after a non-space character and before a non-word
    character (or the end): "when he said 'go hang yourself' i reported it"."""
    marks = [i for i, ch in enumerate(text) if ch in QUOTE_CHARS]
    out = list(zip(marks[0::2], marks[1::2], strict=False))
    if APOSTROPHE not in text:
        return out
    n = len(text)
    opened = -1
    for i, ch in enumerate(text):
        if ch != APOSTROPHE:
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < n else " "
        if opened >= 0:
            if before not in " \t\n" and not is_word_char(after):
                out.append((opened, i))
                opened = -1
        elif not is_word_char(before) and is_word_char(after):
            opened = i
    return sorted(out)


def cap_joking(matches: Sequence[Match], caps: Mapping[str, int]) -> list[Match]:
    """A laugh in the message ("ill kill you lol 😂") caps these categories' matches (violence
    at 0; the writer's own crisis words at 1, still worth a gentle word)."""
    out = []
    for m in matches:
        cap = caps.get(m.category)
        if cap is not None and m.severity > cap:
            flags = tuple(f for f in FLAG_ORDER if f in m.flags or f == "joking")
            m = Match(rule=m.rule, category=m.category, severity=cap,
                      base_severity=m.base_severity, span=m.span, flags=flags)
        out.append(m)
    return out
