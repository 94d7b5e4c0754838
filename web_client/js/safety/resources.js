/**
 * Which crisis resources to show, from the operator's config/crisis_resources.json (served at
 * /api/crisis-resources.json). A port of moderation.resources_for (Python), kept pure so the
 * browser test can compare the two on the same inputs: same entries, same order, same texts.
 *
 * `locale` is where the person is (FI, SE, anything else falls back to intl); `uiLanguage` picks
 * texts, opening hours and, where a line exists in several languages (the MIELI crisis line), the
 * variant. A person at risk always gets a phone number: see moderation/resources.py.
 */

export const FALLBACK_LOCALE = 'intl';
export const FALLBACK_LANGUAGE = 'en';
export const FIRST_AID_MIN_SEVERITY = 3;
export const ALWAYS_A_NUMBER_MIN_SEVERITY = 2;
export const HOME_LINES_MIN_SEVERITY = 3;
export const WARNING_CATEGORIES = ['personal_data', 'harassment'];

function pickLanguage(ids, table, lang) {
  const groupsWithMatch = new Set(ids.filter((i) => [lang, undefined, null].includes(table[i].language))
    .map((i) => table[i].group));
  const seenGroups = new Set();
  const out = [];
  for (const i of ids) {
    const entry = table[i];
    const entryLang = entry.language;
    const ok = entryLang === undefined || entryLang === null || entryLang === lang
      || (!groupsWithMatch.has(entry.group) && !seenGroups.has(entry.group));
    if (ok && !out.includes(i)) {
      out.push(i);
      seenGroups.add(entry.group);
    }
  }
  return out;
}

const text = (value, lang) => (value !== null && typeof value === 'object' ? value[lang] : String(value));

/** The home country's emergency number and crisis line where moderation.resources_for adds them. */
function withPhoneLines(ids, severity, locKey, cfg) {
  const home = cfg.home_locale;
  const table = cfg.resources;
  if (!home || !cfg.locales[home] || severity < ALWAYS_A_NUMBER_MIN_SEVERITY) return ids;
  const homeIds = [...(cfg.locales[home].levels[String(severity)] || [])];
  const homeCrisis = homeIds.filter((i) => table[i].group === 'crisis_line');
  const unknownPlace = locKey === FALLBACK_LOCALE;
  const numbered = (list, group) => list.filter((i) => table[i].number && (group === null || table[i].group === group));
  let out = ids;
  if (severity >= HOME_LINES_MIN_SEVERITY && locKey !== home) {
    if (numbered(out, 'emergency').length === 0) {
      out = [...homeIds.filter((i) => table[i].group === 'emergency'), ...out];
    }
    if (unknownPlace) {
      const emergency = numbered(out, 'emergency');
      out = [...emergency, ...homeCrisis, ...out.filter((i) => !emergency.includes(i))];
    } else {
      out = [...out, ...homeCrisis];
    }
  }
  if (numbered(out, null).length === 0) out = unknownPlace ? [...homeCrisis, ...out] : [...out, ...homeCrisis];
  return out;
}

/**
 * {severity, message, resources: [{id, name, number, url, hours, source, verify}],
 *  firstAidSigns, firstAidSteps, warnings} for a crisis severity and categories.
 */
export function resourcesFor(severity, categories, locale, uiLanguage, cfg) {
  const lang = cfg.ui_languages.includes(uiLanguage) ? uiLanguage : FALLBACK_LANGUAGE;
  let key = locale !== FALLBACK_LOCALE ? String(locale).toUpperCase() : locale;
  if (!cfg.locales[key]) key = FALLBACK_LOCALE;
  const loc = cfg.locales[key];
  const table = cfg.resources;
  let level = severity;
  if (categories.every((c) => WARNING_CATEGORIES.includes(c))) level = 0;
  let ids = [];
  if (level >= 1) {
    // Category resources first at the top levels (an overdose needs 112 and poison info).
    const catIds = categories.flatMap((c) => loc.categories[c] || []);
    const levelIds = loc.levels[String(level)] || [];
    ids = level >= FIRST_AID_MIN_SEVERITY ? [...catIds, ...levelIds] : [...levelIds, ...catIds];
    ids = withPhoneLines(ids, level, key, cfg);
  }
  const picked = pickLanguage(ids, table, lang);
  const texts = cfg.texts;
  const aid = cfg.overdose_first_aid;
  const showAid = categories.includes('overdose') && level >= FIRST_AID_MIN_SEVERITY;
  return {
    severity: level,
    message: texts[String(level)] && level >= 1 ? texts[String(level)][lang] : null,
    resources: picked.map((i) => ({
      id: i,
      name: table[i].name[lang],
      number: table[i].number ?? null,
      url: table[i].url ?? null,
      hours: text(table[i].hours, lang),
      source: table[i].source,
      verify: Boolean(table[i].verify),
    })),
    firstAidSigns: showAid ? [...aid.signs[lang]] : [],
    firstAidSteps: showAid ? [...aid.steps[lang]] : [],
    warnings: ['personal_data', 'harassment'].filter((c) => categories.includes(c)).map((c) => texts[c][lang]),
  };
}

/** Where the person probably is, from the browser's language tags (FI, SE or intl). */
export function guessLocale(preferred = navigator.languages || [navigator.language]) {
  for (const tag of preferred) {
    const region = String(tag || '').split('-')[1];
    if (region && ['FI', 'SE'].includes(region.toUpperCase())) return region.toUpperCase();
  }
  for (const tag of preferred) {
    // Finnish (and, for this Finnish service, Swedish without a region) most likely means Finland.
    const base = String(tag || '').toLowerCase().split('-')[0];
    if (base === 'fi' || base === 'sv') return 'FI';
  }
  return FALLBACK_LOCALE;
}
