/**
 * Where the e2ee state of this device lives: IndexedDB database "iltapiiri-e2ee", one record per
 * identity key and kind (account, sessions, group keys, pins). Records are structured clones:
 * CryptoKeys are stored as CryptoKeys (a non-extractable key stays non-extractable on disk and
 * after a reload), chain and root keys as Uint8Arrays.
 *
 * The engine writes a record *before* the ciphertext that depends on it leaves the page (a
 * ratchet position is never reused after a crash or reload), and before an inbox envelope is
 * acknowledged. MemoryStore has the same interface for tests of pure logic.
 */

const DB_NAME = 'iltapiiri-e2ee';
const DB_VERSION = 1;
const STORE = 'state';

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error('storage_unavailable'));
  });
}

/** The IndexedDB-backed store; one open connection for the page's life. */
export class IdbStore {
  constructor() {
    this.db = null;
  }

  async conn() {
    if (!this.db) this.db = await openDb();
    return this.db;
  }

  async tx(mode, fn) {
    const db = await this.conn();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req && 'result' in req ? req.result : undefined);
      t.onerror = () => reject(new Error('storage_failed'));
      t.onabort = () => reject(new Error('storage_failed'));
    });
  }

  get(key) {
    return this.tx('readonly', (s) => s.get(key));
  }

  /** Write several records in one transaction (all or nothing). */
  putMany(entries) {
    return this.tx('readwrite', (s) => {
      let last = null;
      for (const [key, value] of entries) last = s.put(value, key);
      return last;
    });
  }

  delete(key) {
    return this.tx('readwrite', (s) => s.delete(key));
  }

  close() {
    if (this.db) this.db.close();
    this.db = null;
  }
}

/** Same interface in memory (structuredClone keeps the copy semantics of IndexedDB). */
export class MemoryStore {
  constructor() {
    this.map = new Map();
  }

  async get(key) {
    return this.map.has(key) ? structuredClone(this.map.get(key)) : undefined;
  }

  async putMany(entries) {
    for (const [key, value] of entries) this.map.set(key, structuredClone(value));
  }

  async delete(key) {
    this.map.delete(key);
  }

  close() {}
}
