/**
 * The pattern language and the compiled matcher (first-token index, prefilter keys).
 * Part of the detector's JavaScript port (web_client/js/detector.js is the public entry);
 * follows its Python twin moderation/patterns.py and pattern_syntax.py step by step (docs/detection.md).
 */

import { cps, foldDiacritics, memo } from './common.js';

const MAX_GAP = 3;
const COMPACT_PROBE = 3;

function parseToken(raw, classes, normWord, fold, where) {
  const optional = raw.endsWith('?') && raw.length > 1;
  const body = optional ? raw.slice(0, -1) : raw;
  const alts = [];
  for (const alt of body.split('|')) {
    if (alt.startsWith('@')) {
      if (!(alt.slice(1) in classes)) throw new Error(`${where}: unknown class ${alt}`);
      alts.push(...classes[alt.slice(1)]);
    } else alts.push(alt);
  }
  const words = new Set();
  const prefixes = [];
  const suffixes = [];
  let num = false;
  let qty = false;
  for (const alt of alts) {
    if (alt === '#num') { num = true; continue; }
    if (alt === '#qty') { qty = true; continue; }
    const isPrefix = alt.endsWith('*');
    const isSuffix = alt.startsWith('*') && !isPrefix;
    const word = normWord(isPrefix ? alt.slice(0, -1) : isSuffix ? alt.slice(1) : alt);
    if (!word || /[*#@]/.test(word)) throw new Error(`${where}: bad alternative ${alt}`);
    for (const v of fold ? [word, foldDiacritics(word)] : [word]) {
      if (isPrefix) { if (!prefixes.includes(v)) prefixes.push(v); }
      else if (isSuffix) { if (!suffixes.includes(v)) suffixes.push(v); }
      else words.add(v);
    }
  }
  return [{ tok: true, words, prefixes, suffixes, num, qty }, optional];
}

const elemKey = (e) => (e.tok
  ? `T${[...e.words].sort().join('|')}/${e.prefixes.join('|')}/${e.suffixes.join('|')}/${e.num}/${e.qty}`
  : `G${e.lo},${e.hi}`);

export function parsePattern(pattern, classes, normWord, foldSingle, where) {
  const parts = pattern.split(/\s+/).filter(Boolean);
  if (!parts.length) throw new Error(`${where}: empty pattern`);
  const nTokens = parts.filter((p) => !p.startsWith('{')).length;
  const fold = foldSingle || nTokens >= 2;
  const elems = parts.map((part) => {
    if (!part.startsWith('{')) return parseToken(part, classes, normWord, fold, where);
    const m = /^\{(\d+),(\d+)\}$/.exec(part);
    if (!m) throw new Error(`${where}: bad gap ${part}`);
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (!(lo >= 0 && lo <= hi && hi <= MAX_GAP)) throw new Error(`${where}: gap out of range`);
    return [{ tok: false, lo, hi }, false];
  });
  const optionalAt = elems.map((e, i) => (e[1] ? i : -1)).filter((i) => i >= 0);
  const out = [];
  const seen = new Set();
  // Same order as itertools.product((False, True), repeat=n): the first position varies slowest.
  for (let mask = 0; mask < (1 << optionalAt.length); mask++) {
    const dropped = new Set();
    optionalAt.forEach((pos, bit) => {
      if (mask & (1 << (optionalAt.length - 1 - bit))) dropped.add(pos);
    });
    const seq = [];
    elems.forEach(([e], i) => {
      if (dropped.has(i)) return;
      const prev = seq[seq.length - 1];
      if (!e.tok && prev && !prev.tok) {
        seq[seq.length - 1] = { tok: false, lo: prev.lo + e.lo, hi: Math.min(MAX_GAP, prev.hi + e.hi) };
      } else seq.push(e);
    });
    while (seq.length && !seq[0].tok) seq.shift();
    while (seq.length && !seq[seq.length - 1].tok) seq.pop();
    const key = seq.map(elemKey).join(' ');
    if (seq.length && !seen.has(key)) { seen.add(key); out.push(seq); }
  }
  if (!out.length) throw new Error(`${where}: pattern matches nothing`);
  return out;
}

function specAccepts(spec, tok, quantityMin) {
  if (tok.number !== null && (spec.num || (spec.qty && tok.number >= quantityMin))) return true;
  for (const f of tok.forms) {
    if (spec.words.has(f)) return true;
    for (const p of spec.prefixes) if (f.startsWith(p)) return true;
    for (const x of spec.suffixes) if (f.endsWith(x)) return true;
  }
  return false;
}

function compactKeys(elems) {
  const choices = [];
  for (const e of elems) {
    if (!e.tok) continue;
    if (e.num || e.qty) return [];
    choices.push([...[...e.words].sort(), ...e.prefixes, ...e.suffixes]);
  }
  if (choices.reduce((a, c) => a * c.length, 1) > 32) return [];
  let keys = [''];
  for (const c of choices) keys = keys.flatMap((k) => c.map((w) => k + w));
  return keys.filter((k) => cps(k).length >= 5);
}

/** How rare a token element is (Python's _selectivity): the length of its shortest
 * alternative, 0 for numbers and for elements that accept a common function word. */
function selectivity(spec, common) {
  if (spec.num || spec.qty || [...spec.words].some((w) => common.has(w))) return 0;
  return Math.min(...[...spec.words, ...spec.prefixes, ...spec.suffixes].map((w) => cps(w).length));
}

const push = (map, key, v) => { if (!map.has(key)) map.set(key, []); map.get(key).push(v); };

export class Matcher {
  constructor(sequences, quantityMin) {
    this.seqs = sequences;
    this.quantityMin = quantityMin;
    this.exact = new Map();
    this.pairs = new Map();
    this.prefix = new Map();
    this.suffix = new Map();
    this.numeric = [];
    this.compactIndex = new Map();
    sequences.forEach(({ elems }, sid) => {
      const [first, second] = elems;
      if (second && second.tok && second.words.size && !second.prefixes.length
        && !second.suffixes.length && !second.num && !second.qty) {
        for (const w of [...first.words].sort()) {
          for (const w2 of [...second.words].sort()) push(this.pairs, `${w}\u0000${w2}`, sid);
        }
      } else for (const w of [...first.words].sort()) push(this.exact, w, sid);
      for (const p of first.prefixes) push(this.prefix, p, sid);
      for (const x of first.suffixes) push(this.suffix, x, sid);
      if (first.num || first.qty) this.numeric.push(sid);
      for (const key of compactKeys(elems)) {
        const k = cps(key);
        push(this.compactIndex, k.slice(0, COMPACT_PROBE).join(''), [k, this.seqs[sid].entry]);
      }
    });
    this.formMemo = memo((f) => this.formCandidates(f));
    this.prefixLengths = [...new Set([...this.prefix.keys()].map((p) => cps(p).length))]
      .sort((a, b) => a - b);
    this.suffixLengths = [...new Set([...this.suffix.keys()].map((x) => cps(x).length))]
      .sort((a, b) => a - b);
  }

  /** Index every significant sequence by its two most selective elements (its keys; one for a
   * one-token sequence), as Python's Matcher._build_keys. Every match holds a token accepted by
   * each key, so the prefilter needs both. Slot codes are sequence * 2 + slot. */
  buildKeys(significant, strong, common) {
    this.strongEntries = strong;
    this.slotWords = new Map();
    this.slotPrefixes = new Map();
    this.slotSuffixes = new Map();
    this.slotNumeric = [];
    this.twoKeys = new Set();
    const addTo = (map, k, v) => { if (!map.has(k)) map.set(k, []); map.get(k).push(v); };
    this.seqs.forEach((seq, sid) => {
      if (!significant.has(seq.entry)) return;
      const specs = [];
      seq.elems.forEach((e, i) => { if (e.tok) specs.push([selectivity(e, common), i, e]); });
      specs.sort((a, b) => (b[0] - a[0]) || (a[1] - b[1]));
      if (specs.length > 1) this.twoKeys.add(sid);
      specs.slice(0, 2).forEach(([, , key], slot) => {
        const code = sid * 2 + slot;
        for (const w of key.words) addTo(this.slotWords, w, code);
        for (const p of key.prefixes) addTo(this.slotPrefixes, p, code);
        for (const x of key.suffixes) addTo(this.slotSuffixes, x, code);
        if (key.num || key.qty) this.slotNumeric.push(code);
      });
    });
    const lengths = (keys) => [...new Set([...keys].map((k) => cps(k).length))].sort((a, b) => a - b);
    this.slotPrefixLengths = lengths(this.slotPrefixes.keys());
    this.slotSuffixLengths = lengths(this.slotSuffixes.keys());
    this.slotMemo = new Map();
  }

  /** The key slots a token's spellings accept (memoised by spelling). */
  keySlots(tok) {
    let got = this.slotMemo.get(tok.word);
    if (got !== undefined) return got;
    const found = new Set(tok.number !== null ? this.slotNumeric : []);
    for (const f of tok.forms) {
      for (const code of this.slotWords.get(f) || []) found.add(code);
      const c = cps(f);
      for (const k of this.slotPrefixLengths) {
        if (k > c.length) break;
        for (const code of this.slotPrefixes.get(c.slice(0, k).join('')) || []) found.add(code);
      }
      for (const k of this.slotSuffixLengths) {
        if (k > c.length) break;
        for (const code of this.slotSuffixes.get(c.slice(c.length - k).join('')) || []) found.add(code);
      }
    }
    got = [...found];
    if (this.slotMemo.size > 50000) this.slotMemo.clear();
    this.slotMemo.set(tok.word, got);
    return got;
  }

  /** [a strong sequence has all its keys, modifier entries some sequence of which has them]. */
  possible(slots) {
    const modifiers = new Set();
    for (const code of slots) {
      if (code & 1) continue;
      const sid = code >> 1;
      if (this.twoKeys.has(sid) && !slots.has(code + 1)) continue;
      const entry = this.seqs[sid].entry;
      if (this.strongEntries.has(entry)) return [true, modifiers];
      modifiers.add(entry);
    }
    return [false, modifiers];
  }

  formCandidates(f) {
    const out = new Set(this.exact.get(f) || []);
    const c = cps(f);
    for (const k of this.prefixLengths) {
      if (k > c.length) break;
      for (const sid of this.prefix.get(c.slice(0, k).join('')) || []) out.add(sid);
    }
    for (const k of this.suffixLengths) {
      if (k > c.length) break;
      for (const sid of this.suffix.get(c.slice(c.length - k).join('')) || []) out.add(sid);
    }
    return [...out];
  }

  candidates(tok, nxt) {
    const found = new Set();
    for (const f of tok.forms) {
      for (const sid of this.formMemo(f)) found.add(sid);
      if (nxt) {
        for (const f2 of nxt.forms) {
          for (const sid of this.pairs.get(`${f}\u0000${f2}`) || []) found.add(sid);
        }
      }
    }
    if (tok.number !== null) for (const sid of this.numeric) found.add(sid);
    return [...found].sort((a, b) => a - b);
  }

  /** Entries one of whose compact keys occurs inside one of the spellings (spaced letters). */
  compactEntries(forms) {
    const found = new Set();
    for (const f of forms) {
      const c = cps(f);
      for (let i = 0; i + COMPACT_PROBE <= c.length; i++) {
        for (const [k, entry] of this.compactIndex.get(c.slice(i, i + COMPACT_PROBE).join('')) || []) {
          if (k.every((ch, j) => c[i + j] === ch)) found.add(entry);
        }
      }
    }
    return found;
  }

  /** Last token of the shortest match of elems[ei:] from token ti, or -1. `dead` holds
   * (element, token) states known to fail, so gap combinations do not revisit them. */
  matchRest(elems, ei, ti, tokens, used, dead) {
    if (ei === elems.length) return used[used.length - 1];
    const state = ei * 100003 + ti;
    if (dead.has(state)) return -1;
    const e = elems[ei];
    if (!e.tok) {
      for (let g = e.lo; g <= e.hi; g++) {
        let brk = false;
        for (let t = ti; t < Math.min(ti + g, tokens.length); t++) if (tokens[t].sentenceBreak) brk = true;
        if (brk || ti + g > tokens.length) break;
        const r = this.matchRest(elems, ei + 1, ti + g, tokens, used, dead);
        if (r >= 0) return r;
      }
      dead.add(state);
      return -1;
    }
    if (ti >= tokens.length || tokens[ti].sentenceBreak || !specAccepts(e, tokens[ti], this.quantityMin)) {
      dead.add(state);
      return -1;
    }
    used.push(ti);
    const r = this.matchRest(elems, ei + 1, ti + 1, tokens, used, dead);
    if (r < 0) { used.pop(); dead.add(state); }
    return r;
  }

  find(tokens) {
    const best = new Map();
    tokens.forEach((tok, ti) => {
      for (const sid of this.candidates(tok, tokens[ti + 1] || null)) {
        const seq = this.seqs[sid];
        const used = [ti];
        const last = this.matchRest(seq.elems, 1, ti + 1, tokens, used, new Set());
        if (last < 0) continue;
        const gaps = [];
        for (let t = ti; t <= last; t++) if (!used.includes(t)) gaps.push(t);
        const key = `${seq.entry},${ti}`;
        if (!best.has(key) || last < best.get(key).last) {
          best.set(key, { entry: seq.entry, first: ti, last, gaps });
        }
      }
      if (tok.joined) {
        for (const entry of this.compactEntries(tok.forms)) {
          const key = `${entry},${ti}`;
          if (!best.has(key)) best.set(key, { entry, first: ti, last: ti, gaps: [] });
        }
      }
    });
    const sorted = [...best.values()].sort((a, b) => a.first - b.first || a.last - b.last
      || a.entry - b.entry);
    const kept = [];
    const lastEnd = new Map();
    for (const m of sorted) {
      if ((lastEnd.has(m.entry) ? lastEnd.get(m.entry) : -1) >= m.first) continue;
      lastEnd.set(m.entry, m.last);
      kept.push(m);
    }
    return kept;
  }
}
