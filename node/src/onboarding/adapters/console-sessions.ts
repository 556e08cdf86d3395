/**
 * Reviewer console sessions in the node's RecordStore (`console/session/<sha256 of the id>`), so any
 * instance sharing the store (the PostgreSQL adapter) accepts a session another one opened. The
 * cookie carries a random 256-bit id; the store keys it by its hash, so a copy of the store holds no
 * usable session. Expired sessions are refused on read and deleted then.
 */
import { createHash, randomBytes } from "node:crypto";
import type { ConsoleSession, ConsoleSessionStore, Role } from "../ports.ts";
import type { RecordStore, StoredValue } from "../../vault/store/record-store.ts";

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const keyOf = (id: string) => `console/session/${createHash("sha256").update(id).digest("hex")}`;

export function createConsoleSessionStore(deps: {
  store: RecordStore;
  /** How long a session lasts from sign-in. */
  ttlMs: number;
  clock?: () => Date;
}): ConsoleSessionStore {
  const { store, ttlMs, clock = () => new Date() } = deps;
  return {
    async create(principal: { keyId: string; role: Role }, replacing?: string) {
      const id = randomBytes(32).toString("base64url");
      const now = clock();
      const session: ConsoleSession = {
        keyId: principal.keyId,
        role: principal.role,
        csrfToken: randomBytes(32).toString("base64url"),
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      };
      // A new id at every sign-in, and the one the browser came with is dropped: no fixation.
      await store.write([
        ...(replacing !== undefined && SESSION_ID.test(replacing)
          ? [{ type: "del" as const, key: keyOf(replacing) }]
          : []),
        { type: "put", key: keyOf(id), value: session as unknown as StoredValue },
      ]);
      return { id, session };
    },

    async find(id) {
      if (!SESSION_ID.test(id)) return null;
      const session = (await store.get(keyOf(id))) as unknown as ConsoleSession | undefined;
      if (session === undefined) return null;
      if (session.expiresAt <= clock().toISOString()) {
        await store.write([{ type: "del", key: keyOf(id) }]);
        return null;
      }
      return session;
    },

    async delete(id) {
      if (SESSION_ID.test(id)) await store.write([{ type: "del", key: keyOf(id) }]);
    },
  };
}
