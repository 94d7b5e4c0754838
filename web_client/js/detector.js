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

export { compileDetector } from './detector/engine.js';
export { normalise } from './detector/normalise.js';
export { tokenize } from './detector/tokenize.js';

const cps = (s) => Array.from(s);

/** Convert a code-point span of `text` into UTF-16 offsets (for DOM ranges and String.slice). */
export function utf16Span(text, span) {
  const chars = cps(text);
  const at = (n) => chars.slice(0, n).join('').length;
  return [at(span[0]), at(span[1])];
}
