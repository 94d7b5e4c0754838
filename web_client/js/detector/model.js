/**
 * The learned backstop, the JavaScript twin of moderation/model.py (docs/detection.md, "The
 * learned component"): a linear model over hashed word, word-pair and character n-gram
 * features of the detector's tokens with int8 weights. Integer arithmetic only (32-bit FNV-1a
 * with Math.imul, sums of small integers, exact in doubles), so its scores equal Python's.
 */

import { cps, foldDiacritics } from './common.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;
const MIX = 0x9e3779b9;
const START = '<s>';
const RISK_HEADS = ['risk2', 'risk3'];
// Seventh round: the optional frame head (Python's FRAME_HEAD), which may lower a verdict.
const FRAME_HEAD = 'frame';
const MEMO_MAX = 50000;
const utf8 = new TextEncoder();

/** 32-bit FNV-1a over the UTF-8 bytes of `text` (an unsigned integer). */
export function fnv1a(text) {
  let h = FNV_OFFSET;
  for (const b of utf8.encode(text)) h = Math.imul(h ^ b, FNV_PRIME) >>> 0;
  return h;
}

/** The word-pair hash of two word hashes: ((a ^ MIX) * FNV_PRIME mod 2^32) ^ b. */
export function mix(a, b) {
  return (Math.imul((a ^ MIX) >>> 0, FNV_PRIME) ^ b) >>> 0;
}

/** The model's word for a token: '#q' / '#n' for numbers, else its first form folded. */
export function tokenWord(tok, quantityMin) {
  if (tok.number !== null) return tok.number >= quantityMin ? '#q' : '#n';
  return foldDiacritics(tok.forms[0]);
}

/** [hash of 'w:'+word, hashes of its unigram and character n-gram features]. */
export function wordFeatureHashes(word, ngrams) {
  const hw = fnv1a(`w:${word}`);
  const out = [hw];
  if (!word.startsWith('#')) {
    const padded = ['<', ...cps(word), '>'];
    for (const n of ngrams) {
      for (let i = 0; i + n <= padded.length; i++) out.push(fnv1a(`c:${padded.slice(i, i + n).join('')}`));
    }
  }
  return [hw, out];
}

/** Every feature hash of a message in order (the reference definition). */
export function messageFeatures(tokens, quantityMin, ngrams) {
  const out = [];
  let prev = fnv1a(`w:${START}`);
  for (const tok of tokens) {
    if (tok.sentenceBreak) prev = fnv1a(`w:${START}`);
    const [hw, feats] = wordFeatureHashes(tokenWord(tok, quantityMin), ngrams);
    out.push(...feats, mix(prev, hw));
    prev = hw;
  }
  return out;
}

function decode(blob, size, where) {
  const bin = atob(blob);
  if (bin.length !== size) throw new Error(`model.${where}: expected ${size} weights`);
  const out = new Int8Array(size);
  for (let i = 0; i < size; i++) out[i] = bin.charCodeAt(i) << 24 >> 24;
  return out;
}

/** Compile the data file's `model` section: {risk(tokens), level(scores), category(tokens)}. */
export function compileModel(section, quantityMin, allCategories) {
  const bits = section.bits;
  const ngrams = section.ngrams;
  const size = 2 ** bits;
  const mask = size - 1;
  const categories = section.categories;
  if (!(bits >= 8 && bits <= 20) || !ngrams.length) throw new Error('model: bad bits/ngrams');
  if (!categories.every((c) => allCategories.includes(c))) throw new Error('model: unknown category');
  const bias = {};
  const weights = {};
  const hasFrame = section.thresholds[FRAME_HEAD] !== undefined;
  for (const name of [...RISK_HEADS, ...categories, ...(hasFrame ? [FRAME_HEAD] : [])]) {
    bias[name] = section.heads[name].bias;
    weights[name] = decode(section.heads[name].weights, size, name);
  }
  const w2 = weights.risk2;
  const w3 = weights.risk3;
  const start = fnv1a(`w:${START}`);
  const memo = new Map();
  const word = (w) => {
    let got = memo.get(w);
    if (got === undefined) {
      const [hw, feats] = wordFeatureHashes(w, ngrams);
      let a = 0;
      let b = 0;
      for (const h of feats) { a += w2[h & mask]; b += w3[h & mask]; }
      got = [hw, a, b];
      if (memo.size >= MEMO_MAX) memo.clear();
      memo.set(w, got);
    }
    return got;
  };
  return {
    allCategories,
    hasFrame,
    /** The frame head's score (as Python's Model.frame_score). */
    frameScore(tokens) {
      const w = weights[FRAME_HEAD];
      let s = bias[FRAME_HEAD];
      for (const h of messageFeatures(tokens, quantityMin, ngrams)) s += w[h & mask];
      return s;
    },
    /** Does the frame head vouch, at its threshold, that these words are support? */
    lowers(tokens) {
      return hasFrame && this.frameScore(tokens) >= section.thresholds[FRAME_HEAD];
    },
    /** The two risk heads' integer scores. */
    risk(tokens) {
      let s2 = bias.risk2;
      let s3 = bias.risk3;
      let prev = start;
      for (const tok of tokens) {
        if (tok.sentenceBreak) prev = start;
        const [hw, a, b] = word(tokenWord(tok, quantityMin));
        const pair = mix(prev, hw) & mask;
        s2 += a + w2[pair];
        s3 += b + w3[pair];
        prev = hw;
      }
      return { risk2: s2, risk3: s3 };
    },
    /** The level the model vouches for: 3, 2 or 0. */
    level(scores) {
      if (scores.risk3 >= section.thresholds.risk3) return 3;
      if (scores.risk2 >= section.thresholds.risk2) return 2;
      return 0;
    },
    /** Every head's score (for the vectors and the category). */
    headScores(tokens) {
      const feats = messageFeatures(tokens, quantityMin, ngrams).map((h) => h & mask);
      const out = {};
      for (const [name, w] of Object.entries(weights)) {
        let s = bias[name];
        for (const h of feats) s += w[h];
        out[name] = s;
      }
      return out;
    },
    /** The category head with the highest score (the first in order on a tie). */
    category(tokens) {
      const s = this.headScores(tokens);
      let best = categories[0];
      for (const c of categories) if (s[c] > s[best]) best = c;
      return best;
    },
  };
}
