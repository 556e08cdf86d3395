/**
 * Re-onboarding at a second bank (docs/architecture.md §4, "the one-minute path"), before the selfie: the
 * customer's app presents an attestation uid and a consent it signed for this bank. The node finds
 * the attestation on chain (from the uid alone), relays the consent if it is not on chain yet,
 * and fetches the record from the issuing member over libp2p; the exchange client verifies every
 * field against the anchored root. What comes back is kept in memory with the session until the
 * fresh selfie decides.
 */
import type { Provider } from "ethers";
import { findAttestation } from "@kycnet/sdk/chain";
import { KycnetError } from "@kycnet/sdk/errors";
import {
  ALL_FIELDS_MASK,
  canonicalizeRecord,
  consentIdOf,
  toConsentGrant,
  assertBytes32,
  type RecordFields,
} from "@kycnet/sdk/protocol";
import type { RecordClient } from "../exchange/record-client.ts";
import type { LedgerClient, MemberInfo } from "../ledger/ledger-client.ts";
import type { ReuseContext } from "./sessions.ts";
import { revocationOf } from "./source-revocation.ts";

export interface ReuseDeps {
  readonly ledger: LedgerClient;
  readonly provider: Provider;
  readonly records: RecordClient;
  /** Where a member's node listens for the record protocol (the consortium's address book). */
  readonly addressOf: (member: MemberInfo) => string | null;
  /** Bank policy: the lowest assurance level of a source attestation this bank re-onboards from (default 1). */
  readonly minimumSourceLevel?: 1 | 2;
  readonly clock?: () => Date;
}

export interface ReuseRequest {
  readonly attestationUid: string;
  /** The consent as the customer's app signed it (EIP-712, docs/protocol.md §4). */
  readonly grant: Readonly<Record<string, unknown>>;
  readonly signature: string;
}

export class ReuseNotPossibleError extends KycnetError {
  constructor(reason: string, details: Record<string, unknown> = {}) {
    super("REUSE_NOT_POSSIBLE", reason, { details });
  }
}

/**
 * The card in the verified record has expired. The chain cannot say so (its validity comes from
 * policy, never from the card: attestation-validity.ts), so the relying bank checks the committed
 * expiry itself. The message names no date: the expiry is a birthday in disguise.
 */
export class DocumentExpiredError extends KycnetError {
  constructor() {
    super(
      "DOCUMENT_EXPIRED",
      "the identity card in the verified record has expired: onboard in full with a valid card",
    );
  }
}

/** True when a card valid through `expiryDate` (YYYY-MM-DD, "" for no expiry) has expired by `today`. */
export function cardExpired(expiryDate: string, today: Date): boolean {
  return expiryDate !== "" && expiryDate < today.toISOString().slice(0, 10);
}

/** Wraps one step of the path so its duration is observed (metrics, benchmarks). */
export type StageTimer = <T>(stage: string, run: () => Promise<T>) => Promise<T>;
const untimed: StageTimer = (_stage, run) => run();

export async function prepareReuse(
  deps: ReuseDeps,
  request: ReuseRequest,
  timed: StageTimer = untimed,
): Promise<ReuseContext> {
  assertBytes32(request.attestationUid, "attestationUid");
  if (typeof request.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(request.signature)) {
    throw new KycnetError("INVALID_ARGUMENT", "signature: must be a 65-byte hex signature", {
      details: { field: "signature" },
    });
  }
  const grant = toConsentGrant(request.grant);
  const me = await deps.ledger.account();
  if (grant.grantee.toLowerCase() !== me.toLowerCase())
    throw new ReuseNotPossibleError("the consent names another bank as grantee");
  if (grant.attestationUid !== request.attestationUid.toLowerCase())
    throw new ReuseNotPossibleError("the consent is for another attestation");
  // Opening an account needs the whole verified record; a narrower consent cannot re-onboard.
  if (grant.fieldMask !== ALL_FIELDS_MASK)
    throw new ReuseNotPossibleError("re-onboarding needs a consent covering every record field", {
      fieldMask: grant.fieldMask,
    });

  // The lookup and the revocation read need only the uid: read at once, checked in the same order.
  const [{ proof }, revoked] = await Promise.all([
    timed("reuse.lookup", () =>
      findAttestation(deps.provider, deps.ledger.addresses.attestations, grant.attestationUid),
    ),
    timed("reuse.revocation", () =>
      revocationOf(deps.provider, deps.ledger.addresses.attestations, grant.attestationUid),
    ),
  ]);
  // Checked before the consent goes on chain: a source this bank's policy cannot accept costs no transaction.
  const minimum = deps.minimumSourceLevel ?? 1;
  if (proof.data.assuranceLevel < minimum)
    throw new ReuseNotPossibleError(`this bank re-onboards only from level-${minimum} attestations`, {
      sourceLevel: proof.data.assuranceLevel,
      minimumSourceLevel: minimum,
    });
  // A revoked source is refused before anything is relayed, with its reason: one revoked for fraud
  // must not open an account here (issue 21), and the customer's app can say why.
  if (revoked !== null)
    throw new ReuseNotPossibleError(`the source attestation is revoked (${revoked.reason})`, {
      sourceRevokedFor: revoked.reason,
    });
  const consentId = consentIdOf(grant);
  // The issuer's membership is read while the consent is relayed; it is checked after, as before.
  const issuerRead = deps.ledger.findMember(proof.issuer);
  issuerRead.catch(() => undefined); // awaited below; no unhandled rejection if the relay fails first
  await timed("reuse.consent", async () => {
    // Any stored consent (NONE means none stored, at any time) is not relayed again; one read, not two.
    if ((await deps.ledger.findConsent(consentId)) === null)
      await deps.ledger.grantConsentBySig(grant, proof, request.signature);
  });

  const issuer = await issuerRead;
  if (issuer === null || !issuer.active) throw new ReuseNotPossibleError("the issuing bank is not an active member");
  const address = deps.addressOf(issuer);
  if (address === null)
    throw new ReuseNotPossibleError("no known address for the issuing bank's node", { issuer: issuer.name });
  // Chain checks of the attestation, the libp2p round trip, opening the sealed answer and checking
  // every field's proof against the anchored root.
  const fetched = await timed("reuse.fetch", () =>
    deps.records.fetchRecord({ address, consentId, attestation: proof, fields: grant.fieldMask }),
  );
  if (fetched.faceTemplate === null) throw new ReuseNotPossibleError("the issuing bank sent no face template");
  const fields: RecordFields = canonicalizeRecord(fetched.fields);
  // Refused before the selfie: the customer is asked for nothing that cannot succeed.
  if (cardExpired(fields.expiryDate, (deps.clock ?? (() => new Date()))())) throw new DocumentExpiredError();
  return Object.freeze({
    consentId,
    source: proof,
    sourceUid: fetched.attestationUid,
    fields,
    faceTemplate: fetched.faceTemplate,
    issuerName: issuer.name,
  });
}
