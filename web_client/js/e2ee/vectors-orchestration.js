/**
 * Replays tests/vectors/orchestration_groups.json through the browser's group decisions
 * (groupflow.js with real GroupKeys and verified membership): the same steps and the same
 * answers as the Python client (tests/client/group_orchestration.py). Only the 1:1 sending of a
 * share is left out; the engine carries it out the same way for every share (engine.js execute).
 *
 * replayOrchestration(doc) -> [{scenario, step, note, ok, got}]
 */

import { E2eeError, hex } from './bytes.js';
import { decodeContent } from './content.js';
import { GroupFlow } from './groupflow.js';
import { GroupKeys } from './group.js';
import { ed25519FromSeed, seededRng, signerOf } from './keys.js';
import { verifyMembership } from './membership.js';
import { DROP_ROOM_KEYS, FORGET_SENDER, NEW_SENDER_KEY, SHARE_SENDER_KEY } from './rooms.js';
import { hexToBytes as h } from '../crypto/primitives.js';

// JSON.stringify with sorted keys, so the comparison ignores the order of fields.
const canon = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)
  ? Object.fromEntries(Object.keys(x).sort().map((key) => [key, x[key]])) : x));

async function scenarioSteps(doc, scenario) {
  const me = signerOf(await ed25519FromSeed(h(doc.people.me.seed)));
  const names = new Map(Object.entries(doc.people).map(([name, p]) => [p.key, name]));
  const serverKey = h(doc.server_key);
  const room = scenario.room;
  const rng = seededRng(`${doc.rng_seed}/${scenario.name}`);
  let clock = 0;
  const groups = new GroupKeys(me);
  const flow = new GroupFlow({ now: () => clock, rng });
  flow.reset(me.publicKey, groups);

  const run = async (actions) => {
    const out = [];
    for (const a of actions) {
      if (a.type === SHARE_SENDER_KEY) {
        out.push({ do: 'share', to: a.members.map((m) => m.pseudonym) });
        continue;
      }
      await flow.apply(a);
      if (a.type === NEW_SENDER_KEY) out.push({ do: 'new_sender_key', epoch: a.epoch });
      else if (a.type === FORGET_SENDER) out.push({ do: 'forget', sender: names.get(hex(a.senderKey)) });
      else if (a.type === DROP_ROOM_KEYS) out.push({ do: 'drop' });
    }
    return out;
  };
  const snapshot = () => {
    const state = flow.rooms.get(room);
    if (!state) return null;
    return {
      epoch: state.epoch, min_epoch: state.minEpoch,
      members: [...state.members.values()].map((m) => m.pseudonym).sort(),
      holds: [...names.entries()].filter(([key]) => groups.hasSenderKey(room, h(key))).map(([, n]) => n).sort(),
    };
  };

  const results = [];
  for (const [i, step] of scenario.steps.entries()) {
    if (step.now_ms !== undefined) clock = step.now_ms;
    let got;
    if (step.op === 'join') {
      got = await run((await flow.join(await verifyMembership(serverKey, step.membership))).actions);
    } else if (step.op === 'membership') {
      const m = await verifyMembership(serverKey, step.membership);
      const { actions, close } = flow.membership(m);
      got = await run(actions);
      if (close) {
        flow.close(m.room, close);
        got.push({ do: 'close', reason: close });
      }
    } else if (step.op === 'distribution') {
      try {
        got = { result: await flow.acceptDistribution(decodeContent(h(step.skd)), h(doc.people[step.from].key)) };
      } catch (err) {
        if (!(err instanceof E2eeError)) throw err;
        got = { result: 'refused', code: err.code, reason: err.message };
      }
    } else if (step.op === 'send') {
      got = [];
      for (let n = 0; n < step.count; n += 1) {
        got.push(...await run(flow.sendActions(room)));
        await groups.encryptText(room, 'x', rng);
      }
    } else {
      got = { unknown_op: step.op };
    }
    const answer = { out: got, room: snapshot() };
    const ok = canon(answer) === canon({ out: step.expect, room: step.room_after });
    results.push({ scenario: scenario.name, step: i, note: step.note, ok, got: ok ? null : answer });
  }
  return results;
}

/** Every step of every scenario: ok, or what this implementation answered instead. */
export async function replayOrchestration(doc) {
  const out = [];
  for (const scenario of doc.scenarios) out.push(...await scenarioSteps(doc, scenario));
  return out;
}
