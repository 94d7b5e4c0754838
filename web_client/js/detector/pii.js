/**
 * Personal data: henkilötunnus, personnummer, phone numbers, e-mail, street addresses.
 * Part of the detector's JavaScript port (web_client/js/detector.js is the public entry);
 * follows its Python twin moderation/pii.py step by step (docs/detection.md).
 */

const HETU_CHECK = '0123456789abcdefhjklmnprstuvwxy';
const HETU_CENTURY = '+-abcdefyxwvu';

function hetuValid(s) {
  s = s.toLowerCase();
  const digits = s.slice(0, 6) + s.slice(7, 10);
  if (s.length !== 11 || !HETU_CENTURY.includes(s[6]) || !/^[0-9]{9}$/.test(digits)) return false;
  const day = Number(s.slice(0, 2));
  const month = Number(s.slice(2, 4));
  if (!(day >= 1 && day <= 31 && month >= 1 && month <= 12)) return false;
  return HETU_CHECK[Number(digits) % 31] === s[10];
}

function luhnValid(digits) {
  let total = 0;
  [...digits].reverse().forEach((c, i) => {
    let d = c.charCodeAt(0) - 48;
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    total += d;
  });
  return total % 10 === 0;
}

function personnummerValid(s) {
  let digits = s.replace(/[^0-9]/g, '');
  if (digits.length === 12) digits = digits.slice(2);
  if (digits.length !== 10) return false;
  const month = Number(digits.slice(2, 4));
  let day = Number(digits.slice(4, 6));
  if (day > 60) day -= 60;
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31)) return false;
  return luhnValid(digits);
}

export function scanPii(text, rules, allowlist) {
  // Regex indices are UTF-16 units; hits are returned in code points of the normalised text.
  const cpIndex = [];
  let cp = 0;
  for (let u = 0; u < text.length; u++) {
    cpIndex.push(cp);
    const c = text.charCodeAt(u);
    if (!(c >= 0xd800 && c <= 0xdbff && u + 1 < text.length)) cp++;
  }
  cpIndex.push(cp);
  const hits = [];
  for (const rule of rules) {
    rule.regex.lastIndex = 0;
    for (const m of text.matchAll(rule.regex)) {
      const s = m[0];
      const a = cpIndex[m.index];
      const b = cpIndex[m.index + s.length];
      if (rule.kind === 'hetu' && !hetuValid(s)) continue;
      if (rule.kind === 'personnummer' && !personnummerValid(s)) continue;
      if (rule.kind === 'phone' && allowlist.some((p) => s.replace(/[^0-9]/g, '').startsWith(p))) continue;
      if (hits.some((h) => h.start < b && a < h.end)) continue;
      hits.push({ rule, start: a, end: b });
    }
  }
  return hits;
}
