/**
 * A location or contact detail for an emergency, from a person to the counsellor who has their
 * case: the `emergency_share` control inside the end-to-end encrypted 1:1 (docs/crypto.md
 * section 3, docs/protocol.md "Escalation"). Byte for byte what the Python client sends
 * (client/cases.py encode_emergency): compact UTF-8 JSON `{"kind":…,"value":…}`, the value
 * trimmed, 1..500 characters, the whole at most 1024 bytes. No DOM and no I/O here: the person's
 * view (view.js) and the counsellor's desk (staff/counsellor/desk.js) both use it.
 */

export const EMERGENCY_SHARE = 'emergency_share';
export const EMERGENCY_KINDS = Object.freeze(['location', 'contact']);
export const MAX_EMERGENCY_VALUE_CHARS = 500; // code points, as Python's len() counts
export const MAX_CONTROL_DATA = 1024; // ControlContent's data limit (docs/crypto.md section 3)

export class ShareError extends Error {
  constructor(code) {
    super(code);
    this.name = 'ShareError';
    this.code = code;
  }
}

const chars = (s) => [...s].length;

/** The control's data for (`kind`, `value`): Uint8Array, or ShareError bad_request / too_large. */
export function encodeEmergency(kind, value) {
  if (!EMERGENCY_KINDS.includes(kind)) throw new ShareError('bad_request');
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) throw new ShareError('empty');
  if (chars(text) > MAX_EMERGENCY_VALUE_CHARS) throw new ShareError('too_large');
  // JSON.stringify escapes exactly what json.dumps(ensure_ascii=False) does (", \, controls).
  const data = new TextEncoder().encode(JSON.stringify({ kind, value: text }));
  if (data.length > MAX_CONTROL_DATA) throw new ShareError('too_large');
  return data;
}

/** {kind, value} of a received share, or null when it is malformed (it is then not shown). */
export function decodeEmergency(data) {
  if (!(data instanceof Uint8Array) || data.length > MAX_CONTROL_DATA) return null;
  let d;
  try {
    d = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (err) {
    return null;
  }
  if (!d || typeof d !== 'object' || !EMERGENCY_KINDS.includes(d.kind)) return null;
  if (typeof d.value !== 'string' || chars(d.value) > MAX_EMERGENCY_VALUE_CHARS) return null;
  return { kind: d.kind, value: d.value };
}
