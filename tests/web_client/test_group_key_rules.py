"""The browser engine's group-key rules of docs/crypto.md section 6.3, held to the Python client.

Each test drives the real `Engine` of web_client/js/e2ee/engine.js in Chromium with server-signed
membership events (a test server key), an in-memory store and a relay that records what the
engine asks of it (a 1:1 share shows as the `keys.fetch` of its recipient; nothing answers it).
"""

from __future__ import annotations

from typing import Any

from tests.web_client.conftest import OpenPeer

ROOM = "ilta-ryhma/2026-11-26"

# Sets up `window.t`: the engine of "me" in ROOM with members A and B at epoch 1, and helpers.
SETUP = """async (room) => {
  const keys = await import('/js/e2ee/keys.js');
  const { Engine } = await import('/js/e2ee/engine.js');
  const { GroupKeys } = await import('/js/e2ee/group.js');
  const { membershipMessage } = await import('/js/e2ee/membership.js');
  const { b64e } = await import('/js/e2ee/bytes.js');
  const rng = keys.seededRng('group-key-rules');
  const server = await keys.ed25519KeyPair(rng);
  const people = {};
  for (const name of ['me', 'A', 'B', 'C']) people[name] = keys.signerOf(await keys.ed25519KeyPair(rng));
  const records = new Map();
  const store = { get: async (k) => records.get(k), putMany: async (e) => { for (const [k, v] of e) records.set(k, v); },
    delete: async (k) => { records.delete(k); } };
  const asked = [];
  const relay = { request: async (event, data) => {
    asked.push([event, data.pseudonym || data.room || null]);
    if (event === 'room.send') return { seq: asked.length, ts: 1 };
    throw Object.assign(new Error('no such relay here'), { code: 'offline' });
  } };
  let clock = 1795000000000;
  const engine = new Engine({ store, relay, rng, now: () => clock });
  await engine.load(people.me);
  engine.serverKey = server.pub;
  const sign = async (epoch, event, who, members) => {
    const listed = members.map((n) => ({ identityKey: people[n].publicKey, role: 'peer' }));
    const subject = who ? people[who].publicKey : new Uint8Array(0);
    const role = who ? 'peer' : '';
    const at = clock;
    const sig = await keys.ed25519Sign(server.priv, membershipMessage(room, epoch, event, subject, role, listed, at));
    return { room, epoch, event, pseudonym: who || '', identity_key: who ? b64e(subject) : '', role, at,
      members: members.map((n) => ({ pseudonym: n, identity_key: b64e(people[n].publicKey), role: 'peer' })), sig: b64e(sig) };
  };
  const senders = {};
  const keyOf = async (name, epoch) => {
    senders[name] = senders[name] || new GroupKeys(people[name]);
    return senders[name].createSenderKey(room, epoch, rng);
  };
  window.t = {
    engine, people, asked, sign, keyOf, room,
    setClock: (ms) => { clock = ms; },
    mine: () => engine.groups.mine.get(room).keyId,
    holds: (name) => engine.groups.hasSenderKey(room, people[name].publicKey),
    sharedWith: () => asked.filter(([e]) => e === 'keys.fetch').map(([, who]) => who).sort(),
  };
  await engine.applyJoin({ room, membership: await sign(1, 'joined', 'me', ['me', 'A', 'B']) });
  return t.sharedWith();
}"""


async def _engine_page(live_server: Any, open_peer: OpenPeer) -> Any:
    peer = await open_peer(live_server.url, path="/selftest.html")
    assert await peer.page.evaluate(SETUP, ROOM) == ["A", "B"]
    return peer


async def test_sender_key_older_than_a_departure_is_refused(live_server, open_peer: OpenPeer) -> None:
    """B leaves at epoch 2; A's key made at epoch 1 (before the departure, sent late) is refused,
    A's key made at epoch 2 is taken."""
    peer = await _engine_page(live_server, open_peer)
    result = await peer.page.evaluate("""async () => {
      await t.engine.onMembership(await t.sign(2, 'left', 'B', ['me', 'A']));
      const old = await t.keyOf('A', 1);
      let refused = null;
      try { await t.engine.acceptDistribution(old, t.people.A.publicKey); } catch (err) { refused = err.code; }
      const afterOld = t.holds('A');
      await t.engine.acceptDistribution(await t.keyOf('A', 2), t.people.A.publicKey);
      return { refused, afterOld, afterNew: t.holds('A') };
    }""")
    assert result == {"refused": "context_mismatch", "afterOld": False, "afterNew": True}
    await peer.context.close()


async def test_sender_key_rotates_after_its_age_limit(live_server, open_peer: OpenPeer) -> None:
    """A key 4 h old (MAX_SENDER_KEY_AGE_MS) is replaced and shared before the next send."""
    peer = await _engine_page(live_server, open_peer)
    result = await peer.page.evaluate("""async () => {
      const { MAX_SENDER_KEY_AGE_MS } = await import('/js/e2ee/bytes.js');
      const first = t.mine();
      t.setClock(1795000000000 + MAX_SENDER_KEY_AGE_MS - 1);
      await t.engine.sendGroupText(t.room, 'vielä sama avain');
      const same = t.mine() === first;
      t.asked.length = 0;
      t.setClock(1795000000000 + MAX_SENDER_KEY_AGE_MS);
      await t.engine.sendGroupText(t.room, 'uusi avain');
      return { same, rotated: t.mine() !== first, sharedWith: t.sharedWith(),
        sentLast: t.asked[t.asked.length - 1][0] };
    }""")
    assert result == {"same": True, "rotated": True, "sharedWith": ["A", "B"], "sentLast": "room.send"}
    await peer.context.close()


async def test_sender_key_rotates_after_its_message_limit(live_server, open_peer: OpenPeer) -> None:
    """After MAX_MESSAGES_PER_SENDER_KEY messages the next send rotates first."""
    peer = await _engine_page(live_server, open_peer)
    result = await peer.page.evaluate("""async () => {
      const { MAX_MESSAGES_PER_SENDER_KEY } = await import('/js/e2ee/bytes.js');
      const first = t.mine();
      for (let i = 0; i < MAX_MESSAGES_PER_SENDER_KEY; i += 1) await t.engine.sendGroupText(t.room, 'x');
      const same = t.mine() === first;
      t.asked.length = 0;
      await t.engine.sendGroupText(t.room, 'y');
      return { limit: MAX_MESSAGES_PER_SENDER_KEY, same, rotated: t.mine() !== first, sharedWith: t.sharedWith() };
    }""")
    assert result == {"limit": 2000, "same": True, "rotated": True, "sharedWith": ["A", "B"]}
    await peer.context.close()


async def test_member_missing_from_a_signed_list_counts_as_departed(live_server, open_peer: OpenPeer) -> None:
    """B's own `left` was lost; the next signed list (C joined) lacks B: B's keys are forgotten,
    mine rotates and goes to A and C, and B's late pre-departure key is refused."""
    peer = await _engine_page(live_server, open_peer)
    result = await peer.page.evaluate("""async () => {
      await t.engine.acceptDistribution(await t.keyOf('B', 1), t.people.B.publicKey);
      const heldB = t.holds('B');
      const first = t.mine();
      t.asked.length = 0;
      await t.engine.onMembership(await t.sign(3, 'joined', 'C', ['me', 'A', 'C']));
      const out = { heldB, forgotB: !t.holds('B'), rotated: t.mine() !== first, sharedWith: t.sharedWith() };
      let refused = null;
      try { await t.engine.acceptDistribution(await t.keyOf('A', 1), t.people.A.publicKey); } catch (err) { refused = err.code; }
      return { ...out, refused };
    }""")
    assert result == {"heldB": True, "forgotB": True, "rotated": True, "sharedWith": ["A", "C"],
                      "refused": "context_mismatch"}
    await peer.context.close()


# Python limits the browser has no use for yet, each with the reason.
NOT_IN_BROWSER = {
    # e2ee/ratchet.py remembers finished receiving chains to name their duplicates `replay`; the
    # browser ratchet (js/e2ee/ratchet.js) keeps none and refuses such a duplicate as undecryptable.
    "MAX_PREVIOUS_CHAINS",
}


async def test_browser_limits_are_the_python_limits(live_server, open_peer: OpenPeer) -> None:
    """Every limit of e2ee/limits.py is exported by web_client/js/e2ee/bytes.js with its value
    (the two group-key limits were missing once, and the browser never rotated)."""
    from e2ee import limits

    wanted = {name: getattr(limits, name) for name in dir(limits)
              if name.isupper() and name not in NOT_IN_BROWSER}
    peer = await open_peer(live_server.url, path="/selftest.html")
    got = await peer.page.evaluate("""async (names) => {
      const bytes = await import('/js/e2ee/bytes.js');
      return Object.fromEntries(names.map((n) => [n, n in bytes ? bytes[n] : 'missing']));
    }""", sorted(wanted))
    assert got == wanted
    await peer.context.close()
