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
  'speech', 'speaker', 'contrast', 'topic', 'answer_alone', 'mention_after', 'possessive',
  'mention_before', 'ask_other']);
// Cue kinds that count only in the message's language (as Python's LANGUAGE_BOUND_CUES).
export const LANGUAGE_BOUND_CUES = new Set(['answer_no', 'answer_alone']);
// A topic cue governs a phrase right after it; harassment up to this many tokens after it
// (Python's TOPIC_GAP).
const TOPIC_GAP = 3;
// Quotation marks after normalisation (typographic ones included). A single quote (normalised to
// an apostrophe) quotes only at a word's edge: "don't" holds an apostrophe, 'kys' a quote.
const QUOTE_CHARS = new Set(['"', '“', '”', '„', '«', '»']);
// Flags by which the rules set a crisis phrase aside in its context ("support": the frame head).
const CONTEXT_FLAGS = new Set(['idiom', 'negated', 'past', 'reported', 'quoted', 'answered',
  'addressed', 'support', 'joking']);
// Cue kinds that open a frame in their sentence (Python's FRAME_CUE_KINDS; the engine adds
// reported speech).
const FRAME_CUE_KINDS = new Set(['asked', 'addressed', 'quote_source', 'speech', 'topic', 'mention_after',
  'mention_before', 'ask_other']);
// The frame head may lower these categories (Python's SUPPORT_CATEGORIES), to SUPPORT_CAP,
// never a verdict above SUPPORT_MAX.
const SUPPORT_CATEGORIES = new Set(['suicide', 'self_harm', 'distress', 'overdose', 'relapse']);
const SUPPORT_CAP = 1;
const SUPPORT_MAX = 3;
export const FLAG_ORDER = ['idiom', 'negated', 'past', 'recent', 'reported', 'quoted', 'answered',
  'addressed', 'support', 'joking', 'combination', 'model', 'truncated'];

/** Where the conversational cues of one message lie (as Python's TurnCues). */
export class TurnCues {
  constructor() {
    this.asked = []; // [sentence, first token]
    this.askedAt = []; // [clause, first, last]
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
    this.mentionBefore = new Set(); // last tokens of speaking verbs as nouns ("saying kys is ...")
    this.frames = new Set(); // sentences holding a frame cue (seventh round)
    this.frameClauses = new Set(); // clauses holding a frame cue
    this.quoteSpans = []; // [first, last] token of each quotation (seventh round)
  }

  add(kind, m, sentenceOf, clauseOf) {
    if (FRAME_CUE_KINDS.has(kind)) {
      this.frames.add(sentenceOf[m.first]);
      this.frameClauses.add(clauseOf[m.first]);
    }
    if (kind === 'asked') this.asked.push([sentenceOf[m.first], m.first]);
    else if (kind === 'ask_other') this.askedAt.push([clauseOf[m.first], m.first, m.last]);
    else if (kind === 'mention_before') this.mentionBefore.add(m.last);
    else if (kind === 'answer_no') this.answers.push([clauseOf[m.first], m.first, m.last > m.first]);
    else if (kind === 'addressed') this.addressed.add(clauseOf[m.first]);
    else if (kind === 'quote_source') this.quoteSources.add(sentenceOf[m.first]);
    else if (kind === 'speech') this.speech.push([clauseOf[m.first], m.first]);
    else if (kind === 'speaker') this.subjects.push([clauseOf[m.last], m.last, false]);
    else if (kind === 'contrast') this.contrast.push(m.first);
    else if (kind === 'topic') this.topics.push([clauseOf[m.last], m.last]);
    else if (kind === 'answer_alone') this.alone.push([clauseOf[m.first], m.first, m.last]);
    else if (kind === 'mention_after') this.mentionAfter.add(m.first);
    else if (kind === 'possessive') {
      // The word after a possessive is a third party ("my counsellor says", as Python's).
      const after = m.last + 1;
      if (after < clauseOf.length && clauseOf[after] === clauseOf[m.last]) this.subjects.push([clauseOf[after], after, false]);
    } else {
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
    if (!this.addressed.has(clause)) return false;
    if (!this.firstPerson.has(clause)) return true;
    // A first-person word inside the quotation holding the match is the quoted speaker's.
    const q = this.quoteOf(m);
    return q !== null && !this.subjects.some(([k, p, own]) => own && k === clause && !(q[0] <= p && p <= q[1]));
  }

  /** The quotation [first, last] token holding the match, or null (as Python's _quote_of). */
  quoteOf(m) {
    return this.quoteSpans.find(([f, l]) => f <= m.first && m.last <= l) || null;
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
    // Spoken of: "saying kys to anyone is never a joke" (not "im saying kys").
    if (ownWordsOk && this.mentionBefore.has(m.first - 1) && clauseOf[m.first - 1] === clause
      && !this.subjects.some(([k, p, own]) => own && k === clause && p < m.first)) return true;
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
    const q = this.quoteOf(m); // "people who type 'i want to die'": the quoted speaker's "i"
    return ownWordsOk || !this.subjects.some(([k, p, own]) => own && k === clause && verb < p && p < m.first
      && !(q !== null && q[0] <= p && p <= q[1]));
  }

  /** The writer speaks for themselves after a frame: a contrast word before the match in its
   * sentence, or a first-person word before it in a clause without a frame cue (as Python's). */
  ownAfterFrame(first, sentenceOf, clauseOf) {
    const sent = sentenceOf[first];
    const clause = clauseOf[first];
    if (this.contrast.some((q) => q < first && sentenceOf[q] === sent)) return true;
    return !this.frameClauses.has(clause)
      && this.subjects.some(([k, p, own]) => own && k === clause && p < first);
  }

  /** The content of a question put to someone else, with no first-person word from the question
   * word to the match's end (as Python's TurnCues.asked_of_other). */
  askedOfOther(m, clauseOf) {
    const clause = clauseOf[m.first];
    return this.askedAt.some(([k, first, last]) => k === clause && last < m.first
      && !this.subjects.some(([q, p, own]) => own && q === clause && first <= p && p <= m.last));
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

/** May the frame head lower this rules verdict? (as Python's support_gate) */
export function supportGate(det, inFrame) {
  const raised = det.matches.filter((m) => m.severity >= 2 && m.category !== PERSONAL
    && m.category !== DOXXING);
  return raised.length > 0 && Math.max(...raised.map((m) => m.severity)) <= SUPPORT_MAX
    && raised.every((m) => SUPPORT_CATEGORIES.has(m.category) && inFrame(m));
}

/** The verdict with its raising crisis matches capped at SUPPORT_CAP (as Python's). */
function lowerToSupport(c, det) {
  const matches = det.matches.map((m) => {
    if (m.severity < 2 || m.category === PERSONAL || m.category === DOXXING) return m;
    return { ...m, severity: SUPPORT_CAP,
      flags: FLAG_ORDER.filter((f) => m.flags.includes(f) || f === 'support') };
  });
  const found = new Set(matches.filter((m) => m.severity > 0).map((m) => m.category));
  return { severity: Math.max(0, ...matches.map((m) => m.severity)),
    categories: c.categories.filter((cat) => found.has(cat)), language: det.language, matches };
}

/** The rules' verdict raised by the learned model where it vouches for a higher level (2 or 3,
 * never 4) than the rules' crisis verdict; or, where supportGate passes and the frame head
 * vouches for support, lowered to SUPPORT_CAP (as Python's with_model). */
export function withModel(c, det, norm, tokens, truncated, inFrame = null) {
  const model = c.model;
  if (!model || !tokens.length) return det;
  const crisis = Math.max(0, ...det.matches.filter((m) => m.category !== PERSONAL
    && m.category !== DOXXING).map((m) => m.severity));
  if (model.hasFrame && inFrame !== null && crisis >= 2 && crisis <= SUPPORT_MAX
    && supportGate(det, inFrame) && model.lowers(tokens)) return lowerToSupport(c, det);
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
