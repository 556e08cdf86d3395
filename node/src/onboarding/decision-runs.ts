/**
 * The two ways a session is decided. Full eKYC: the card and the selfie are checked, the identity
 * against the national-ID registry and the name against the sanctions list, then the rule engine
 * decides. Re-onboarding: the fields and the reference face come verified from the issuing bank;
 * only the selfie and the sanctions screening run here. Both end in `keepDecision`.
 */
import { ZeroHash, hexlify } from "ethers";
import { KycnetError } from "@kycnet/sdk/errors";
import { Method, reuseSourceCommitment, secureRandomBytes, type DocumentType, type Hex } from "@kycnet/sdk/protocol";
import { decodeTemplate, verifySelfie, type SelfieVerification } from "../ekyc/biometrics/index.ts";
import type { IdentityCheckResult } from "../ekyc/checks/national-id/port.ts";
import { isoNationalityOf } from "../ekyc/checks/sanctions/countries.ts";
import type { ScreeningQuery, ScreeningResult } from "../ekyc/checks/sanctions/port.ts";
import {
  biometricAssessment,
  documentAssessment,
  registryAssessment,
  screeningAssessment,
} from "../ekyc/decision/assessments.ts";
import { decide } from "../ekyc/decision/engine.ts";
import type { DecisionResult } from "../ekyc/decision/types.ts";
import { chipCardMismatches } from "../ekyc/document/chip-agreement.ts";
import {
  decodePortrait,
  isChipError,
  portraitJpegForRegistry,
  portraitPng,
  type ChipVerification,
  type Failure,
} from "../ekyc/document/chip/index.ts";
import type { DocumentImages, DocumentResult } from "../ekyc/document/index.ts";
import type { StoredValue } from "../vault/store/record-store.ts";
import { activeAuthenticationOf } from "./chip-reading.ts";
import type { DecisionContext } from "./onboarding-deps.ts";
import type { DuplicateMatch } from "./duplicate-identities.ts";
import type { OnboardingDecision } from "./ports.ts";
import { keepDecision, sha256, type RecordDraft } from "./record-keeping.ts";
import { reuseIndexOps } from "./reuse-index.ts";
import { recheckRegistryAtReuse } from "./reuse-registry.ts";
import type { EvidenceInHand } from "./review/case-evidence.ts";
import { collectionConsentOps } from "./collection-consent.ts";
import { correctionsAssessed, withCorrections } from "./field-confirmation.ts";
import { SessionStateError, type ReuseContext, type Session, type SessionImages } from "./sessions.ts";
import { policyExpiresAt } from "./attestation-validity.ts";
import { ReuseNotPossibleError } from "./reuse.ts";

/** What the document stage reads: a passport's data page (held as the front), or a card's sides. */
export function documentImages(
  session: Pick<Session, "documentKind">,
  front: Uint8Array,
  back: Uint8Array | undefined,
): DocumentImages {
  if (session.documentKind === "PASSPORT") return { passport: front };
  return back === undefined ? { front } : { front, back };
}

/**
 * Full eKYC over the session's images (opened by the session store, which deletes them in the write
 * that stores the decision: they were needed only for this); the chip reading goes with them.
 */
export async function runFullEkyc(
  context: DecisionContext,
  session: Session,
  images: SessionImages,
): Promise<OnboardingDecision> {
  const { deps, clock, timed } = context;
  const { front, back, frames } = images;
  if (front === undefined)
    throw new SessionStateError(session.id, "upload the front of the card (or the passport's data page) first");
  if (session.challenge === undefined || frames === undefined)
    throw new SessionStateError(session.id, "complete the liveness challenge first");
  const passport = session.documentKind === "PASSPORT";
  const nonce = session.challenge.nonce;
  const chip = session.chip;
  // The chip's portrait is the better reference (signed, not photographed through plastic): use it when read.
  const reference = chip === undefined ? null : await chipPortraitReference(chip);

  // The card and the selfie are independent: read them at once (OCR and face models run on
  // their own native threads and the tesseract workers).
  // The card was read already when the customer checked the fields (field-confirmation.ts).
  const reading = session.reading;
  const [read, selfie] = await Promise.all([
    reading !== undefined ? reading : timed("document", () => deps.readDocument(documentImages(session, front, back))),
    timed("biometrics", () =>
      verifySelfie(
        {
          portrait: reference?.png ?? front,
          frames: frames.map((f) => ({ image: f.bytes, timestampMs: f.capturedAtMs })),
          challenge: { nonce },
        },
        {
          model: deps.faceModel,
          challenges: deps.challenges,
          ...(deps.frameMemory === undefined ? {} : { frameMemory: deps.frameMemory }),
        },
      ),
    ),
  ]);
  const confirmation = session.fieldConfirmation;
  // Printed-text-only corrections are used from here on: registry, screening, record.
  const document = withCorrections(read, confirmation);
  const f = document.fields;
  // The chip portrait goes to the registry, which compares it with its own photo (seed 003 §2.4).
  // A passport's holder is a foreign national, whom the citizens' registry does not hold: it is not
  // asked, and the rules send the case to a reviewer (REGISTRY_NOT_APPLICABLE).
  const registry = passport ? null : await checkIdentity(context, document, reference?.registryJpeg);
  // Screened with the nationality the document gives (a passport's MRZ); only a card defaults to VNM.
  const nationality = isoNationalityOf(f.nationality.value || (passport ? "" : "VNM"));
  const screening = await screen(context, {
    fullName: f.fullName.value,
    dateOfBirth: f.dateOfBirth.value,
    ...(nationality === undefined ? {} : { nationality }),
  });
  const duplicates = await findDuplicates(context, selfie, f.idNumber.value, f.oldIdNumber.value);
  const chipCheck =
    chip === undefined
      ? undefined
      : {
          failures: [...chip.failures, ...(reference?.failure === undefined ? [] : [reference.failure])],
          mismatches: chipCardMismatches(chip, document),
        };
  const corrections = correctionsAssessed(confirmation);
  const result = decide(
    {
      document: {
        ...documentAssessment(document, chipCheck),
        ...(corrections.length === 0 ? {} : { corrections }),
      },
      biometric: biometricAssessment(selfie),
      registry: registry === null ? { status: "NOT_APPLICABLE" } : registryAssessment(registry),
      screening: screening === null ? null : screeningAssessment(screening),
      duplicates,
      asOf: clock().toISOString().slice(0, 10),
    },
    deps.rules,
  );

  const draft = fullEkycDraft(document, result, front, back, chip, reference?.png !== undefined, session);
  const evidence: EvidenceInHand = {
    front,
    ...(back === undefined ? {} : { back }),
    ...(reference?.png === undefined ? {} : { chipPortrait: reference.png }),
    ...(chip === undefined ? {} : { chip: { status: chip.status, failures: chip.failures.map((x) => x.code) } }),
    frames,
    document,
    selfie,
    ...(registry === null ? {} : { registry }),
    screening,
    ...(session.collectionConsent === undefined ? {} : { collectionConsent: session.collectionConsent }),
    ...(confirmation === undefined ? {} : { confirmation }),
  };
  const decision = await timed("vault", () =>
    keepDecision(context, session, { selfie, result, draft, frames, evidence, duplicates }),
  );
  delete session.chip;
  delete session.reading;
  return decision;
}

/** Re-onboarding: the reference face is the issuing bank's template; the fields come verified from it. */
export async function runReuse(
  context: DecisionContext,
  session: Session,
  reuse: ReuseContext,
  images: SessionImages,
): Promise<OnboardingDecision> {
  const { deps, clock, timed } = context;
  const frames = images.frames;
  if (session.challenge === undefined || frames === undefined)
    throw new SessionStateError(session.id, "complete the liveness challenge first");
  // Checked before the selfie: the attestation could not outlive its source by even a month.
  const now = BigInt(Math.floor(clock().getTime() / 1000));
  if (policyExpiresAt(now, deps.attestationValiditySeconds, reuse.source.data.expiresAt) === null)
    throw new ReuseNotPossibleError("the source attestation is in its last month of validity: onboard in full");
  const selfie = await timed("biometrics", () =>
    verifySelfie(
      {
        template: decodeTemplate(reuse.faceTemplate),
        frames: frames.map((f) => ({ image: f.bytes, timestampMs: f.capturedAtMs })),
        challenge: { nonce: session.challenge!.nonce },
      },
      {
        model: deps.faceModel,
        challenges: deps.challenges,
        ...(deps.frameMemory === undefined ? {} : { frameMemory: deps.frameMemory }),
      },
    ),
  );
  const f = reuse.fields;
  const registry = await recheckRegistryAtReuse(context, f);
  // A passport record's nationality is an ICAO code (Germany: D); the lists speak ISO alpha-3.
  const nationality = isoNationalityOf(f.nationality);
  const screening = await screen(context, {
    fullName: f.fullName,
    dateOfBirth: f.dateOfBirth,
    ...(nationality === undefined ? {} : { nationality }),
  });
  const duplicates = await findDuplicates(context, selfie, f.idNumber, f.oldIdNumber);
  const result = decide(
    {
      document: {
        fields: { dateOfBirth: f.dateOfBirth, expiryDate: f.expiryDate, documentType: f.documentType as DocumentType },
        disagreements: [],
        tamperSignals: [],
        chipVerified: reuse.source.data.assuranceLevel === 2,
      },
      biometric: biometricAssessment(selfie),
      registry: registryAssessment(registry),
      screening: screening === null ? null : screeningAssessment(screening),
      duplicates,
      asOf: clock().toISOString().slice(0, 10),
    },
    deps.rules,
  );
  const { faceTemplate: _theirs, ...fields } = f;
  const sourceSalt = hexlify(secureRandomBytes(32)) as Hex;
  const draft: RecordDraft = {
    fields,
    method: Method.REUSE,
    // The chain gets a salted commitment, never the source uid (docs/protocol.md §3): the link
    // stays in this bank's sealed record, which is what the fraud cascade works from.
    refCommitment: reuseSourceCommitment(reuse.sourceUid, sourceSalt),
    maxLevel: reuse.source.data.assuranceLevel,
    expiresAtCap: reuse.source.data.expiresAt,
    evidence: {
      source: { uid: reuse.sourceUid, issuer: reuse.source.issuer, consentId: reuse.consentId, salt: sourceSalt },
    },
    reviewEvidence: [],
    extraOps: reuseIndexOps(reuse.sourceUid),
  };
  const evidence: EvidenceInHand = {
    frames,
    selfie,
    screening,
    source: { uid: reuse.sourceUid, issuer: reuse.source.issuer },
  };
  const decision = await timed("vault", () =>
    keepDecision(context, session, { selfie, result, draft, frames, evidence, duplicates }),
  );
  return decision;
}

/**
 * The bank's other records this onboarding collides with (the same number with another face, the
 * same face under another number): none without a live template or without the index.
 */
async function findDuplicates(
  { deps, timed }: DecisionContext,
  selfie: SelfieVerification,
  idNumber: string,
  oldIdNumber: string,
): Promise<DuplicateMatch[]> {
  const duplicates = deps.duplicates;
  const template = selfie.selfieTemplate;
  if (duplicates === undefined || template === null) return [];
  return timed("duplicates", () => duplicates.check({ idNumber, oldIdNumber, template }));
}

/**
 * The registry needs an id, a name and a date of birth; a card that gave none of them cannot be
 * checked, which the rules treat like an unavailable registry (review), never as a pass. The
 * verified chip portrait, when there is one, is sent for the registry's own face comparison (level 1,
 * without a chip, sends none: the card's printed portrait is a photo of a photo).
 */
async function checkIdentity(
  { deps, timed }: DecisionContext,
  document: DocumentResult,
  portrait: Uint8Array | undefined,
): Promise<IdentityCheckResult> {
  const f = document.fields;
  const identity = f.idNumber.value !== "" ? { idNumber: f.idNumber.value } : { oldIdNumber: f.oldIdNumber.value };
  const queryable =
    (identity.idNumber ?? identity.oldIdNumber ?? "") !== "" && f.fullName.value !== "" && f.dateOfBirth.value !== "";
  if (!queryable) {
    const error = new KycnetError("REGISTRY_QUERY_INCOMPLETE", "id, name or date of birth not read from the card");
    return { status: "UNAVAILABLE", code: "REGISTRY_QUERY_INCOMPLETE", error };
  }
  return timed("registry", () =>
    deps.registry.checkIdentity({
      ...identity,
      fullName: f.fullName.value,
      dateOfBirth: f.dateOfBirth.value,
      sex: f.sex.value,
      address: f.address.value,
      ...(portrait === undefined ? {} : { portrait }),
    }),
  );
}

/** Null when no list is loaded: the rules then say SANCTIONS_NOT_SCREENED, never a silent pass. */
async function screen({ deps, timed }: DecisionContext, subject: ScreeningQuery): Promise<ScreeningResult | null> {
  const sanctions = deps.sanctions;
  return sanctions === null ? null : timed("screening", async () => sanctions.screen(subject));
}

/**
 * The chip portrait as an image for the face pipeline (and, as a bounded JPEG, for the registry's
 * face comparison), when its DG2 passed passive authentication (a
 * portrait nobody signed is no reference); a portrait that cannot be decoded is a chip failure.
 */
async function chipPortraitReference(
  chip: ChipVerification,
): Promise<{ png?: Uint8Array; registryJpeg?: Uint8Array; failure?: Failure }> {
  if (chip.portrait === null || !chip.dataGroupsVerified.includes(2)) return {};
  try {
    const decoded = await decodePortrait(chip.portrait);
    return {
      png: new Uint8Array(await portraitPng(decoded)),
      registryJpeg: new Uint8Array(await portraitJpegForRegistry(decoded)),
    };
  } catch (error) {
    if (!isChipError(error)) throw error;
    return { failure: { code: "DG_MALFORMED", dataGroup: 2, detail: error.message } };
  }
}

/** What the sealed record keeps of the chip: hashes and outcomes, never on chain (docs/protocol.md §2). */
function chipEvidence(chip: ChipVerification, portraitFromChip: boolean): StoredValue {
  return {
    status: chip.status,
    failures: chip.failures.map((f) => f.code),
    sodSha256: chip.evidence.sodSha256,
    documentSignerSha256: chip.evidence.documentSignerSha256,
    signatureAlgorithm: chip.evidence.signatureAlgorithm,
    dataGroupHashAlgorithm: chip.evidence.dataGroupHashAlgorithm,
    dataGroupsVerified: [...chip.dataGroupsVerified],
    activeAuthentication: activeAuthenticationOf(chip),
    faceReference: portraitFromChip ? "chip" : "card",
  };
}

/** The record draft of a full-eKYC session: the card's fields, its images as hashes, the chip's evidence. */
function fullEkycDraft(
  document: DocumentResult,
  result: DecisionResult,
  front: Uint8Array,
  back: Uint8Array | undefined,
  chip: ChipVerification | undefined,
  portraitFromChip: boolean,
  session: Pick<Session, "collectionConsent" | "fieldConfirmation">,
): RecordDraft {
  const f = document.fields;
  const consent = session.collectionConsent;
  const corrections = session.fieldConfirmation?.corrections ?? [];
  return {
    fields: {
      idNumber: f.idNumber.value,
      oldIdNumber: f.oldIdNumber.value,
      fullName: f.fullName.value,
      dateOfBirth: f.dateOfBirth.value,
      sex: f.sex.value,
      nationality: f.nationality.value || (document.documentType === "PASSPORT" ? "" : "VNM"),
      address: f.address.value,
      issueDate: f.issueDate.value,
      expiryDate: f.expiryDate.value,
      documentType: result.method === "FULL_EKYC_NFC" ? "CCCD_CHIP" : (document.documentType ?? "CCCD"),
    },
    method: result.method === "FULL_EKYC_NFC" ? Method.FULL_EKYC_NFC : Method.FULL_EKYC,
    refCommitment: ZeroHash as Hex,
    maxLevel: 2,
    expiresAtCap: null,
    evidence: {
      images: { front: sha256(front), back: back ? sha256(back) : null },
      documentSignals: document.signals.map((s) => s.code),
      ...(chip === undefined ? {} : { chip: chipEvidence(chip, portraitFromChip) }),
      // The customer's corrections, with their provenance: the value read, the value given, the source.
      ...(corrections.length === 0 ? {} : { customerCorrections: corrections.map((c) => ({ ...c })) }),
    },
    ...(consent === undefined ? {} : { extraOps: collectionConsentOps(consent) }),
    reviewEvidence: [
      { kind: "DOCUMENT_FRONT", sha256: sha256(front) },
      ...(back ? [{ kind: "DOCUMENT_BACK" as const, sha256: sha256(back) }] : []),
    ],
  };
}
