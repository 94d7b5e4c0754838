/**
 * Compile the data file and detect: idioms, negation, context cues, combinations,
 * personal data, then the learned backstop.
 * Part of the detector's JavaScript port (web_client/js/detector.js is the public entry);
 * follows its Python twin moderation/engine.py and data.py step by step (docs/detection.md).
 */

import { cps, isWord, memo } from './common.js';
import { compileModel } from './model.js';
import { mapCluster, normalise } from './normalise.js';
import { Matcher, parsePattern } from './patterns.js';
import { scanPii } from './pii.js';
import {
  fillCombo, isNegated, makeMatch, mayMatch, mayScore, resolveLanguage, someoneElses,
} from './steps.js';
import { tokenForms, tokenize } from './tokenize.js';
import {
  DOXXING, FLAG_ORDER, LANGUAGE_BOUND_CUES, PERSONAL, TURN_CUE_KINDS, TurnCues, quotedRanges,
  withModel,
} from './verdict.js';

const MAX_TEXT_CHARS = 20000;
const CUE_KINDS = ['past', 'recent', 'reported', 'joking', ...TURN_CUE_KINDS];
const RE_PII_HINT = /[0-9@]/;

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
    for (const [lang, pats] of Object.entries(data.context_cues[kind] || {})) add(meta(kind, `cue.${kind}.${lang}`), pats, true);
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
    jokingCaps: data.context_effects.joking_caps || {},
    jokingEmoji: new Set(data.context_effects.joking_emoji || []),
    jokingUnless: new Set(data.context_effects.joking_unless || []),
    quotedCategories: new Set(data.context_effects.quoted_categories || []),
    addressedCategories: new Set(data.context_effects.addressed_categories || []),
    framedCategories: new Set(data.context_effects.framed_categories || []),
    model: data.model ? compileModel(data.model, data.quantity_min, data.categories) : null,
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
  return {
    detect: (text, lang = null) => detect(c, allTriggers, String(text), lang),
    /** The tokens of a message as the rules and the model see them (Python's Detector.tokens). */
    tokens: (text) => {
      let chars = cps(String(text));
      if (chars.length > MAX_TEXT_CHARS) chars = chars.slice(0, MAX_TEXT_CHARS);
      return tokenize(normalise(chars, c.tables).chars, c.forms, c.leetSymbols);
    },
  };
}


function detect(c, allTriggers, text, lang) {
  let chars = cps(text);
  const truncated = chars.length > MAX_TEXT_CHARS;
  if (truncated) chars = chars.slice(0, MAX_TEXT_CHARS);
  const norm = normalise(chars, c.tables);
  const ntext = norm.chars.join('');
  const tokens = tokenize(norm.chars, c.forms, c.leetSymbols);
  const language = resolveLanguage(c, tokens, lang);
  // Personal data first (a digit or an @ is rare): a line without any takes the prefilter.
  const piiHits = RE_PII_HINT.test(ntext) ? scanPii(ntext, c.pii, c.allowlist) : [];
  const piiHint = piiHits.length > 0;
  // Most chat lines: no pattern can score anywhere. Same verdict, less work.
  const nothing = () => withModel(c, { severity: 0, categories: [], language, matches: [] }, norm,
    tokens, truncated);
  if (!piiHint && !mayMatch(c, tokens)) return nothing();
  // Every language's entries run on every message (issue 13): a Swedish sentence typed in the
  // Finnish interface is still read as Swedish.
  const raw = c.matcher.find(tokens);
  if (!piiHint && !mayScore(c, raw)) return nothing();
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
  const hasCaps = Object.keys(c.jokingCaps).length > 0;
  let joking = hasCaps && norm.chars.some((ch) => c.jokingEmoji.has(ch));
  const turns = new TurnCues();
  for (const m of raw) {
    const e = c.entries[m.entry];
    if (e.kind === 'lexicon') lexical.push([m, e]);
    else if (e.kind === 'idiom') idioms.push(m);
    else if (e.kind === 'pseudo_negation') for (let i = m.first; i <= m.last; i++) pseudo.add(i);
    else if (e.kind === 'joking') joking = true;
    else if (TURN_CUE_KINDS.has(e.kind)) {
      // A bare "no" is an answer only in the message's language ("no" is "well" in Finnish).
      if (!LANGUAGE_BOUND_CUES.has(e.kind) || language === null || e.id.endsWith(`.${language}`)) {
        turns.add(e.kind, m, sentenceOf, clauseOf);
      }
    }
    // Past and recent cues hold for their sentence; reported speech for its clause.
    else {
      cues[e.kind].add((e.kind === 'reported' ? clauseOf : sentenceOf)[m.first]);
      if (e.kind === 'reported') {
        turns.reportedAt.push([clauseOf[m.first], m.first]);
        turns.frames.add(sentenceOf[m.first]);
        turns.frameClauses.add(clauseOf[m.first]);
      }
    }
  }
  const triggers = language !== null && c.triggers.has(language) ? c.triggers.get(language) : allTriggers;
  const fx = c.effects;
  const quotes = turns.quoteSources.size || turns.speech.length || turns.addressed.size
    || lexical.some(([, e]) => c.quotedCategories.has(e.category)) ? quotedRanges(norm.chars) : [];
  for (const [a, b] of quotes) {
    // First and last token of each quotation (as Python's TurnCues.quote_spans).
    let first = -1;
    let last = -1;
    tokens.forEach((t, i) => { if (a < t.start && t.end <= b) { if (first < 0) first = i; last = i; } });
    if (first >= 0) turns.quoteSpans.push([first, last]);
  }
  let matches = [];
  const active = [];
  // rule|span -> [first, last] token: where the frame head's gate looks (inFrame).
  const where = new Map();
  const whereKey = (mm) => `${mm.rule}|${mm.span[0]}|${mm.span[1]}`;
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
    const quotable = c.quotedCategories.has(e.category);
    // Reported speech: a cue in the clause, or the object of someone else's speech verb.
    const reported = (cues.reported.has(clauseOf[m.first]) && turns.reportedHere(m, clauseOf))
      || ((turns.speech.length > 0 || turns.topics.length > 0 || turns.mentionAfter.size > 0
        || turns.mentionBefore.size > 0)
        && c.framedCategories.has(e.category)
        && turns.framed(m, clauseOf, quotable))
      || (turns.askedAt.length > 0 && !quotable && c.framedCategories.has(e.category)
        && turns.askedOfOther(m, clauseOf));
    if (e.context === 'self' && reported) {
      flags.push('reported');
      eff = Math.min(eff, fx.reported_caps_at);
    }
    const inside = quotes.length > 0
      && quotes.some(([a, b]) => a < tokens[m.first].start && tokens[m.last].end <= b);
    if (quotable && (reported || inside)) {
      flags.push('quoted'); // quoted or reported to condemn it, not addressed to anyone
      eff = 0;
    } else if (inside && turns.quotedFromOther(m, sentenceOf)) {
      flags.push('quoted'); // someone else's words: at most a gentle note, like reported speech
      eff = Math.min(eff, fx.reported_caps_at);
    }
    if (turns.answered(m, sentenceOf, clauseOf)) {
      flags.push('answered');
      eff = Math.min(eff, fx.answered_caps_at ?? 0);
    }
    if (e.context === 'self' && c.addressedCategories.has(e.category)
      && turns.addressedToReader(m, clauseOf)) {
      flags.push('addressed');
      eff = Math.min(eff, fx.addressed_caps_at ?? 0);
    }
    if (!flags.length || (flags.length === 1 && flags[0] === 'negated'
      && e.negation === 'negated_form_is_crisis')) active.push([m, e]);
    if (e.severity > 0) {
      const made = makeMatch(e.id, e.category, eff, e.severity, m, m, norm, tokens, flags);
      matches.push(made);
      where.set(whereKey(made), [m.first, m.last]);
    }
  }
  if (active.some(([, e]) => e.tags.size)) {
    let comboQuotes = null;
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
        // A combination inside a quotation that sets its category aside is quoted (as Python's
        // combinations(quoted=...)): 'citerar trollet: "ingen bryr sig, dö bara"'.
        let q = false;
        if (c.quotedCategories.has(combo.category)) {
          if (comboQuotes === null) comboQuotes = quotes.length ? quotes : quotedRanges(norm.chars);
          q = comboQuotes.some(([a, b]) => a < tokens[first.first].start && tokens[last.last].end <= b);
        }
        const made = makeMatch(combo.id, combo.category, q ? 0 : combo.severity, combo.severity,
          first, last, norm, tokens, q ? ['combination', 'quoted'] : ['combination']);
        matches.push(made);
        where.set(whereKey(made), [first.first, last.last]);
        break;
      }
    }
  }
  if (joking && hasCaps && !active.some(([, e]) => [...e.tags].some((t) => c.jokingUnless.has(t)))) {
    matches = matches.map((m) => {
      const cap = c.jokingCaps[m.category];
      if (cap === undefined || m.severity <= cap) return m;
      return { ...m, severity: cap, flags: FLAG_ORDER.filter((f) => m.flags.includes(f) || f === 'joking') };
    });
  }
  if (piiHint) {
    for (const hit of piiHits) {
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
  let frameQuotes = null;
  // Inside quotation marks, or every sentence of the match holds a frame cue (as Python's).
  const inFrame = (mm) => {
    const pos = where.get(whereKey(mm));
    if (pos === undefined) return false;
    const [first, last] = pos;
    if (frameQuotes === null) frameQuotes = quotes.length ? quotes : quotedRanges(norm.chars);
    if (frameQuotes.some(([a, b]) => a < tokens[first].start && tokens[last].end <= b)) return true;
    for (let x = sentenceOf[first]; x <= sentenceOf[last]; x++) if (!turns.frames.has(x)) return false;
    return !turns.ownAfterFrame(first, sentenceOf, clauseOf);
  };
  return withModel(c, { severity, categories: c.categories.filter((cat) => found.has(cat)), language,
    matches }, norm, tokens, truncated, inFrame);
}
