/**
 * Tokens: word characters by Unicode property, leet symbols, spaced letters joined,
 * clause and sentence breaks, token forms.
 * Part of the detector's JavaScript port (web_client/js/detector.js is the public entry);
 * follows its Python twin moderation/tokenize.py step by step (docs/detection.md).
 */

import { cps, isDigit, isLetter, isWord } from './common.js';

export const MIN_SPACED_RUN = 3;
const MAX_SPACING = 2;
const SPACING_CHARS = new Set([' ', '.', '-', '_', '*', '·']);
const CLAUSE_BREAKS = new Set(['.', '!', '?', ';', ':', ',', '\n']);
const SENTENCE_BREAKS = new Set(['.', '!', '?', ';', '\n']);
const APOSTROPHE = "'";

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

export function tokenForms(word, leet) {
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
