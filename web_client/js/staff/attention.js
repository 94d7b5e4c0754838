/**
 * How an alert gets a moderator's attention: a short tone (WebAudio; no audio file, nothing for
 * the CSP to allow) and, with the person's permission, a browser notification that carries no
 * content: no text, no pseudonym, no room name (a lock screen is seen by others too).
 */

let audio = null;

/** Unlock sound on a click (browsers start audio only after a gesture): the duty switch. */
export function primeSound() {
  try {
    const Ctx = globalThis.AudioContext || globalThis.webkitAudioContext;
    if (!audio && Ctx) audio = new Ctx();
    if (audio && audio.state === 'suspended') audio.resume();
  } catch (err) {
    audio = null;
  }
}

/** Two short rising tones; quiet enough for a shared room at night. */
export function playAlertTone() {
  if (!audio) return false;
  try {
    const now = audio.currentTime;
    for (const [i, freq] of [660, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.18);
      osc.stop(now + i * 0.18 + 0.17);
    }
    return true;
  } catch (err) {
    return false;
  }
}

export function notificationsState() {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.permission; // 'default' | 'granted' | 'denied'
}

export async function askNotifications() {
  if (typeof Notification === 'undefined') return 'unsupported';
  try {
    return await Notification.requestPermission();
  } catch (err) {
    return Notification.permission;
  }
}

/** A notification without content (title and a fixed line only); true when shown. */
export function notifyAlert(t) {
  if (notificationsState() !== 'granted') return false;
  try {
    const n = new Notification(t('staff.notify.title'), { body: t('staff.notify.body'),
      tag: 'iltapiiri-alert', silent: true });
    n.onclick = () => { globalThis.focus(); n.close(); };
    return true;
  } catch (err) {
    return false;
  }
}
