"""Held-out figures of a trained detector (scripts/train_detector.py --report): rules alone
against rules + model on the held-out batches, and the recall cost of the false-alarm budget.
Split from the trainer so each stays a file one can read; it reuses the trainer's fit."""

from __future__ import annotations

from typing import Any

import numpy as np
from train_detector import (
    HOLDOUT_BATCH,
    MAX_FA,
    R4_MARK,
    R5_MARK,
    R6_MARK,
    Fit,
    build_detector,
    choose_thresholds,
)


def oof_figures(fit: Fit, thresholds: dict[str, int]) -> dict[str, float]:
    """Rules + model on the out-of-fold split at these thresholds (the split they come from)."""
    level = np.where(fit.oof[:, 1] >= thresholds["risk3"], 3,
                     np.where(fit.oof[:, 0] >= thresholds["risk2"], 2, 0))
    level = np.where(fit.blocked | (fit.rules >= 3), 0, level)
    final = np.maximum(fit.rules, level)
    zero, high = fit.crisis == 0, fit.crisis >= 3
    return {"fa": float((final[zero] >= 2).mean()), "fa_rules": float((fit.rules[zero] >= 2).mean()),
            "recall": float((final[high] >= 2).mean()),
            "recall_rules": float((fit.rules[high] >= 2).mean())}


def report(fit: Fit) -> None:
    """Held-out batch figures, rules alone and rules + model, and the recall cost of the
    false-alarm budget: thresholds at several budgets, on the out-of-fold split and the batch."""
    from moderation.evaluation import by_key, markdown_table, run, summarise

    det = build_detector(fit.data)
    later = (R4_MARK, R5_MARK, R6_MARK)
    groups = {f"team batch {HOLDOUT_BATCH}": [e.case for e in fit.held
                                              if not any(m in e.source for m in later)],
              "fourth-round lines (1 in 7)": [e.case for e in fit.held if R4_MARK in e.source],
              "fifth-round lines (1 in 7)": [e.case for e in fit.held if R5_MARK in e.source],
              "seventh-round lines (1 in 5)": [e.case for e in fit.held if R6_MARK in e.source]}
    cases = groups[f"team batch {HOLDOUT_BATCH}"]
    for name, group in groups.items():
        if not group:
            continue
        for title, fn in (("rules alone", det.rules_only), ("rules + model", det.detect)):
            outs = run(group, fn)
            print(f"\n### Held out, {name}: {title}\n")
            print(markdown_table({"all": summarise(outs)}, "slice"))
            print(markdown_table(by_key(outs, lambda o: o.case.lang), "language"))
            print(markdown_table(by_key(outs, lambda o: o.case.group), "kind"))
    print("\n### The false-alarm budget and its recall cost\n")
    print("| FA budget (rules + model, out-of-fold split) | thresholds | out-of-fold FA "
          "(rules + model) | out-of-fold recall 3-4 | batch FA | batch recall 3-4 | "
          "batch recall 4 scored ≥3 | r4 held-out FA | r4 recall 3-4 | r4 recall 4 scored ≥3 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    r4 = groups["fourth-round lines (1 in 7)"]
    for budget in (0.025, MAX_FA, 0.035, 0.04, 0.05):
        th = choose_thresholds(fit.oof, fit.rules, fit.crisis, fit.blocked, budget)
        variant = dict(fit.data)
        variant["model"] = {**fit.section, "thresholds": {**fit.section["thresholds"], **th}}
        vdet = build_detector(variant)
        s = summarise(run(cases, vdet.detect))
        s4 = summarise(run(r4, vdet.detect)) if r4 else {}
        o = oof_figures(fit, th)
        print(f"| {budget:.3f} | {th['risk2']} / {th['risk3']} | {o['fa']:.3f} "
              f"(rules {o['fa_rules']:.3f}) | {o['recall']:.3f} (rules {o['recall_rules']:.3f}) "
              f"| {_f(s, 'false_alarm')} | {_f(s, 'recall_high')} | {_f(s, 'recall_imminent')} "
              f"| {_f(s4, 'false_alarm')} | {_f(s4, 'recall_high')} | {_f(s4, 'recall_imminent')} |")


def _f(summary: dict[str, Any], key: str) -> str:
    v = summary.get(key)
    return "—" if v is None else f"{v:.3f}"
