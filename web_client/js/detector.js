/**
 * Crisis-language detector, the JavaScript port of moderation/ (docs/detection.md).
 *
 * compileDetector(data) takes the parsed config/detector.json (the page fetches
 * /api/detector.json) and returns {detect(text, lang)} with the same verdicts as the Python
 * library: tests/vectors/detect.json is replayed in Chromium and must match exactly.
 *
 * Only the public entry: every part lives in js/detector/. Python strings index code points,
 * JavaScript strings UTF-16 units. The detector works on arrays of code points, so spans are
 * code-point offsets like the vectors'; utf16Span() converts one for the DOM. Word characters
 * are Unicode property escapes (\p{L}, \p{N}, \p{M} with the u flag), never \w or \b, which
 * are ASCII-only in JavaScript.
 */

export { compileDetector } from './detector/engine.js';
export { normalise } from './detector/normalise.js';
export { tokenize } from './detector/tokenize.js';
export { utf16Span } from './detector/common.js';
