/** The staff strings (fi/sv/en), added to the page's only when js/staff/ is loaded. */

import { addStrings } from '../i18n.js';
import en from './i18n/en.js';
import fi from './i18n/fi.js';
import sv from './i18n/sv.js';

export const STAFF_STRINGS = Object.freeze({ fi, sv, en });

export function installStaffStrings() {
  addStrings(STAFF_STRINGS);
}

/** The text for an error code, or the generic one for a code without its own words. */
export function errorText(t, code) {
  const key = `staff.error.${code || 'generic'}`;
  const text = t(key);
  return text === key ? t('staff.error.generic') : text;
}
