/**
 * Replays the shared test vectors (tests/vectors/*.json, passed in by the caller) through the
 * WebCrypto primitives, byte for byte, plus the checks the RFCs ask implementations to make
 * (all-zero X25519 output, tampered AES-GCM). The browser tests call runVectors(); selftest.html
 * runs the built-in checks by hand.
 *
 * Returns [{file, name, ok, detail}] and never throws: one broken case must not hide the rest.
 */

import * as P from './primitives.js';

const hex = P.hexToBytes;
const eq = (a, b) => P.bytesToHex(a) === P.bytesToHex(b);

async function x25519Scalar(scalar, u) {
  return P.x25519(await P.x25519ImportPrivate(scalar), u);
}

const RUNNERS = {
  async rfc7748_x25519(doc) {
    const out = [];
    for (const v of doc.x25519 || []) {
      const got = await x25519Scalar(hex(v.scalar), hex(v.u));
      out.push([v.name, eq(got, hex(v.output))]);
    }
    if (doc.iterated && doc.iterated.length) {
      // k = u = 9; then k, u = X25519(k, u), k (RFC 7748 section 5.2).
      let k = new Uint8Array(32);
      k[0] = 9;
      let u = k.slice();
      let done = 0;
      for (const v of [...doc.iterated].sort((a, b) => a.iterations - b.iterations)) {
        while (done < v.iterations) {
          const next = await x25519Scalar(k, u);
          u = k;
          k = next;
          done += 1;
        }
        out.push([`iterated ${v.iterations}`, eq(k, hex(v.output))]);
      }
    }
    const dh = doc.diffie_hellman;
    if (dh) {
      const a = await P.x25519ImportPrivate(hex(dh.alice_private));
      const b = await P.x25519ImportPrivate(hex(dh.bob_private));
      out.push(['alice public', eq(await P.x25519PublicFromPrivate(hex(dh.alice_private)), hex(dh.alice_public))]);
      out.push(['bob public', eq(await P.x25519PublicFromPrivate(hex(dh.bob_private)), hex(dh.bob_public))]);
      out.push(['alice shared', eq(await P.x25519(a, hex(dh.bob_public)), hex(dh.shared))]);
      out.push(['bob shared', eq(await P.x25519(b, hex(dh.alice_public)), hex(dh.shared))]);
    }
    return out;
  },

  async rfc8032_ed25519(doc) {
    const out = [];
    for (const v of doc.tests) {
      const seed = hex(v.secret_key);
      const msg = hex(v.message);
      const key = await P.ed25519ImportSeed(seed, false);
      const sig = await P.ed25519Sign(key, msg);
      out.push([`${v.name} public`, eq(await P.ed25519PublicFromSeed(seed), hex(v.public_key))]);
      out.push([`${v.name} sign`, eq(sig, hex(v.signature))]);
      out.push([`${v.name} verify`, await P.ed25519Verify(hex(v.public_key), hex(v.signature), msg)]);
      const bad = hex(v.signature);
      bad[0] ^= 1;
      out.push([`${v.name} rejects a flipped bit`, !(await P.ed25519Verify(hex(v.public_key), bad, msg))]);
    }
    return out;
  },

  async wycheproof_ed25519_subset(doc) {
    // Verifiers disagree on edge cases (non-canonical R, s >= L, truncation): WebCrypto must give
    // exactly the verdict the Python side gives.
    const out = [];
    const pub = hex(doc.publicKey);
    for (const v of doc.tests) {
      const ok = await P.ed25519Verify(pub, hex(v.sig), hex(v.msg));
      out.push([`tcId ${v.tcId} ${v.result}`, ok === (v.result === 'valid')]);
    }
    return out;
  },

  async iltapiiri_identity(doc) {
    // The auth signature of docs/protocol.md from the identity of a seeded account:
    // account = 01 11 || identity (01 10 || ed25519 seed 32 || x25519 private 32) || ...
    const account = hex(doc.account);
    const seed = account.slice(4, 36);
    const key = await P.ed25519ImportSeed(seed, false);
    const challenge = hex(doc.auth_challenge);
    const identityKey = hex(doc.identity_key);
    const { authMessage } = await import('../identity/auth.js');
    const sig = await P.ed25519Sign(key, authMessage(challenge, identityKey, hex(doc.auth_server_key)));
    return [
      ['identity key from seed', eq(await P.ed25519PublicFromSeed(seed), identityKey)],
      ['auth signature', eq(sig, hex(doc.auth_signature))],
      ['dh key from private', eq(await P.x25519PublicFromPrivate(account.slice(36, 68)), hex(doc.dh_key))],
    ];
  },

  async rfc5869_hkdf_sha256(doc) {
    const out = [];
    for (const v of doc.tests) {
      const okm = await P.hkdfSha256(hex(v.ikm), hex(v.salt), hex(v.info), v.length);
      out.push([v.name, eq(okm, hex(v.okm))]);
    }
    return out;
  },

  async rfc4231_hmac_sha256(doc) {
    const out = [];
    for (const v of doc.tests) {
      let mac = await P.hmacSha256(hex(v.key), hex(v.data));
      const want = hex(v.mac);
      // Case 5 of the RFC is truncated to 128 bits; compare the published length.
      mac = mac.slice(0, want.length);
      out.push([`case ${v.case}`, eq(mac, want)]);
    }
    return out;
  },

  async gcm_aes256(doc) {
    const out = [];
    for (const v of doc.tests) {
      const sealed = await P.aesGcmEncrypt(hex(v.key), hex(v.iv), hex(v.plaintext), hex(v.aad));
      out.push([`${v.name} seal`, eq(sealed, P.concatBytes(hex(v.ciphertext), hex(v.tag)))]);
      const opened = await P.aesGcmDecrypt(hex(v.key), hex(v.iv), sealed, hex(v.aad));
      out.push([`${v.name} open`, eq(opened, hex(v.plaintext))]);
      const tampered = sealed.slice();
      tampered[tampered.length - 1] ^= 1;
      let refused = false;
      try {
        await P.aesGcmDecrypt(hex(v.key), hex(v.iv), tampered, hex(v.aad));
      } catch (err) {
        refused = err.code === 'decrypt_failed';
      }
      out.push([`${v.name} refuses a tampered tag`, refused]);
    }
    return out;
  },
};

/** Checks that need no vector file: edge cases the RFCs require us to handle. */
export async function builtinChecks() {
  const out = [];
  // RFC 7748 section 6.1: a low-order point gives an all-zero secret, which must be refused.
  const priv = (await P.x25519Generate(false)).privateKey;
  for (const [name, point] of [['zero point', new Uint8Array(32)],
    ['order-8 point', hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')]]) {
    let refused = false;
    try {
      await P.x25519(priv, point);
    } catch (err) {
      refused = err.code === 'bad_shared_secret';
    }
    out.push([`x25519 refuses ${name}`, refused]);
  }
  const sample = P.randomBytes(100);
  out.push(['base64 round trip', eq(P.b64decode(P.b64encode(sample)), sample)]);
  out.push(['base64 padding kept', P.b64encode(new Uint8Array([1])) === 'AQ==']);
  let strict = false;
  try {
    P.b64decode('AQ');
  } catch (err) {
    strict = err.code === 'bad_base64';
  }
  out.push(['base64 refuses missing padding', strict]);
  let canonical = false;
  try {
    P.b64decode('QR=='); // the unused low bits of the last character are not zero
  } catch (err) {
    canonical = err.code === 'bad_base64';
  }
  out.push(['base64 refuses non-canonical text', canonical]);
  out.push(['sha256 empty', P.bytesToHex(await P.sha256(new Uint8Array(0)))
    === 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
  const signer = await P.ed25519Generate(false);
  const pub = await P.exportPublicRaw(signer.publicKey);
  const sig = await P.ed25519Sign(signer.privateKey, P.utf8('hei'));
  out.push(['ed25519 fresh key signs and verifies', await P.ed25519Verify(pub, sig, P.utf8('hei'))]);
  let sealed = true;
  try {
    await crypto.subtle.exportKey('pkcs8', signer.privateKey);
  } catch (err) {
    sealed = err.name === 'InvalidAccessError';
  }
  out.push(['non-extractable key refuses export', sealed]);
  return out.map(([name, ok]) => ({ file: 'builtin', name, ok: Boolean(ok) }));
}

/** Replay `files` ({filename: parsed JSON}); unknown files are reported, not failed. */
export async function runVectors(files) {
  const results = [];
  for (const [file, doc] of Object.entries(files)) {
    const runner = RUNNERS[file.replace(/\.json$/, '')];
    if (!runner) {
      results.push({ file, name: '(no runner in the primitives self-test)', ok: null });
      continue;
    }
    try {
      for (const [name, ok] of await runner(doc)) results.push({ file, name, ok: Boolean(ok) });
    } catch (err) {
      results.push({ file, name: 'threw', ok: false, detail: String(err && (err.code || err.name)) });
    }
  }
  return results.concat(await builtinChecks());
}
