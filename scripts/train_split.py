"""Which lines of the training data are held out, and the folds of the out-of-fold split
(scripts/train_detector.py; docs/detection.md, "The learned component"). Split from the trainer
so each stays a file one can read; every rule here was fixed before the figures it gives.
"""

from __future__ import annotations

import zlib

FOLDS = 4
R4_MARK = "_r4_"
R4_HOLDOUT_MOD = 7
# Fifth round (files ``*_r5_*``): held out whole in the fifth round (its hard negatives, raised
# by the rules, used up the 3 % budget). Sixth round: the rules no longer raise them, so it is
# trained on except one line in R5_HOLDOUT_MOD by a fixed hash of its text (as R4_HOLDOUT_MOD;
# fixed before any figure was seen); docs/detection.md, "Sixth round".
R5_MARK = "_r5_"
R5_HOLDOUT_MOD = 7
# Seventh round (files ``*_r6_*``, written blind for supportive quoting and the crises that
# quote): one line in R6_HOLDOUT_MOD held out by a fixed hash of its text, fixed in a commit of
# its own before the data arrived (docs/detection.md, "Seventh round").
R6_MARK = "_r6_"
R6_HOLDOUT_MOD = 5


def _r4_held(name: str, text: str) -> bool:
    """A fourth-round line held out of training (a fixed hash of its text)."""
    return R4_MARK in name and zlib.crc32(text.encode("utf-8")) % R4_HOLDOUT_MOD == 0


def _r5_held(name: str, text: str) -> bool:
    """A fifth-round line held out of training (the same kind of fixed hash, its own modulus)."""
    return R5_MARK in name and zlib.crc32(text.encode("utf-8")) % R5_HOLDOUT_MOD == 0


def r6_held(name: str, text: str) -> bool:
    """A seventh-round line (files ``*_r6_*``) held out of training: CRC-32 of its text
    divisible by R6_HOLDOUT_MOD (one in five). Public: the figures script selects with it."""
    return R6_MARK in name and zlib.crc32(text.encode("utf-8")) % R6_HOLDOUT_MOD == 0


def _fold(source: str) -> int:
    """Folds by situation: a team batch by its number (01 and 09 share one: 09 rewords 01),
    a case file by a stable hash of its name."""
    stem = source.rsplit(".", 1)[0]
    if stem.startswith("train_"):
        return int(stem.rsplit("_", 1)[1]) % FOLDS
    return sum(stem.encode()) % FOLDS
