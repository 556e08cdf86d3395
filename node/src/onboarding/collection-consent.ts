/**
 * Consent to the first collection (Decree 13/2023/ND-CP, art. 11): a full-eKYC session takes no
 * image (card, chip, selfie) before the customer's consent is recorded: the purpose, what is
 * collected, the version of the notice shown, and when. It is kept with the session, then written
 * with the record in the record's own atomic write (`collection-consent/<recordId>`, no personal
 * data: names of fields, a version, a time), so the data-subject access answer and the evidence
 * show it. It holds no personal data, so it stays when the record is erased: the bank can still
 * show that the collection it made was consented to. Re-onboarding sessions are outside this: the
 * customer's signed consent grant (purpose, field mask, validity; on chain) is their consent.
 */
import { KycnetError } from "@kycnet/sdk/errors";
import { RECORD_FIELDS } from "@kycnet/sdk/protocol";
import type { CollectedData, CollectionConsentBody, CollectionConsentView } from "@kycnet/sdk/bank";
import type { RecordStore, WriteOp } from "../vault/store/record-store.ts";
import { SessionStateError, type Session } from "./sessions.ts";

const KEY = "collection-consent/";

/** What every onboarding collects, so what every consent must cover (the chip's data only when it is read). */
const ALWAYS_COLLECTED: readonly CollectedData[] = [...RECORD_FIELDS, "cardImages", "selfieImages"];

export class CollectionConsentRequiredError extends KycnetError {
  constructor(sessionId: string, data: CollectedData) {
    super(
      "COLLECTION_CONSENT_REQUIRED",
      `record the customer's consent to the collection (covering ${data}) before uploading it`,
      { details: { sessionId, data } },
    );
  }
}

/** Records the consent in a full-eKYC session that has none yet. */
export function recordCollectionConsent(
  session: Session,
  consent: CollectionConsentBody,
  now: Date,
): CollectionConsentView {
  if (session.reuse !== undefined)
    throw new SessionStateError(session.id, "a re-onboarding session is under the customer's signed consent grant");
  if (session.collectionConsent !== undefined)
    throw new SessionStateError(session.id, "the consent to the collection is already recorded");
  const missing = ALWAYS_COLLECTED.filter((d) => !consent.fields.includes(d));
  if (missing.length > 0)
    throw new KycnetError(
      "INVALID_ARGUMENT",
      `the consent does not cover ${missing.join(", ")}, which onboarding collects`,
      {
        details: { field: "fields", missing },
      },
    );
  const view: CollectionConsentView = {
    sessionId: session.id,
    noticeVersion: consent.noticeVersion,
    purpose: consent.purpose,
    fields: [...consent.fields],
    recordedAt: now.toISOString(),
  };
  session.collectionConsent = view;
  return view;
}

/** Throws COLLECTION_CONSENT_REQUIRED unless a full-eKYC session's consent covers `data`. */
export function requireCollectionConsent(session: Session, data: CollectedData): void {
  if (session.reuse !== undefined) return;
  if (session.collectionConsent?.fields.includes(data) !== true)
    throw new CollectionConsentRequiredError(session.id, data);
}

/** The consent's write, for `storeVerifiedRecord`'s `extraOps`: kept with the record or not at all. */
export function collectionConsentOps(consent: CollectionConsentView): (stored: { id: string }) => WriteOp[] {
  return ({ id }) => [{ type: "put", key: KEY + id, value: { ...consent, fields: [...consent.fields] } }];
}

/** The consent kept with a record; null for a record kept without one (re-onboarding, or before consents were kept). */
export async function collectionConsentOf(store: RecordStore, recordId: string): Promise<CollectionConsentView | null> {
  const value = await store.get(KEY + recordId);
  return value === undefined ? null : (value as unknown as CollectionConsentView);
}
