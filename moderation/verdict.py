"""What happens after matching: the joking and quoting context effects, and the learned
model's decision rule (it may raise a message to 2 or 3, never lower a rule's verdict and never
say 4). Definitions in docs/detection.md ("Context rules", "The learned component"). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from moderation.model import Model
from moderation.normalize import Normalised
from moderation.result import FLAG_ORDER, Detection, Match
from moderation.tokenize import Token

CATEGORY_PERSONAL = "personal_data"
CATEGORY_DOXXING = "doxxing"
# Not a rule's crisis verdict: the model may still raise a message with personal data.
NOT_CRISIS = frozenset((CATEGORY_PERSONAL, CATEGORY_DOXXING))
# Quotation marks after normalisation (typographic ones included); apostrophes are not quotes.
QUOTE_CHARS = frozenset('"“”„«»')


def with_model(
    model: Model, det: Detection, norm: Normalised, tokens: Sequence[Token], truncated: bool
) -> Detection:
    """The rules' verdict, raised by the learned model where it vouches for a higher level
    (2 or 3, never 4) than the rules' crisis verdict. It never lowers a rule's verdict and
    adds one match (rule ``model.<category>``, flag ``model``) spanning the message."""
    if not tokens:
        return det
    crisis = max((m.severity for m in det.matches if m.category not in NOT_CRISIS), default=0)
    if crisis >= 3:
        return det  # the model cannot add anything
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
    """(open, close) positions of quotation-mark pairs, paired in order of appearance."""
    marks = [i for i, ch in enumerate(text) if ch in QUOTE_CHARS]
    return list(zip(marks[0::2], marks[1::2], strict=False))


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
