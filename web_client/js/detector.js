/**
 * Crisis-language detector, the JavaScript port of moderation/ (docs/detection.md).
 *
 * compileDetector(data) takes the parsed config/detector.json (the page fetches
 * /api/detector.json) and returns {detect(text, lang)} with the same verdicts as the Python
 * library: tests/vectors/detect.json is replayed in Chromium and must match exactly.
 *
 * Python strings index code points, JavaScript strings UTF-16 units. Everything here works on
 * arrays of code points, so spans are code-point offsets like the vectors'; utf16Span() converts
 * one for the DOM. Word characters are defined by Unicode property escapes (\p{L}, \p{N}, \p{M}
 * with the u flag), never \w or \b, which are ASCII-only in JavaScript.
 */

const MAX_TEXT_CHARS = 20000;
const MAX_GAP = 3;
const MIN_SPACED_RUN = 3;
const COMPACT_PROBE = 3;
const MAX_SPACING = 2;
const SPACING_CHARS = new Set([' ', '.', '-', '_', '*', '·']);
const CLAUSE_BREAKS = new Set(['.', '!', '?', ';', ':', ',', '\n']);
const SENTENCE_BREAKS = new Set(['.', '!', '?', ';', '\n']);
const FLAG_ORDER = ['idiom', 'negated', 'past', 'recent', 'reported', 'combination', 'truncated'];
const CUE_KINDS = ['past', 'recent', 'reported'];
const HETU_CHECK = '0123456789abcdefhjklmnprstuvwxy';
const HETU_CENTURY = '+-abcdefyxwvu';
const PERSONAL = 'personal_data';
const DOXXING = 'doxxing';
const APOSTROPHE = "'";

const RE_CF = /^\p{Cf}$/u;
const RE_MARK = /^\p{M}$/u;
const RE_WORD = /^[\p{L}\p{N}\p{M}]$/u;
const RE_LETTER = /^\p{L}$/u;
const RE_PII_HINT = /[0-9@]/;

// Memos: characters and words repeat in chat; they change speed, never results.
const memo = (fn) => {
  const m = new Map();
  return (x) => {
    let v = m.get(x);
    if (v === undefined) {
      if (m.size > 50000) m.clear();
      v = fn(x);
      m.set(x, v);
    }
    return v;
  };
};
const isWord = memo((ch) => RE_WORD.test(ch));
const isLetter = memo((ch) => RE_LETTER.test(ch));
const isCf = memo((ch) => RE_CF.test(ch));
const isMark = memo((ch) => RE_MARK.test(ch));
const isDigit = (ch) => ch >= '0' && ch <= '9';
const cps = (s) => Array.from(s);

// ---------------------------------------------------------------- normalisation

const RE_SYMBOL = /^\p{S}/u;

function mapCluster(cluster, homoglyphs) {
  let out = '';
  let folded = cluster.normalize('NFKC');
  // A symbol whose NFKC form is several characters stays: "™" must not glue "tm" onto a word.
  if (cps(folded).length > 1 && RE_SYMBOL.test(cluster)) folded = cluster;
  for (const ch of folded) {
    const direct = homoglyphs.get(ch);
    for (const low of direct !== undefined ? direct : ch.toLowerCase()) {
      const h = homoglyphs.get(low);
      out += h !== undefined ? h : low;
    }
  }
  return out;
}

/** Normalised code points plus, for each, the original code-point span it came from.
 * `tables`: {strip: Set, mapCluster(cluster) -> string} (see compileDetector). */
export function normalise(chars, tables) {
  const kept = [];
  for (let i = 0; i < chars.length; i++) {
    if (!isCf(chars[i]) && !tables.strip.has(chars[i])) kept.push(i);
  }
  const out = [];
  const starts = [];
  const ends = [];
  let k = 0;
  while (k < kept.length) {
    const first = kept[k];
    let j = k + 1;
    while (j < kept.length && isMark(chars[kept[j]])) j++;
    let cluster = '';
    for (let x = k; x < j; x++) cluster += chars[kept[x]];
    const last = kept[j - 1] + 1;
    for (const ch of tables.mapCluster(cluster)) {
      out.push(ch);
      starts.push(first);
      ends.push(last);
    }
    k = j;
  }
  return { chars: out, starts, ends };
}

const foldDiacritics = (w) => w.replace(/ä/g, 'a').replace(/ö/g, 'o').replace(/å/g, 'a');

// ---------------------------------------------------------------- tokens

function collapseRuns(word, keep) {
  const c = cps(word);
  let out = '';
  let i = 0;
  while (i < c.length) {
    let j = i;
    while (j < c.length && c[j] === c[i]) j++;
    const run = j - i;
    out += c[i].repeat(run >= 3 && isLetter(c[i]) ? keep : run);
    i = j;
  }
  return out;
}

function tokenForms(word, leet) {
  let decoded = word;
  const c = cps(word);
  if (c.some(isLetter)) decoded = c.map((ch) => (leet.has(ch) ? leet.get(ch) : ch)).join('');
  const forms = [];
  for (const v of [collapseRuns(decoded, 2), collapseRuns(decoded, 1),
    collapseRuns(word, 2), collapseRuns(word, 1)]) {
    if (!forms.includes(v)) forms.push(v);
  }
  return forms;
}

function leadingNumber(word) {
  let digits = '';
  for (const ch of word) {
    if (!isDigit(ch)) break;
    digits += ch;
  }
  return digits ? parseInt(digits.slice(0, 9), 10) : null;
}

function rawTokens(text, leetSymbols) {
  const out = [];
  const n = text.length;
  const nextWord = (i) => i + 1 < n && isWord(text[i + 1]);
  let i = 0;
  while (i < n) {
    const ch = text[i];
    if (!(isWord(ch) || (leetSymbols.has(ch) && nextWord(i)))) { i++; continue; }
    const start = i;
    let word = '';
    while (i < n) {
      const c = text[i];
      if (isWord(c) || (leetSymbols.has(c) && nextWord(i))) word += c;
      else if (!(c === APOSTROPHE && nextWord(i) && word)) break;
      i++;
    }
    out.push([word, start, i]);
  }
  return out;
}

function joinSpaced(text, raw) {
  const out = [];
  let i = 0;
  const single = (w) => cps(w).length === 1 && isLetter(w);
  while (i < raw.length) {
    let j = i;
    while (j + 1 < raw.length && single(raw[j][0]) && single(raw[j + 1][0])
      && raw[j + 1][1] - raw[j][2] >= 1 && raw[j + 1][1] - raw[j][2] <= MAX_SPACING
      && text.slice(raw[j][2], raw[j + 1][1]).every((c) => SPACING_CHARS.has(c))) j++;
    if (j - i + 1 >= MIN_SPACED_RUN) {
      out.push([raw.slice(i, j + 1).map((r) => r[0]).join(''), raw[i][1], raw[j][2], true]);
      i = j + 1;
    } else {
      out.push([raw[i][0], raw[i][1], raw[i][2], false]);
      i++;
    }
  }
  return out;
}

/** Tokens of normalised code points (docs/detection.md, "Tokenise"). */
export function tokenize(text, formsOf, leetSymbols) {
  const tokens = [];
  let prevEnd = 0;
  for (const [word, start, end, joined] of joinSpaced(text, rawTokens(text, leetSymbols))) {
    const between = text.slice(prevEnd, start);
    tokens.push({
      word,
      forms: formsOf(word),
      start,
      end,
      clauseBreak: between.some((c) => CLAUSE_BREAKS.has(c)),
      sentenceBreak: between.some((c) => SENTENCE_BREAKS.has(c)),
      joined,
      number: isDigit(word[0]) ? leadingNumber(word) : null,
    });
    prevEnd = end;
  }
  return tokens;
}

// ---------------------------------------------------------------- patterns

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

function parsePattern(pattern, classes, normWord, foldSingle, where) {
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

class Matcher {
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

  /** Index every significant sequence by its most selective element (its key), as Python's
   * Matcher._build_keys: keys of strong entries in one set, keys of modifiers with the entries
   * they belong to. Every match contains its sequence's key. */
  buildKeys(significant, strong, common) {
    this.keyWords = new Set();
    this.keyPrefixes = new Set();
    this.keySuffixes = new Set();
    this.keyNumeric = false;
    this.modKeys = new Map();
    this.modPrefixes = new Map();
    this.modSuffixes = new Map();
    this.modNumeric = new Set();
    const addTo = (map, k, v) => { if (!map.has(k)) map.set(k, new Set()); map.get(k).add(v); };
    for (const seq of this.seqs) {
      if (!significant.has(seq.entry)) continue;
      let key = null;
      let best = -1;
      for (const e of seq.elems) {
        if (!e.tok) continue;
        const sel = selectivity(e, common);
        if (sel > best) { best = sel; key = e; }
      }
      if (!strong.has(seq.entry)) {
        for (const w of key.words) addTo(this.modKeys, w, seq.entry);
        for (const p of key.prefixes) addTo(this.modPrefixes, p, seq.entry);
        for (const x of key.suffixes) addTo(this.modSuffixes, x, seq.entry);
        if (key.num || key.qty) this.modNumeric.add(seq.entry);
        continue;
      }
      for (const w of key.words) this.keyWords.add(w);
      for (const p of key.prefixes) this.keyPrefixes.add(p);
      for (const x of key.suffixes) this.keySuffixes.add(x);
      this.keyNumeric = this.keyNumeric || key.num || key.qty;
    }
    const lengths = (set) => [...new Set([...set].map((k) => cps(k).length))].sort((a, b) => a - b);
    this.keyPrefixLengths = lengths(this.keyPrefixes);
    this.keySuffixLengths = lengths(this.keySuffixes);
    this.modPrefixLengths = lengths(this.modPrefixes.keys());
    this.modSuffixLengths = lengths(this.modSuffixes.keys());
    this.anchorMemo = new Map();
  }

  /** [strong, modifier entries] for a token: is it the key of a strong sequence, and of which
   * modifier entries is it the key (memoised by spelling). */
  anchor(tok) {
    const memoKey = tok.word;
    let got = this.anchorMemo.get(memoKey);
    if (got !== undefined) return got;
    const digit = tok.number !== null;
    let strong = digit && this.keyNumeric;
    const entries = new Set();
    for (const f of tok.forms) {
      if (strong) break;
      const c = cps(f);
      if (this.keyWords.has(f)) strong = true;
      for (const k of this.keyPrefixLengths) if (!strong && k <= c.length && this.keyPrefixes.has(c.slice(0, k).join(''))) strong = true;
      for (const k of this.keySuffixLengths) if (!strong && k <= c.length && this.keySuffixes.has(c.slice(c.length - k).join(''))) strong = true;
    }
    if (!strong) {
      if (digit) for (const e of this.modNumeric) entries.add(e);
      for (const f of tok.forms) {
        const c = cps(f);
        for (const e of this.modKeys.get(f) || []) entries.add(e);
        for (const k of this.modPrefixLengths) if (k <= c.length) for (const e of this.modPrefixes.get(c.slice(0, k).join('')) || []) entries.add(e);
        for (const k of this.modSuffixLengths) if (k <= c.length) for (const e of this.modSuffixes.get(c.slice(c.length - k).join('')) || []) entries.add(e);
      }
    }
    got = [strong, entries];
    if (this.anchorMemo.size > 50000) this.anchorMemo.clear();
    this.anchorMemo.set(memoKey, got);
    return got;
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

// ---------------------------------------------------------------- personal data

function hetuValid(s) {
  s = s.toLowerCase();
  const digits = s.slice(0, 6) + s.slice(7, 10);
  if (s.length !== 11 || !HETU_CENTURY.includes(s[6]) || !/^[0-9]{9}$/.test(digits)) return false;
  const day = Number(s.slice(0, 2));
  const month = Number(s.slice(2, 4));
  if (!(day >= 1 && day <= 31 && month >= 1 && month <= 12)) return false;
  return HETU_CHECK[Number(digits) % 31] === s[10];
}

function luhnValid(digits) {
  let total = 0;
  [...digits].reverse().forEach((c, i) => {
    let d = c.charCodeAt(0) - 48;
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    total += d;
  });
  return total % 10 === 0;
}

function personnummerValid(s) {
  let digits = s.replace(/[^0-9]/g, '');
  if (digits.length === 12) digits = digits.slice(2);
  if (digits.length !== 10) return false;
  const month = Number(digits.slice(2, 4));
  let day = Number(digits.slice(4, 6));
  if (day > 60) day -= 60;
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31)) return false;
  return luhnValid(digits);
}

function scanPii(text, rules, allowlist) {
  // Regex indices are UTF-16 units; hits are returned in code points of the normalised text.
  const cpIndex = [];
  let cp = 0;
  for (let u = 0; u < text.length; u++) {
    cpIndex.push(cp);
    const c = text.charCodeAt(u);
    if (!(c >= 0xd800 && c <= 0xdbff && u + 1 < text.length)) cp++;
  }
  cpIndex.push(cp);
  const hits = [];
  for (const rule of rules) {
    rule.regex.lastIndex = 0;
    for (const m of text.matchAll(rule.regex)) {
      const s = m[0];
      const a = cpIndex[m.index];
      const b = cpIndex[m.index + s.length];
      if (rule.kind === 'hetu' && !hetuValid(s)) continue;
      if (rule.kind === 'personnummer' && !personnummerValid(s)) continue;
      if (rule.kind === 'phone' && allowlist.some((p) => s.replace(/[^0-9]/g, '').startsWith(p))) continue;
      if (hits.some((h) => h.start < b && a < h.end)) continue;
      hits.push({ rule, start: a, end: b });
    }
  }
  return hits;
}

// ---------------------------------------------------------------- compile + detect

/** Compile the parsed detector data file into a detector: {detect(text, lang)}. */
export function compileDetector(data) {
  if (!data || data.version !== 1) throw new Error('unsupported detector data version');
  const nd = data.normalisation;
  const homoglyphs = new Map(Object.entries(nd.homoglyphs));
  const tables = { strip: new Set(nd.strip), mapCluster: memo((x) => mapCluster(x, homoglyphs)) };
  const leet = new Map(Object.entries(nd.leet));
  const forms = memo((w) => tokenForms(w, leet));
  const leetSymbols = new Set([...leet.keys()].filter((k) => !isWord(k)));
  const normWord = (w) => normalise(cps(w), tables).chars.join('').replace(/'/g, '');
  const entries = [];
  const seqs = [];
  const add = (entry, patterns, fold) => {
    const idx = entries.length;
    entries.push(entry);
    for (const p of patterns) {
      for (const elems of parsePattern(p, data.classes, normWord, fold, entry.id)) seqs.push({ entry: idx, elems });
    }
  };
  for (const e of data.lexicon) {
    add({ kind: 'lexicon', id: e.id, category: e.category, severity: e.severity, negation: e.negation,
      context: e.context || 'self', tags: new Set(e.tags || []), langs: new Set(e.lang) }, e.patterns, Boolean(e.fold));
  }
  const meta = (kind, id) => ({ kind, id, category: '', severity: 0, negation: 'fixed', context: 'self', tags: new Set() });
  for (const e of data.idioms) add(meta('idiom', e.id), e.patterns, Boolean(e.fold));
  for (const kind of CUE_KINDS) {
    for (const [lang, pats] of Object.entries(data.context_cues[kind])) add(meta(kind, `cue.${kind}.${lang}`), pats, true);
  }
  const neg = data.negation;
  for (const [lang, pats] of Object.entries(neg.pseudo)) add(meta('pseudo_negation', `pseudo.${lang}`), pats, true);

  const c = {
    tables, forms, leetSymbols, entries, categories: data.categories,
    matcher: new Matcher(seqs, data.quantity_min),
    // Language guess: markers plus the guess-only words (these never affect prefilter keys).
    markers: new Map(Object.entries(data.languages)
      .map(([l, v]) => [l, new Set([...v.markers, ...(v.guess || [])].map(normWord))])),
    triggers: new Map(Object.entries(neg.triggers).map(([l, ws]) => [l, new Set(ws.map(normWord))])),
    terminators: new Set(Object.values(neg.terminators).flat().map(normWord)),
    window: neg.window,
    combinations: data.combinations,
    pii: data.personal_data.rules.map((r) => ({ id: r.id, kind: r.kind, regex: new RegExp(r.regex, 'gu') })),
    piiSeverity: data.personal_data.severity,
    allowlist: data.personal_data.phone_allowlist,
    doxx: {
      before: data.personal_data.doxxing.before,
      after: data.personal_data.doxxing.after,
      other: new Set(Object.values(data.personal_data.doxxing.other_cues).flat().map(normWord)),
      self: new Set(Object.values(data.personal_data.doxxing.self_cues).flat().map(normWord)),
    },
    effects: data.context_effects,
  };
  // The prefilter (as Python's): entries that can make a verdict non-zero alone (strong) or
  // through a combination of severity-0 modifiers (significant).
  const common = new Set(Object.values(data.languages)
    .flatMap((v) => [...v.markers, ...(v.common || [])]).map(normWord));
  const zeroTags = new Set(entries.filter((e) => e.kind === 'lexicon' && e.severity === 0)
    .flatMap((e) => [...e.tags]));
  const comboZero = new Set(data.combinations.filter((cb) => cb.requires.every((t) => zeroTags.has(t)))
    .flatMap((cb) => cb.requires));
  c.significant = new Set();
  c.strong = new Set();
  entries.forEach((e, i) => {
    if (e.kind !== 'lexicon') return;
    if (e.severity > 0) c.strong.add(i);
    if (e.severity > 0 || [...e.tags].some((t) => comboZero.has(t))) c.significant.add(i);
  });
  c.comboNeed = data.combinations.map((cb) => cb.requires);
  c.matcher.buildKeys(c.significant, c.strong, common);
  const excluded = new Set(neg.unknown_language_excluded || []);
  const allTriggers = new Set([...c.triggers.values()].flatMap((s) => [...s]).filter((w) => !excluded.has(w)));
  return { detect: (text, lang = null) => detect(c, allTriggers, String(text), lang) };
}

/** The language with most marker words; a known hint only breaks a tie (or stands in when no
 * marker word occurs). It picks negation triggers, never entries (as Python's). */
function resolveLanguage(c, tokens, hint) {
  const scores = new Map([...c.markers.keys()].map((l) => [l, 0]));
  for (const t of tokens) for (const [l, words] of c.markers) if (words.has(t.forms[0])) scores.set(l, scores.get(l) + 1);
  const best = Math.max(0, ...scores.values());
  const winners = [...scores].filter(([, s]) => s === best).map(([l]) => l);
  if (c.markers.has(hint) && (best === 0 || winners.includes(hint))) return hint;
  if (best === 0 || winners.length !== 1) return null;
  return winners[0];
}

function isNegated(c, m, tokens, triggers, pseudo) {
  const isTrigger = (i) => !pseudo.has(i) && triggers.has(tokens[i].forms[0]);
  if (m.gaps.some(isTrigger)) return true;
  for (let j = m.first - 1; j >= 0 && m.first - j <= c.window; j--) {
    if (tokens[j + 1].clauseBreak || c.terminators.has(tokens[j].forms[0])) return false;
    if (isTrigger(j)) return true;
  }
  return false;
}

function makeMatch(rule, category, severity, base, first, last, norm, tokens, flags) {
  return {
    rule,
    category,
    severity,
    base_severity: base,
    span: [norm.starts[tokens[first.first].start], norm.ends[tokens[last.last].end - 1]],
    flags: FLAG_ORDER.filter((f) => flags.includes(f)),
  };
}

/** One match per required tag, each from a different entry (greedy, in order), or null. */
function fillCombo(requires, group) {
  const used = [];
  for (const tag of requires) {
    // Each slot needs its own entry: "goodbye goodbye" is one farewell sign, not two.
    const taken = new Set(used.map((u) => group[u][1].id));
    const pick = group.findIndex(([, e]) => e.tags.has(tag) && !taken.has(e.id));
    if (pick < 0) return null;
    used.push(pick);
  }
  return used.map((u) => group[u][0]);
}

/** Personal data evidently someone else's: a third-person cue near it in the same sentence and
 * no first-person cue (docs/detection.md, "Personal data rules"). */
function someoneElses(c, start, end, tokens) {
  const before = [];
  const after = [];
  tokens.forEach((t, i) => { if (t.end <= start) before.push(i); else if (t.start >= end) after.push(i); });
  const near = [];
  for (const i of before.slice(-c.doxx.before).reverse()) {
    near.push(i);
    if (tokens[i].sentenceBreak) break;
  }
  for (const i of after.slice(0, c.doxx.after)) {
    if (tokens[i].sentenceBreak) break;
    near.push(i);
  }
  const words = new Set(near.map((i) => tokens[i].forms[0]));
  return [...words].some((w) => c.doxx.other.has(w)) && ![...words].some((w) => c.doxx.self.has(w));
}

/** Do the tags of these entries cover some combination's needs? (a superset test) */
function combinationPossible(c, entryIds) {
  const tags = new Set();
  for (const i of entryIds) for (const t of c.entries[i].tags) tags.add(t);
  return c.comboNeed.some((need) => need.every((t) => tags.has(t)));
}

/** False only if the verdict must be 0: no token is the key of a strong pattern and the
 * modifier entries whose keys occur cannot complete a combination. Spaced-out letters
 * (a joined token) always pass. */
function mayMatch(c, tokens) {
  const modifiers = new Set();
  for (const tok of tokens) {
    if (tok.joined) return true;
    const [strong, entries] = c.matcher.anchor(tok);
    if (strong) return true;
    for (const e of entries) modifiers.add(e);
  }
  return modifiers.size >= 2 && combinationPossible(c, modifiers);
}

/** A strong entry matched, or modifiers of two different entries (a combination). */
function mayScore(c, raw) {
  const modifiers = new Set();
  for (const m of raw) {
    if (c.strong.has(m.entry)) return true;
    if (c.significant.has(m.entry)) modifiers.add(m.entry);
  }
  return modifiers.size >= 2 && combinationPossible(c, modifiers);
}

function detect(c, allTriggers, text, lang) {
  let chars = cps(text);
  const truncated = chars.length > MAX_TEXT_CHARS;
  if (truncated) chars = chars.slice(0, MAX_TEXT_CHARS);
  const norm = normalise(chars, c.tables);
  const ntext = norm.chars.join('');
  const tokens = tokenize(norm.chars, c.forms, c.leetSymbols);
  const language = resolveLanguage(c, tokens, lang);
  const piiHint = RE_PII_HINT.test(ntext);
  // Most chat lines: no pattern can score anywhere. Same verdict, less work.
  if (!piiHint && !mayMatch(c, tokens)) return { severity: 0, categories: [], language, matches: [] };
  // Every language's entries run on every message (issue 13): a Swedish sentence typed in the
  // Finnish interface is still read as Swedish.
  const raw = c.matcher.find(tokens);
  if (!piiHint && !mayScore(c, raw)) return { severity: 0, categories: [], language, matches: [] };
  const sentenceOf = [];
  const clauseOf = [];
  let s = 0;
  let k = 0;
  for (const t of tokens) {
    if (t.sentenceBreak) s++;
    if (t.clauseBreak) k++;
    sentenceOf.push(s);
    clauseOf.push(k);
  }
  const idioms = [];
  const pseudo = new Set();
  const cues = { past: new Set(), recent: new Set(), reported: new Set() };
  const lexical = [];
  for (const m of raw) {
    const e = c.entries[m.entry];
    if (e.kind === 'lexicon') lexical.push([m, e]);
    else if (e.kind === 'idiom') idioms.push(m);
    else if (e.kind === 'pseudo_negation') for (let i = m.first; i <= m.last; i++) pseudo.add(i);
    // Past and recent cues hold for their sentence; reported speech for its clause.
    else cues[e.kind].add((e.kind === 'reported' ? clauseOf : sentenceOf)[m.first]);
  }
  const triggers = language !== null && c.triggers.has(language) ? c.triggers.get(language) : allTriggers;
  const fx = c.effects;
  let matches = [];
  const active = [];
  for (const [m, e] of lexical) {
    const flags = [];
    let eff = e.severity;
    if (idioms.some((i) => i.first <= m.last && m.first <= i.last)) { flags.push('idiom'); eff = 0; }
    const negated = isNegated(c, m, tokens, triggers, pseudo);
    if (e.negation === 'negated_form_is_crisis' && !negated) continue;
    if (negated && e.negation !== 'fixed') {
      flags.push('negated');
      if (e.negation === 'negatable') eff = 0;
    }
    const sent = sentenceOf[m.first];
    if (cues.past.has(sent) && !cues.recent.has(sent)) {
      flags.push('past');
      const high = e.severity >= 3 && e.context === 'self';
      eff = Math.min(eff, high ? fx.past_high_severity_becomes : fx.past_low_severity_becomes);
    } else if (cues.recent.has(sent) && e.severity > fx.recent_caps_at) {
      flags.push('recent');
      eff = Math.min(eff, fx.recent_caps_at);
    }
    if (e.context === 'self' && cues.reported.has(clauseOf[m.first])) {
      flags.push('reported');
      eff = Math.min(eff, fx.reported_caps_at);
    }
    if (!flags.length || (flags.length === 1 && flags[0] === 'negated'
      && e.negation === 'negated_form_is_crisis')) active.push([m, e]);
    if (e.severity > 0) matches.push(makeMatch(e.id, e.category, eff, e.severity, m, m, norm, tokens, flags));
  }
  if (active.some(([, e]) => e.tags.size)) {
    const scopes = { sentence: sentenceOf, clause: clauseOf };
    const present = new Set(active.flatMap(([, e]) => [...e.tags]));
    for (const combo of c.combinations) {
      if (!combo.requires.every((t) => present.has(t))) continue; // cannot fire: skip the search
      let groups = [active];
      if ((combo.within || 'message') !== 'message') {
        const unit = scopes[combo.within];
        const byUnit = new Map();
        for (const a of active) {
          const u = unit[a[0].first];
          if (!byUnit.has(u)) byUnit.set(u, []);
          byUnit.get(u).push(a);
        }
        groups = [...byUnit.keys()].sort((x, y) => x - y).map((u) => byUnit.get(u));
      }
      const excludes = combo.excludes || [];
      for (const group of groups) {
        if (excludes.length && group.some(([, e]) => excludes.some((t) => e.tags.has(t)))) continue;
        const parts = fillCombo(combo.requires, group);
        if (!parts) continue;
        const first = parts.reduce((a, b) => (b.first < a.first ? b : a));
        const last = parts.reduce((a, b) => (b.last > a.last ? b : a));
        matches.push(makeMatch(combo.id, combo.category, combo.severity, combo.severity, first, last,
          norm, tokens, ['combination']));
        break;
      }
    }
  }
  if (piiHint) {
    for (const hit of scanPii(ntext, c.pii, c.allowlist)) {
      const span = [norm.starts[hit.start], norm.ends[hit.end - 1]];
      matches.push({ rule: hit.rule.id, category: PERSONAL, severity: c.piiSeverity,
        base_severity: c.piiSeverity, span, flags: [] });
      if (someoneElses(c, hit.start, hit.end, tokens)) {
        matches.push({ rule: `${hit.rule.id}.other`, category: DOXXING, severity: c.piiSeverity,
          base_severity: c.piiSeverity, span: [...span], flags: [] });
      }
    }
  }
  if (truncated) matches = matches.map((m) => ({ ...m, flags: [...m.flags, 'truncated'] }));
  matches.sort((a, b) => a.span[0] - b.span[0] || a.span[1] - b.span[1]
    || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  const severity = Math.max(0, ...matches.map((m) => m.severity));
  const found = new Set(matches.filter((m) => m.severity > 0).map((m) => m.category));
  return { severity, categories: c.categories.filter((cat) => found.has(cat)), language, matches };
}

/** Convert a code-point span of `text` into UTF-16 offsets (for DOM ranges and String.slice). */
export function utf16Span(text, span) {
  const chars = cps(text);
  const at = (n) => chars.slice(0, n).join('').length;
  return [at(span[0]), at(span[1])];
}
