"""The frame head's training rules (scripts/train_detector.py; docs/detection.md, "Seventh
round"): which lines it learns from and how its threshold is chosen. Split from the trainer so
each stays a file one can read.

The frame head learns support and quoting against crises that quote. Trained on: every line
whose rules verdict has a raising match of the writer's own categories in a frame, every level-0
line of FRAME_KINDS, every line of kind QUOTED_SELF; label: the writer's crisis level below 2.
Its threshold: the lowest out-of-fold score (at least FRAME_MIN, a confident reading) at which
the lines it would lower (``support_gate`` passes) include at most MAX_LOWER of the training
lines labelled 3-4, and at most MAX_LOWER of those labelled 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

FRAME_KINDS = frozenset(("quoting", "support", "supportive"))
QUOTED_SELF = "quoted_self"
FRAME_MIN = 32  # one logit at the trainer's QUANT (32 steps per logit): p >= 0.73
MAX_LOWER = 0.005


def frame_population(examples: Sequence[Any], framed: np.ndarray) -> np.ndarray:
    """The lines the frame head is trained on (see the module docstring); ``framed``: the
    rules put a raising match of the writer's own categories in a frame."""
    return framed | np.array([(e.crisis == 0 and e.case.group in FRAME_KINDS)
                              or e.case.group == QUOTED_SELF for e in examples], dtype=bool)


def pick_frame_threshold(scores: np.ndarray, gate: np.ndarray, crisis: np.ndarray,
                         max_lower: float = MAX_LOWER) -> int:
    """The lowest out-of-fold frame score >= FRAME_MIN at which the lowered lines (``gate`` and
    the score at least it) hold at most ``max_lower`` of the lines labelled 3-4 and of those
    labelled 2; above every score when none does."""
    n3, n2 = max(1, int((crisis >= 3).sum())), max(1, int((crisis == 2).sum()))
    for t in np.unique(scores[gate]):
        if t < FRAME_MIN:
            continue
        low = gate & (scores >= t)
        if (low & (crisis >= 3)).sum() <= max_lower * n3 and \
                (low & (crisis == 2)).sum() <= max_lower * n2:
            return int(t)
    return int(max(scores.max(initial=0), FRAME_MIN)) + 1
