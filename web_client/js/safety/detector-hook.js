/**
 * The crisis detector, run on the writer's own device before anything is encrypted.
 *
 * `web_client/js/detector.js` (the detector port) exports compileDetector(data) -> {detect(text,
 * lang) -> {severity, categories, matches}}; its data is `/api/detector.json`. If either fails
 * to load (offline at start, say), check() answers "nothing found" and the composer works as
 * before; help is still one tap away in the header.
 */

export const HELP_SEVERITY = 2; // at or above: show private help before sending
export const PERSONAL_DATA = 'personal_data';
// Someone else's personal details ("her address is ..."): a second match beside personal_data.
export const DOXXING = 'doxxing';
export const OVERDOSE_CATEGORIES = ['overdose'];
// Not the writer's own crisis: personal details (the writer's or, doxxing, someone else's) get
// the "send anyway?" question instead, and harassing someone else is for the moderators, not a
// reason to show the writer crisis help.
export const NOT_WRITER_CRISIS = [PERSONAL_DATA, DOXXING, 'harassment'];

const NOTHING = Object.freeze({ severity: 0, categories: [], matches: [] });
let detector = null;
let loading = null;

/** Load the detector once; resolves true when it is usable. */
export function loadDetector() {
  if (!loading) {
    loading = (async () => {
      try {
        const [mod, res] = await Promise.all([
          import('../detector.js'),
          fetch('/api/detector.json', { credentials: 'same-origin' }),
        ]);
        if (!res.ok || typeof mod.compileDetector !== 'function') return false;
        detector = mod.compileDetector(await res.json());
        return true;
      } catch (err) {
        return false;
      }
    })();
  }
  return loading;
}

/** The detector's verdict on `text`, or "nothing" when the detector is unavailable.
 * Async so that a detector in a worker (or any other async one) fits the same hook. */
export async function check(text, lang) {
  if (!detector || !text) return NOTHING;
  try {
    const r = await detector.detect(text, lang);
    return {
      severity: Number(r.severity) || 0,
      categories: Array.isArray(r.categories) ? r.categories : [],
      matches: Array.isArray(r.matches) ? r.matches : [],
    };
  } catch (err) {
    return NOTHING;
  }
}

/** The highest severity among matches that speak of the writer's own crisis. */
export function crisisSeverity(result) {
  const relevant = result.matches.filter((m) => m && !NOT_WRITER_CRISIS.includes(m.category));
  if (relevant.length) return Math.max(...relevant.map((m) => Number(m.severity) || 0));
  // Without per-match detail, trust the overall level unless only non-crisis categories fired.
  const crisisCategories = result.categories.filter((c) => !NOT_WRITER_CRISIS.includes(c));
  return crisisCategories.length || !result.categories.length ? result.severity : 0;
}

/** What the composer should do before sending: {help, overdose, personal, severity, categories}
 * (severity is the writer's crisis severity, what the help panel picks resources by). */
export function gate(result) {
  const severity = crisisSeverity(result);
  return {
    severity,
    categories: result.categories,
    help: severity >= HELP_SEVERITY,
    overdose: result.categories.includes('overdose')
      || result.matches.some((m) => m && OVERDOSE_CATEGORIES.includes(m.category)),
    personal: result.categories.includes(PERSONAL_DATA) || result.categories.includes(DOXXING),
  };
}
