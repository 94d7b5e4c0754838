/**
 * Normalisation: format characters dropped, NFKC per cluster, homoglyphs, lower case;
 * every output code point keeps the original span it came from.
 * Part of the detector's JavaScript port (web_client/js/detector.js is the public entry);
 * follows its Python twin moderation/normalize.py step by step (docs/detection.md).
 */

import { cps, isCf, isMark } from './common.js';

const RE_SYMBOL = /^\p{S}/u;

export function mapCluster(cluster, homoglyphs) {
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
