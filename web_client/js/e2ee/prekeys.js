/**
 * Publishing my prekeys (the browser twin of the prekey part of client/engine.py): one-time
 * prekeys topped up below a watermark, the signed prekey rotated after a week, and every key
 * written to the store before the relay can hand it out. No state of its own: the engine passes
 * the account, the relay, the clock and how to persist the account.
 */

export const OTK_LOW_WATERMARK = 10;
export const OTK_TARGET = 50;
export const OTK_CHECK_EVERY = 5; // new 1:1 sessions between two looks at the relay's count
export const RELAY_OTKS_STORED = 200; // the relay keeps the newest 200 one-time prekeys of a key
export const RELAY_OTKS_PER_PUBLISH = 100;
// Make a new signed prekey when the published one is older than a week (as client/engine.py;
// X3DH recommends periodic rotation). The account keeps MAX_OLD_SIGNED_PREKEYS (3) old ones, so a
// first message sent to an older bundle (in flight, or waiting in the inbox) still opens.
export const SIGNED_PREKEY_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/** Whether the signed prekey is older than SIGNED_PREKEY_MAX_AGE_MS at `now` (a prekey of
 * unknown age, or dated in the future after a clock change, counts from `now`). */
export function signedPrekeyDue(account, now) {
  const made = account && account.signedMadeAt;
  return Number.isFinite(made) && made <= now && now - made >= SIGNED_PREKEY_MAX_AGE_MS;
}

/** Rotate the signed prekey if due (before a publish): {rotated, dated}. */
async function rotateSignedPrekeyNow(account, now, rng) {
  const made = account.signedMadeAt;
  if (!Number.isFinite(made) || made > now) {
    account.signedMadeAt = now;
    return { rotated: false, dated: true };
  }
  if (now - made < SIGNED_PREKEY_MAX_AGE_MS) return { rotated: false, dated: false };
  await account.rotateSignedPrekey(rng);
  account.signedMadeAt = now;
  return { rotated: true, dated: true };
}

/**
 * Look at the relay's count of my one-time prekeys and publish what is due. `fresh`: the
 * account was just made here; `always`: publish the bundle even when nothing is due.
 */
export async function publishKeys({ account, relay, rng, now, fresh, always, persistAccount }) {
  let count = 0;
  try {
    const reply = await relay.request('keys.count', {});
    count = Number.isInteger(reply.one_time_prekeys) ? reply.one_time_prekeys : 0;
  } catch (err) {
    if (!err || err.code !== 'no_keys') throw err;
  }
  if (fresh && count > 0) {
    // New keys for an identity the relay already holds one-time prekeys of (a restore without
    // keys, a reinstall): their private halves are not here, and the relay hands out the
    // oldest first, so a new contact's first message would be unreadable. Push them all out.
    for (let n = 0; n < RELAY_OTKS_STORED; n += RELAY_OTKS_PER_PUBLISH) {
      const request = await account.keysPublish(RELAY_OTKS_PER_PUBLISH, rng);
      await persistAccount();
      await relay.request('keys.publish', request);
    }
    return;
  }
  const topUp = count < OTK_LOW_WATERMARK ? OTK_TARGET - count : 0;
  const { rotated, dated } = await rotateSignedPrekeyNow(account, now, rng);
  if (!always && topUp === 0 && !rotated) {
    if (dated) await persistAccount();
    return;
  }
  const request = await account.keysPublish(topUp, rng);
  await persistAccount(); // private prekeys exist on disk before the server hands them out
  await relay.request('keys.publish', request);
}
