/**
 * Steps of the detector's pass (engine.js `detect`): the language of a message, negation,
 * match records, combinations, someone else's personal data and the prefilter. Pure functions
 * of the compiled data `c`; split out of engine.js to keep it under the line budget.
 */

import { FLAG_ORDER } from './verdict.js';

/** The language with most marker words; a known hint only breaks a tie (or stands in when no
 * marker word occurs). It picks negation triggers, never entries (as Python's). */
export function resolveLanguage(c, tokens, hint) {
  const scores = new Map([...c.markers.keys()].map((l) => [l, 0]));
  for (const t of tokens) for (const [l, words] of c.markers) if (words.has(t.forms[0])) scores.set(l, scores.get(l) + 1);
  const best = Math.max(0, ...scores.values());
  const winners = [...scores].filter(([, s]) => s === best).map(([l]) => l);
  if (c.markers.has(hint) && (best === 0 || winners.includes(hint))) return hint;
  if (best === 0 || winners.length !== 1) return null;
  return winners[0];
}

export function isNegated(c, m, tokens, triggers, pseudo) {
  const isTrigger = (i) => !pseudo.has(i) && triggers.has(tokens[i].forms[0]);
  if (m.gaps.some(isTrigger)) return true;
  for (let j = m.first - 1; j >= 0 && m.first - j <= c.window; j--) {
    if (tokens[j + 1].clauseBreak || c.terminators.has(tokens[j].forms[0])) return false;
    if (isTrigger(j)) return true;
  }
  return false;
}

export function makeMatch(rule, category, severity, base, first, last, norm, tokens, flags) {
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
export function fillCombo(requires, group) {
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
export function someoneElses(c, start, end, tokens) {
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
export function combinationPossible(c, entryIds) {
  const tags = new Set();
  for (const i of entryIds) for (const t of c.entries[i].tags) tags.add(t);
  return c.comboNeed.some((need) => need.every((t) => tags.has(t)));
}

/** False only if the verdict must be 0: no strong pattern has all its (up to two) key elements
 * among the tokens and the modifier entries that have them cannot complete a combination.
 * Spaced-out letters (a joined token) always pass. */
export function mayMatch(c, tokens) {
  const slots = new Set();
  for (const tok of tokens) {
    if (tok.joined) return true;
    for (const code of c.matcher.keySlots(tok)) slots.add(code);
  }
  const [strong, modifiers] = c.matcher.possible(slots);
  return strong || (modifiers.size >= 2 && combinationPossible(c, modifiers));
}

/** A strong entry matched, or modifiers of two different entries (a combination). */
export function mayScore(c, raw) {
  const modifiers = new Set();
  for (const m of raw) {
    if (c.strong.has(m.entry)) return true;
    if (c.significant.has(m.entry)) modifiers.add(m.entry);
  }
  return modifiers.size >= 2 && combinationPossible(c, modifiers);
}
