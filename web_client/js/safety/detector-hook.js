/**
 * The crisis detector, run on the writer's own device before anything is encrypted.
 *
 * `web_client/js/detector.js` (the detector port) exports compileDetector(data) -> {detect(text,
 * lang) -> {severity, categories, matches}}; its data is `/api/detector.json`. Either may be
 * missing while the project is being built: then check() answers "nothing found" and the
 * composer works as before; help is still one tap away in the header.
 */

export const HELP_SEVERITY = 2; // at or above: show private help before sending
export const PERSONAL_DATA = 'personal_data';
export const OVERDOSE_CATEGORIES = ['overdose', 'overdose_emergency', 'poisoning'];

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

/** The detector's verdict on `text`, or "nothing" when the detector is unavailable. */
export function check(text, lang) {
  if (!detector || !text) return NOTHING;
  try {
    const r = detector.detect(text, lang);
    return {
      severity: Number(r.severity) || 0,
      categories: Array.isArray(r.categories) ? r.categories : [],
      matches: Array.isArray(r.matches) ? r.matches : [],
    };
  } catch (err) {
    return NOTHING;
  }
}

/** What the composer should do before sending: {help, overdose, personal}. */
export function gate(result) {
  return {
    help: result.severity >= HELP_SEVERITY,
    overdose: result.categories.some((c) => OVERDOSE_CATEGORIES.includes(c)),
    personal: result.categories.includes(PERSONAL_DATA),
  };
}

/** For tests: install a compiled detector directly. */
export function installDetector(d) {
  detector = d;
  loading = Promise.resolve(Boolean(d));
}
