"""Benchmark the crisis-language detector against a naive baseline in the same process.

Usage: .venv/bin/python bench/detector_bench.py [--messages N] [--write]

Messages are realistic chat lines in fi/sv/en drawn with a fixed seed: 70 % everyday lines
(greetings, recovery talk, the 'ordinary' and 'recovery' evaluation cases), 20 % hard level 0-1
cases (idioms, negation, supportive replies) and 10 % crisis lines. Measured, per message:
- ``detect``: the full pipeline (normalisation, tokens, lexicon, idioms, negation, context,
  combinations, personal data);
- ``tokens + lexicon``: tokenising and the first-token index alone;
- ``naive regex``: ONE big ``re`` alternation of the same lexicon phrases (expanded optional
  tokens, prefixes as ``\\w*``, gaps as ``(?:\\w+\\W+){lo,hi}``), run on the lower-cased text.
  It does less work (no normalisation, negation or context) and still costs more, because an
  alternation is tried at every position.
Each is timed with the lexicon as shipped and with 10x synthetic filler entries added, to
show which cost grows with the lexicon. CPU time (``time.process_time``) is reported because
the machine is shared; a calibration loop is printed so figures can be compared across runs.
--write replaces the detector section of docs/benchmarks.md with the table.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import build_detector  # noqa: E402
from moderation.data import load_default_data  # noqa: E402
from moderation.engine import Detector  # noqa: E402
from moderation.patterns import Gap  # noqa: E402

SEED = 20261126
EVERYDAY = [
    "moi kaikki, mitä kuuluu? mulla oli tänään aika rankka päivä töissä mut nyt on ihan ok olo",
    "kävin aamulla lenkillä ja sen jälkeen kaupassa, illalla ajattelin kattoa jonkun leffan",
    "kiitos kun kerroit, mullakin oli samanlaista alussa kun lopetin juomisen",
    "huomenna on ryhmä taas seittemältä, nähdäänkö siellä?",
    "mun sponssi sano että päivä kerrallaan, ja niin se on menny nyt kolme kuukautta",
    "en ole juonut nyt kuuteen viikkoon, välillä tekee vähän tiukkaa mut pärjään",
    "onks kellään vinkkejä miten saa nukuttua paremmin ilman lääkkeitä?",
    "tää ryhmä on kyllä auttanu mua tosi paljon, kiitos kaikille",
    "hej allihopa! idag har jag varit nykter i två månader, känns skönt",
    "jobbet var stressigt idag men jag gick på ett möte efteråt och det hjälpte",
    "hur gör ni när suget kommer på kvällarna? jag brukar ringa min sponsor",
    "vi ses på torsdag, ta hand om er",
    "jag har börjat träna igen och det gör verkligen skillnad för humöret",
    "hey everyone, just checking in. work was long but I'm still sober, day 43",
    "my sponsor says to call her before I pick up, not after, which makes sense",
    "does anyone have tips for weekends? that's when it's hardest for me",
    "I went to a meeting this morning and it really helped, thanks for the suggestion",
    "haha my cat knocked the coffee off the table again, this animal is killing me",
    "thank you all, I really needed to hear that tonight",
    "see you next week, take care everyone",
    "ok",
    "kiitos",
    "tack",
    "same here",
    "samaa mieltä",
    "👍",
    "mä oon nyt ollu kaks viikkoo ilman, tänään oli eka päivä kun ei edes tehny mieli",
    "mitä te teette viikonloppuisin kun ei enää käy baarissa? mulla on ollu tylsää",
    "kävin A-klinikalla juttelemassa ja se oli parempi kuin odotin",
    "äiti soitti tänään ja puhuttiin pitkästä aikaa ihan kunnolla",
    "onko joku muu huomannu että uni paranee kun ei juo? mulla ainakin",
    "hyvää yötä kaikille, nähdään torstaina samaan aikaan",
    "tänään oli vähän huono päivä, mutta kävin kävelyllä ja se auttoi",
    "tervetuloa uudet! täällä saa kertoa omaan tahtiin",
    "mulla on huomenna lääkäri, jännittää vähän mitä se sanoo maksa-arvoista",
    "sain tänään palkan ja maksoin ekana vuokran, ennen se meni ihan muualle",
    "jag har lagat mat hela kvällen och känner mig faktiskt ganska nöjd",
    "min dotter hälsade på idag, det var första gången på länge",
    "hur länge tog det innan ni kunde sova ordentligt igen?",
    "tack för att ni lyssnar, det betyder mycket",
    "i helgen ska jag till stugan med min bror, utan alkohol den här gången",
    "jag gick på promenad i skogen, det hjälper alltid",
    "god kväll allihop, hur har veckan varit?",
    "I've been sleeping better since I stopped, which is honestly the best part",
    "made it through the office party without drinking, feeling proud",
    "my daughter visited today, first time in months",
    "does anyone else get really tired in the first few weeks?",
    "I cooked dinner for my family tonight, felt normal for once",
    "welcome to the new people, share whenever you're ready",
    "the weather has been awful but I went for a walk anyway",
    "I'm going to bed early, big day tomorrow",
    "anyone watching the hockey game tonight?",
    "kiitos kaikille tästä illasta ❤️",
    "mä lähen nyt nukkuun, hyvää yötä",
    "kuulostaa tutulta, mulla oli ihan sama",
]


def load_cases() -> tuple[list[str], list[str], list[str]]:
    """(everyday, hard level 0-1, crisis level 2-4) texts from the evaluation cases."""
    everyday: list[str] = []
    hard: list[str] = []
    crisis: list[str] = []
    for f in sorted((ROOT / "tests" / "moderation" / "cases").glob("*.jsonl")):
        for line in f.read_text("utf-8").splitlines():
            c = json.loads(line)
            if c["severity"] >= 2:
                crisis.append(c["text"])
            elif c.get("group", c.get("kind")) in ("ordinary", "recovery"):
                everyday.append(c["text"])
            else:
                hard.append(c["text"])
    return everyday, hard, crisis


def messages(n: int) -> list[str]:
    """n chat lines with a fixed seed: 70 % everyday, 20 % hard level 0-1 cases (idioms,
    negation, supportive replies), 10 % crisis; a third of the everyday ones doubled up."""
    rng = random.Random(SEED)
    everyday, hard, crisis = load_cases()
    pool = everyday + EVERYDAY
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.10:
            out.append(rng.choice(crisis))
        elif r < 0.30:
            out.append(rng.choice(hard))
        elif rng.random() < 0.3:
            out.append(rng.choice(pool) + " " + rng.choice(pool))  # longer, two thoughts
        else:
            out.append(rng.choice(pool))
    return out


def with_filler(data: dict, factor: int) -> dict:
    """The data with (factor-1) x as many synthetic lexicon entries of made-up words."""
    rng = random.Random(SEED)
    data = copy.deepcopy(data)
    extra = []
    letters = "abcdefghijklmnoprstuvyäö"
    for i in range(len(data["lexicon"]) * (factor - 1)):
        words = ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9)))
                 for _ in range(rng.randint(1, 3))]
        pats = [" ".join(words), words[0][:5] + "*"]
        extra.append({"id": f"filler.{i}", "lang": ["en"], "category": "distress",
                      "severity": 1, "negation": "negatable", "patterns": pats})
    data["lexicon"] = data["lexicon"] + extra
    return data


_JS_SPECIAL = frozenset("\\^$.|?*+()[]{}/")


def _js_escape(word: str) -> str:
    return "".join("\\" + ch if ch in _JS_SPECIAL else ch for ch in word)


def naive_source(det: Detector, js: bool = False) -> str:
    """One alternation of every lexicon sequence of the compiled detector, as regex source:
    Python ``re`` syntax, or (``js``) JavaScript with the ``u`` flag, where Unicode word
    characters are spelled ``[\\p{L}\\p{N}_]`` so both baselines mean the same."""
    w, nw = (r"[\p{L}\p{N}_]", r"[^\p{L}\p{N}_]") if js else (r"\w", r"\W")
    esc = _js_escape if js else re.escape
    digits = r"[0-9]+" if js else r"\d+"
    alts = []
    c = det._c
    for seq in c.matcher._seqs:
        if c.entries[seq.entry].kind != "lexicon":
            continue
        parts = []
        for e in seq.elems:
            if isinstance(e, Gap):
                parts.append(f"(?:{w}+{nw}+){{{e.lo},{e.hi}}}")
                continue
            opts = [esc(x) for x in sorted(e.words)] + [esc(p) + w + "*" for p in e.prefixes]
            if e.num or e.qty:
                opts.append(digits + w + "*")
            parts.append("(?:" + "|".join(opts) + ")" + nw + "+")
        joined = "".join(parts)
        alts.append(joined[: -len(nw + "+")] if joined.endswith(nw + "+") else joined)
    return f"(?<!{w})(?:" + "|".join(alts) + f")(?!{w})"


def naive_regex(det: Detector) -> re.Pattern[str]:
    """The naive baseline in Python: one big ``re`` alternation (see ``naive_source``)."""
    return re.compile(naive_source(det))


def cpu_us(fn: Callable[[str], object], msgs: list[str], rounds: int = 5) -> float:
    """Best-of-rounds CPU microseconds per message."""
    for m in msgs[:200]:
        fn(m)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        for m in msgs:
            fn(m)
        best = min(best, (time.process_time() - t0) / len(msgs) * 1e6)
    return best


def calibrate() -> float:
    """CPU milliseconds for sum(range(10**6)): a yardstick for this machine."""
    t0 = time.process_time()
    for _ in range(5):
        sum(range(10**6))
    return (time.process_time() - t0) / 5 * 1000


def main(argv: list[str]) -> int:
    """Run the benchmark and print (and optionally write) the table."""
    n = int(argv[argv.index("--messages") + 1]) if "--messages" in argv else 3000
    msgs = messages(n)
    avg_len = sum(len(m) for m in msgs) / len(msgs)
    base = load_default_data()
    rows = []
    for label, factor in (("as shipped", 1), ("10x lexicon", 10)):
        det = build_detector(with_filler(base, factor))
        rx = naive_regex(det)
        c = det._c
        n_entries = sum(1 for e in c.entries if e.kind == "lexicon")

        def tokens_lexicon(m: str, c=c) -> object:
            from moderation.normalize import normalise
            return c.matcher.find(c.tokenizer.tokenize(normalise(m, c.norm).text))

        ours = cpu_us(det.detect, msgs)
        core = cpu_us(tokens_lexicon, msgs)
        naive = cpu_us(lambda m, rx=rx: list(rx.finditer(m.lower())), msgs, rounds=2)
        rows.append((label, n_entries, len(c.matcher._seqs), ours, core, naive))
    det = build_detector(base)
    everyday, hard, crisis = load_cases()
    per_class = [(name, len(ms), sum(len(m) for m in ms) / len(ms), cpu_us(det.detect, ms * 3))
                 for name, ms in (("everyday lines", everyday + EVERYDAY),
                                  ("hard level 0-1 cases", hard), ("crisis cases", crisis))]
    model = det._c.model
    share = []
    if model is not None:
        def model_alone(m: str) -> object:
            return model.risk(det.tokens(m))

        # Measured alternately in one process: the learned model's share of the cost.
        share = [("rules + model (detect)", cpu_us(det.detect, msgs)),
                 ("rules only", cpu_us(det.rules_only, msgs)),
                 ("model alone (normalise, tokens, risk heads)", cpu_us(model_alone, msgs)),
                 ("rules + model (detect), again", cpu_us(det.detect, msgs))]
    cal = calibrate()
    table = [
        f"Messages: {n} chat lines (70 % everyday, 20 % hard level 0-1, 10 % crisis; fixed "
        f"seed), mean length "
        f"{avg_len:.0f} characters. CPython {sys.version.split()[0]}. Calibration: "
        f"sum(range(10**6)) = {cal:.1f} ms CPU on this machine (a typical laptop: ~10 ms); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores while measuring.",
        "",
        "| lexicon | entries | sequences | detect µs/msg | msgs/s | tokens+lexicon µs/msg "
        "| naive regex µs/msg | naive ÷ detect |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, ne, ns, ours, core, naive in rows:
        table.append(f"| {label} | {ne} | {ns} | {ours:.1f} | {1e6 / ours:,.0f} | {core:.1f} "
                     f"| {naive:.1f} | {naive / ours:.1f}x |")
    table += ["", "By kind of line (lexicon as shipped, `detect`):", "",
              "| lines | n | mean length | detect µs/msg |", "|---|---|---|---|"]
    table += [f"| {name} | {k} | {ln:.0f} | {us:.1f} |" for name, k, ln, us in per_class]
    if share:
        table += ["", "The learned model's share (same mixed lines, measured one after another):",
                  "", "| what | µs/msg |", "|---|---|"]
        table += [f"| {name} | {us:.1f} |" for name, us in share]
    text = "\n".join(table) + "\n"
    print(text)
    if "--write" in argv:
        write_section(text)
    return 0


SECTION = "## Crisis-language detector (Python)"


def write_section(table: str) -> None:
    """Replace (or append) the Python detector section of docs/benchmarks.md."""
    from _common import DOC
    from _common import write_section as write_doc_section

    write_doc_section(DOC, SECTION, f"Command: `.venv/bin/python bench/detector_bench.py --write`\n\n{table}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
