/**
 * After matching: conversational cues (a "no" to a question, support addressed to the reader),
 * quotation ranges, and the learned model's decision rule (raise to 2 or 3, never lower, never
 * 4, not when the rules set a crisis phrase aside by its context).
 * Part of the detector's JavaScript port (web_client/js/detector.js is the public entry);
 * follows its Python twins moderation/context.py and moderation/verdict.py (docs/detection.md).
 */

import { isWord } from './common.js';

export const PERSONAL = 'personal_data';
export const DOXXING = 'doxxing';
export const TURN_CUE_KINDS = new Set(['asked', 'answer_no', 'addressed', 'first_person', 'quote_source',
  'speech', 'speaker', 'contrast', 'topic', 'answer_alone', 'mention_after']);
// Cue kinds that count only in the message's language (as Python's LANGUAGE_BOUND_CUES).
export const LANGUAGE_BOUND_CUES = new Set(['answer_no', 'answer_alone']);
// A topic cue governs a phrase right after it; harassment up to this many tokens after it
// (Python's TOPIC_GAP).
const TOPIC_GAP = 3;
// Quotation marks after normalisation (typographic ones included). A single quote (normalised to
// an apostrophe) quotes only at a word's edge: "don't" holds an apostrophe, 'kys' a quote.
const QUOTE_CHARS = new Set(['"', '“', '”', '„', '«', '»']);
// Flags by which the rules set a crisis phrase aside in its context.
const CONTEXT_FLAGS = new Set(['idiom', 'negated', 'past', 'reported', 'quoted', 'answered',
  'addressed', 'joking']);

/** Where the conversational cues of one message lie (as Python's TurnCues). */
export class TurnCues {
  constructor() {
    this.asked = []; // [sentence, first token]
    this.answers = []; // [clause, first token, several tokens]
    this.addressed = new Set(); // clauses
    this.firstPerson = new Set(); // clauses
    this.quoteSources = new Set(); // sentences
    this.speech = []; // [clause, first token] of speech verbs
    this.subjects = []; // [clause, token, own]: third parties, relative pronouns, first person
    this.reportedAt = []; // [clause, token] of reported-speech cues
    this.contrast = []; // tokens of contrast words
    this.topics = []; // [clause, last token] of topic cues ("telling someone to", "if you see")
    this.alone = []; // [clause, first, last] of answers that must end their clause ("en")
    this.mentionAfter = new Set(); // first tokens of message nouns ("kys comments", "kys-kommentit")
  }

  add(kind, m, sentenceOf, clauseOf) {
    if (kind === 'asked') this.asked.push([sentenceOf[m.first], m.first]);
    else if (kind === 'answer_no') this.answers.push([clauseOf[m.first], m.first, m.last > m.first]);
    else if (kind === 'addressed') this.addressed.add(clauseOf[m.first]);
    else if (kind === 'quote_source') this.quoteSources.add(sentenceOf[m.first]);
    else if (kind === 'speech') this.speech.push([clauseOf[m.first], m.first]);
    else if (kind === 'speaker') this.subjects.push([clauseOf[m.last], m.last, false]);
    else if (kind === 'contrast') this.contrast.push(m.first);
    else if (kind === 'topic') this.topics.push([clauseOf[m.last], m.last]);
    else if (kind === 'answer_alone') this.alone.push([clauseOf[m.first], m.first, m.last]);
    else if (kind === 'mention_after') this.mentionAfter.add(m.first);
    else {
      this.firstPerson.add(clauseOf[m.first]);
      this.subjects.push([clauseOf[m.first], m.first, true]);
    }
  }

  /** The match is the content of a question put to the writer, answered "no" later. */
  answered(m, sentenceOf, clauseOf) {
    if (!this.answers.length && !this.alone.length) return false;
    const sent = sentenceOf[m.first];
    if (!this.asked.some(([s, first]) => s === sent && first < m.first)) return false;
    const endClause = clauseOf[m.last];
    if (this.answers.some(([k, first, several]) => first > m.last && (k > endClause || several))) return true;
    // An answer that ends a later clause ("..., ja rehellisesti en, ..."), not one opening a longer one.
    const n = clauseOf.length;
    return this.alone.some(([k, first, last]) => first > m.last && k > endClause
      && (last + 1 === n || clauseOf[last + 1] !== k));
  }

  /** The match lies in a clause addressed to the reader with no first-person word. */
  addressedToReader(m, clauseOf) {
    const clause = clauseOf[m.first];
    return this.addressed.has(clause) && !this.firstPerson.has(clause);
  }

  /** The match is the object of a speech verb whose nearest subject before it, in its clause, is
   * someone else (as Python's TurnCues.framed; a first-person word wins a tie). Unless ownWordsOk,
   * no first-person word may stand between the verb and the match. */
  framed(m, clauseOf, ownWordsOk) {
    const clause = clauseOf[m.first];
    // Mentioned as a topic: "telling someone to kill themselves", "if you see kys or kms".
    // Harassment may stand up to TOPIC_GAP tokens after the cue, no first-person word between.
    const reach = ownWordsOk ? TOPIC_GAP : 0;
    // A harassment phrase naming a kind of message: "kys comments are removed".
    if (ownWordsOk && this.mentionAfter.has(m.last + 1) && clauseOf[m.last + 1] === clause) return true;
    for (const [k, last] of this.topics) {
      if (k === clause && last < m.first && m.first <= last + 1 + reach
        && !this.subjects.some(([q, p, own]) => own && q === clause && last < p && p < m.first)) return true;
    }
    let verb = -1;
    for (const [k, v] of this.speech) if (k === clause && v < m.first && v > verb) verb = v;
    if (verb < 0) return false;
    let best = null;
    for (const [k, p, own] of this.subjects) {
      if (k !== clause || p >= verb) continue;
      if (best === null || p > best[0] || (p === best[0] && own && !best[1])) best = [p, own];
    }
    if (best === null || best[1]) return false;
    return ownWordsOk || !this.subjects.some(([k, p, own]) => own && k === clause && verb < p && p < m.first);
  }

  /** A reported-speech cue of the match's clause still governs it: no contrast word between a
   * cue before the match and the match (as Python's TurnCues.reported_here). */
  reportedHere(m, clauseOf) {
    const clause = clauseOf[m.first];
    return this.reportedAt.some(([k, pos]) => k === clause
      && !(pos < m.first && this.contrast.some((q) => pos < q && q < m.first)));
  }

  /** The sentence says whose words these are: the reader's or someone else's. */
  quotedFromOther(m, sentenceOf) {
    return this.quoteSources.has(sentenceOf[m.first]);
  }
}

/** [open, close] code-point positions of quotation-mark pairs, paired in order. */
export function quotedRanges(chars) {
  const marks = [];
  chars.forEach((ch, i) => { if (QUOTE_CHARS.has(ch)) marks.push(i); });
  const out = [];
  for (let i = 0; i + 1 < marks.length; i += 2) out.push([marks[i], marks[i + 1]]);
  // Single-quote pairs (as Python's quoted_ranges): opened before a word after a non-word
  // character, closed by the next one after a non-space character and before a non-word one.
  if (!chars.includes("'")) return out;
  const n = chars.length;
  let opened = -1;
  for (let i = 0; i < n; i++) {
    if (chars[i] !== "'") continue;
    const before = i ? chars[i - 1] : ' ';
    const after = i + 1 < n ? chars[i + 1] : ' ';
    if (opened >= 0) {
      if (before !== ' ' && before !== '\t' && before !== '\n' && !isWord(after)) {
        out.push([opened, i]);
        opened = -1;
      }
    } else if (!isWord(before) && isWord(after)) opened = i;
  }
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/** Did the rules set a crisis phrase (base level >= 2) aside below 2 by its context? */
export function setAside(matches) {
  return matches.some((m) => m.base_severity >= 2 && m.severity < 2 && m.category !== PERSONAL
    && m.category !== DOXXING && m.flags.some((f) => CONTEXT_FLAGS.has(f)));
}

/** The rules' verdict raised by the learned model where it vouches for a higher level (2 or 3,
 * never 4) than the rules' crisis verdict; never lowered (as Python's with_model). */
export function withModel(c, det, norm, tokens, truncated) {
  const model = c.model;
  if (!model || !tokens.length) return det;
  const crisis = Math.max(0, ...det.matches.filter((m) => m.category !== PERSONAL
    && m.category !== DOXXING).map((m) => m.severity));
  if (crisis >= 3 || setAside(det.matches)) return det;
  const level = model.level(model.risk(tokens));
  if (level <= crisis) return det;
  const category = model.category(tokens);
  const added = {
    rule: `model.${category}`,
    category,
    severity: level,
    base_severity: level,
    span: [norm.starts[tokens[0].start], norm.ends[tokens[tokens.length - 1].end - 1]],
    flags: truncated ? ['model', 'truncated'] : ['model'],
  };
  const matches = [...det.matches, added].sort((a, b) => a.span[0] - b.span[0]
    || a.span[1] - b.span[1] || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  const found = new Set(matches.filter((m) => m.severity > 0).map((m) => m.category));
  return { severity: Math.max(det.severity, level),
    categories: c.categories.filter((cat) => found.has(cat)), language: det.language, matches };
}
