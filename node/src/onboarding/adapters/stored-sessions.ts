/**
 * Onboarding sessions in the vault's store (the `SessionStore` port, sessions.ts), shared by every
 * instance of the bank's node (LevelDB: one process; PostgreSQL: several).
 *
 * - `session/<id>`: `{ expiresAt, sealed }`, the whole session sealed (session-codec.ts); only the
 *   expiry is in clear, for the sweep. `session-image/<id>/<part>`: each uploaded image sealed on
 *   its own (front, back, frame-0…), so one upload never re-seals the others.
 * - Sealed as records and evidence are (custody AES-GCM, the storage key bound as associated data),
 *   under a key per UTC day of the session's start (`session/<yyyy-mm-dd>`), destroyed by the sweep
 *   once every session of that day has expired: images that outlived their session in an old copy of
 *   the store (a backup) can no longer be opened either.
 * - Writes that read the session first run under the store's lock `session/<id>`, across instances:
 *   two uploads of one session on two instances both land, and one claim decides it.
 * - Images are deleted in the write that stores the decision, or with the expired session.
 * - `session-kept/<id>`: the decision as kept by its record's own write (`keptDecisionOp`): outcome,
 *   reason codes, level, uid, case id, in clear (no personal data, as the audit log's
 *   `decision.made`). An instance that stored the record and died before storing the decision here
 *   leaves it; the takeover's claim finds it and finishes the session with it. Deleted with the
 *   session at expiry.
 */
import { randomBytes } from "node:crypto";
import type { Hex } from "@kycnet/sdk/protocol";
import type { KeyManager } from "../../custody/key-manager.ts";
import { sealedFromJson, sealedToJson, type SealedJson } from "../../vault/codec.ts";
import type { RecordStore, StoredValue, WriteOp } from "../../vault/store/record-store.ts";
import type { OnboardingDecision, SelfieFrame } from "../ports.ts";
import {
  DEFAULT_UPLOAD_BUDGET_BYTES,
  imageBytes,
  SessionExpiredError,
  SessionNotFoundError,
  SessionStateError,
  TooManySessionsError,
  UploadBudgetFullError,
  type ReuseContext,
  type Session,
  type SessionImages,
  type SessionStore,
  type StoredImages,
  currentFrames,
} from "../sessions.ts";
import { decodeSession, encodeSession } from "./session-codec.ts";

export interface StoredSessionsOptions {
  readonly store: RecordStore;
  readonly keys: Pick<KeyManager, "sealRecord" | "openRecord" | "listRecordKeys" | "destroyRecordKey">;
  /** Lifetime of a session (default 15 minutes, at most a day: session keys are per day). */
  readonly ttlMs?: number;
  readonly maxSessions?: number;
  /** Most image bytes the process holds at once (default 512 MiB). */
  readonly uploadBudgetBytes?: number;
  /**
   * A decision claim not renewed for this long is taken over (its instance died): default 15 s. The
   * instance deciding renews its claim every third of it, so a slow decision is never taken over.
   */
  readonly claimTtlMs?: number;
  /** How often a caller waiting for another instance's decision looks again (default 200 ms). */
  readonly pollMs?: number;
  readonly clock?: () => number;
}

const META = "session/";
const IMAGES = "session-image/";
const KEPT = "session-kept/";
const SESSION_ID = /^ses_[0-9a-f]{32}$/;
const SESSION_KEY = /^session\/(\d{4}-\d{2}-\d{2})$/;
const DAY_MS = 86_400_000;

interface MetaValue {
  readonly expiresAt: number;
  readonly sealed: SealedJson;
}

const metaKey = (id: string) => META + id;
const imagePrefix = (id: string) => `${IMAGES}${id}/`;
const keptKey = (id: string) => KEPT + id;
const lockOf = (id: string) => `session/${id}`;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const keyIdOf = (session: Session) => `session/${dayOf(session.createdAt)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Claim = { decided: OnboardingDecision } | { busy: true } | { claimed: Session };

export function createStoredSessions(options: StoredSessionsOptions): SessionStore {
  const { store, keys } = options;
  const ttlMs = options.ttlMs ?? 15 * 60_000;
  if (ttlMs > DAY_MS) throw new RangeError("a session lives at most a day (its images are sealed under a key per day)");
  const maxSessions = options.maxSessions ?? 1_000;
  const budget = options.uploadBudgetBytes ?? DEFAULT_UPLOAD_BUDGET_BYTES;
  const claimTtlMs = options.claimTtlMs ?? 15_000;
  const pollMs = options.pollMs ?? 200;
  const clock = options.clock ?? Date.now;
  /** Decisions this process is computing: a second call here shares the first. */
  const deciding = new Map<string, Promise<OnboardingDecision>>();
  let held = 0;

  /** Reserves `bytes` of the budget for `use`, or UPLOAD_BUDGET_FULL without running it. */
  async function withinBudget<T>(bytes: number, use: () => Promise<T>): Promise<T> {
    if (bytes > 0 && held + bytes > budget) throw new UploadBudgetFullError(budget);
    held += bytes;
    try {
      return await use();
    } finally {
      held -= bytes;
    }
  }

  const seal = async (aad: string, plaintext: Uint8Array, keyId: string): Promise<StoredValue> =>
    sealedToJson(await keys.sealRecord(aad, plaintext, keyId)) as unknown as StoredValue;

  const metaPut = async (session: Session): Promise<WriteOp> => {
    const value: MetaValue = {
      expiresAt: session.expiresAt,
      sealed: sealedToJson(await keys.sealRecord(metaKey(session.id), encodeSession(session), keyIdOf(session))),
    };
    return { type: "put", key: metaKey(session.id), value: value as unknown as StoredValue };
  };

  const imageDels = async (id: string): Promise<WriteOp[]> => {
    const ops: WriteOp[] = [];
    for await (const [key] of store.range({ prefix: imagePrefix(id) })) ops.push({ type: "del", key });
    return ops;
  };

  /** The stored session; SESSION_NOT_FOUND / SESSION_EXPIRED (an expired one is deleted on the way). */
  async function read(id: string): Promise<Session> {
    const stored = SESSION_ID.test(id)
      ? ((await store.get(metaKey(id))) as unknown as MetaValue | undefined)
      : undefined;
    if (stored === undefined) throw new SessionNotFoundError(id);
    if (stored.expiresAt <= clock()) {
      await deleteSession(id).catch(() => undefined);
      throw new SessionExpiredError(id);
    }
    const plaintext = await keys.openRecord(metaKey(id), sealedFromJson(stored.sealed));
    return decodeSession<Session>(plaintext);
  }

  const deleteSession = async (id: string) =>
    store.write([{ type: "del", key: metaKey(id) }, { type: "del", key: keptKey(id) }, ...(await imageDels(id))]);

  const keptDecision = async (id: string): Promise<OnboardingDecision | undefined> => {
    const stored = SESSION_ID.test(id) ? await store.get(keptKey(id)) : undefined;
    return stored === undefined ? undefined : (stored as unknown as { decision: OnboardingDecision }).decision;
  };

  /** The session decided: the claim and the images' sizes go (the images themselves in the same write). */
  const decidedSession = (session: Session, decision: OnboardingDecision): Session => {
    const { decidingSince: _claim, images: _images, ...rest } = session;
    return { ...rest, decision };
  };

  /** Read-modify-write of one session under its lock, across instances. */
  const update = <T>(
    id: string,
    change: (current: Session) => Promise<{ next?: Session; extra?: WriteOp[]; result: T }>,
  ) =>
    store.writeExclusive(lockOf(id), async () => {
      const { next, extra = [], result } = await change(await read(id));
      return { ops: [...(next === undefined ? [] : [await metaPut(next)]), ...extra], result };
    });

  const undecided = (session: Session) => {
    if (session.decision !== undefined || session.decidingSince !== undefined)
      throw new SessionStateError(session.id, "the session is already decided");
  };

  async function openImages(session: Session): Promise<SessionImages> {
    const images = session.images ?? {};
    const open = async (part: string) => {
      const key = imagePrefix(session.id) + part;
      const stored = await store.get(key);
      if (stored === undefined) throw new SessionStateError(session.id, `the session's ${part} image is gone`);
      return keys.openRecord(key, sealedFromJson(stored as unknown as SealedJson));
    };
    const frames = currentFrames(session);
    return {
      ...(images.front === undefined ? {} : { front: await open("front") }),
      ...(images.back === undefined ? {} : { back: await open("back") }),
      ...(frames === undefined
        ? {}
        : {
            frames: await Promise.all(
              frames.map(async (f, i): Promise<SelfieFrame> => ({
                bytes: await open(`frame-${i}`),
                mime: f.mime,
                capturedAtMs: f.capturedAtMs,
              })),
            ),
          }),
    };
  }

  async function claim(id: string): Promise<Claim> {
    return update<Claim>(id, async (current) => {
      if (current.decision !== undefined) return { result: { decided: current.decision } };
      if (current.decidingSince !== undefined && clock() - current.decidingSince < claimTtlMs)
        return { result: { busy: true } };
      // An earlier run kept its decision with its record, and its instance died before storing it
      // here: that is the decision (deciding again would make a second record).
      const kept = await keptDecision(id);
      if (kept !== undefined)
        return { next: decidedSession(current, kept), extra: await imageDels(id), result: { decided: kept } };
      const claimed: Session = { ...current, decidingSince: clock() };
      return { next: claimed, result: { claimed } };
    });
  }

  /**
   * Renews this instance's claim while its decision runs. A customer whose deciding instance died
   * then waits seconds, not minutes, for another to take over; a paused instance that comes back
   * after a takeover stops renewing, and its record write is refused (the kept decision's check).
   */
  function keepClaim(id: string, since: number): () => void {
    let mine = since;
    const timer = setInterval(
      () => {
        void update(id, async (current) => {
          if (current.decision !== undefined || current.decidingSince !== mine) return { result: undefined };
          mine = clock();
          return { next: { ...current, decidingSince: mine }, result: undefined };
        }).catch(() => undefined);
      },
      Math.max(1, Math.floor(claimTtlMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  async function decide(
    id: string,
    run: (session: Session, images: SessionImages) => Promise<OnboardingDecision>,
  ): Promise<OnboardingDecision> {
    for (;;) {
      const outcome = await claim(id);
      if ("decided" in outcome) return outcome.decided;
      if ("busy" in outcome) {
        await sleep(pollMs);
        continue;
      }
      const session = outcome.claimed;
      const bytes = storedBytes(session);
      try {
        const stopRenewing = keepClaim(id, session.decidingSince!);
        const decision = await withinBudget(bytes, async () => run(session, await openImages(session))).finally(
          stopRenewing,
        );
        const decided = decidedSession(session, decision);
        // The decision and the deletion of the images in one write: no image outlives its decision.
        await store.writeExclusive(lockOf(id), async () => ({
          ops: [await metaPut(decided), ...(await imageDels(id))],
          result: undefined,
        }));
        return decision;
      } catch (error) {
        await update(id, async (current) => {
          const { decidingSince: _claim, ...released } = current;
          return { next: released, result: undefined };
        }).catch(() => undefined);
        throw error;
      }
    }
  }

  return {
    async create(subject: Hex, reuse?: ReuseContext): Promise<Session> {
      const now = clock();
      let open = 0;
      for await (const [, value] of store.range({ prefix: META }))
        if ((value as unknown as MetaValue).expiresAt > now) open += 1;
      if (open >= maxSessions) throw new TooManySessionsError(maxSessions);
      const session: Session = {
        id: `ses_${randomBytes(16).toString("hex")}`,
        subject,
        createdAt: now,
        expiresAt: now + ttlMs,
        ...(reuse ? { reuse } : {}),
      };
      await store.write([await metaPut(session)]);
      return session;
    },

    get: read,

    async save(session: Session): Promise<void> {
      await update(session.id, async (current) => {
        const { chipChallenge: _mine, ...own } = session;
        return {
          next: {
            // The images are the store's to say (another instance may have stored one meanwhile).
            ...own,
            ...(current.images === undefined ? {} : { images: current.images }),
            // So is the chip challenge: a copy read before it was consumed must not make it unused again.
            ...(current.chipChallenge === undefined ? {} : { chipChallenge: current.chipChallenge }),
          },
          result: undefined,
        };
      });
    },

    modify: (id, change) => update(id, change),

    keptDecisionOp: (id, decision) => ({
      type: "put",
      key: keptKey(id),
      value: { decision: decision as unknown as StoredValue },
    }),

    keptDecision,

    async holdImages(session: Session, images: SessionImages): Promise<void> {
      await withinBudget(imageBytes(images), async () => {
        const keyId = keyIdOf(session);
        const puts: WriteOp[] = [];
        const put = async (part: string, bytes: Uint8Array) => {
          const key = imagePrefix(session.id) + part;
          puts.push({ type: "put", key, value: await seal(key, bytes, keyId) });
        };
        if (images.front !== undefined) await put("front", images.front);
        if (images.back !== undefined) await put("back", images.back);
        const frames = images.frames ?? [];
        for (const [i, frame] of frames.entries()) await put(`frame-${i}`, frame.bytes);
        const stored = await update(session.id, async (current) => {
          undecided(current);
          const staleFrames: WriteOp[] = [];
          if (images.frames !== undefined)
            for (const [i] of (current.images?.frames?.frames ?? []).entries())
              if (i >= frames.length) staleFrames.push({ type: "del", key: `${imagePrefix(session.id)}frame-${i}` });
          const next: StoredImages = {
            ...current.images,
            ...(images.front === undefined ? {} : { front: images.front.byteLength }),
            ...(images.back === undefined ? {} : { back: images.back.byteLength }),
            ...(images.frames === undefined
              ? {}
              : {
                  frames: {
                    challengeId: current.challenge?.id ?? "",
                    frames: frames.map((f) => ({
                      mime: f.mime,
                      capturedAtMs: f.capturedAtMs,
                      bytes: f.bytes.byteLength,
                    })),
                  },
                }),
          };
          return { next: { ...current, images: next }, extra: [...puts, ...staleFrames], result: next };
        });
        (session as { images?: StoredImages }).images = stored;
      });
    },

    withImages: async (session, use) => withinBudget(storedBytes(session), async () => use(await openImages(session))),

    decideOnce(id, run) {
      const running = deciding.get(id);
      if (running !== undefined) return running;
      const decision = decide(id, run).finally(() => deciding.delete(id));
      deciding.set(id, decision);
      return decision;
    },

    async sweepExpired(): Promise<number> {
      const now = clock();
      const expired: string[] = [];
      for await (const [key, value] of store.range({ prefix: META }))
        if ((value as unknown as MetaValue).expiresAt <= now) expired.push(key.slice(META.length));
      // Deleting is idempotent: two instances sweeping at once delete the same keys, nothing else.
      for (const id of expired) await deleteSession(id);
      // Every session of a day before the oldest one that can still be open has expired: its key goes.
      const oldestOpenDay = dayOf(now - ttlMs);
      for (const keyId of await keys.listRecordKeys()) {
        const day = SESSION_KEY.exec(keyId)?.[1];
        if (day !== undefined && day < oldestOpenDay) await keys.destroyRecordKey(keyId);
      }
      return expired.length;
    },

    get heldBytes() {
      return held;
    },
  };
}

/** Bytes of the images stored for a session (those a decision opens). */
function storedBytes(session: Session): number {
  let bytes = (session.images?.front ?? 0) + (session.images?.back ?? 0);
  for (const frame of currentFrames(session) ?? []) bytes += frame.bytes;
  return bytes;
}
