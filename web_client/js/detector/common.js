/**
 * Shared helpers: memos and Unicode character classes.
 * Part of the detector's JavaScript port (web_client/js/detector.js is the public entry);
 * follows its Python twin moderation/tokenize.py step by step (docs/detection.md).
 */

const RE_CF = /^\p{Cf}$/u;
const RE_MARK = /^\p{M}$/u;
const RE_WORD = /^[\p{L}\p{N}\p{M}]$/u;
const RE_LETTER = /^\p{L}$/u;

// Memos: characters and words repeat in chat; they change speed, never results.
export const memo = (fn) => {
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
export const isWord = memo((ch) => RE_WORD.test(ch));
export const isLetter = memo((ch) => RE_LETTER.test(ch));
export const isCf = memo((ch) => RE_CF.test(ch));
export const isMark = memo((ch) => RE_MARK.test(ch));
export const isDigit = (ch) => ch >= '0' && ch <= '9';
export const cps = (s) => Array.from(s);

/** ä/ö/å folded to a/o/a (text typed without them). */
export const foldDiacritics = (w) => w.replace(/ä/g, 'a').replace(/ö/g, 'o').replace(/å/g, 'a');

/** Convert a code-point span of `text` into UTF-16 offsets (for DOM ranges and String.slice). */
export function utf16Span(text, span) {
  const chars = cps(text);
  const at = (n) => chars.slice(0, n).join('').length;
  return [at(span[0]), at(span[1])];
}
