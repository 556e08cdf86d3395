/**
 * The evidence of a decision, from what the decision run has in hand: the card images, the selfie
 * frames, the chip portrait, and a summary (field readings by source and their disagreements, tamper
 * signals, face scores, the registry's answer, the sanctions hits). `evidenceParts` turns it into the
 * named parts the vault seals (vault/evidence.ts); `readEvidenceSummary` reads the summary back for
 * the console. Pure: no storage here.
 */
import type { SelfieVerification } from "../../ekyc/biometrics/index.ts";
import type { IdentityCheckResult } from "../../ekyc/checks/national-id/port.ts";
import type { ScreeningResult } from "../../ekyc/checks/sanctions/port.ts";
import type { DocumentResult } from "../../ekyc/document/index.ts";
import type { CaseEvidenceSummary, CollectionConsentView, FieldConfirmationView, SelfieFrame } from "../ports.ts";

/** What a decision run saw. Card fields are absent on re-onboarding (they came from the source attestation). */
export interface EvidenceInHand {
  readonly front?: Uint8Array;
  readonly back?: Uint8Array;
  /** PNG of the chip's portrait, when the selfie was matched against it. */
  readonly chipPortrait?: Uint8Array;
  readonly frames: readonly SelfieFrame[];
  readonly document?: DocumentResult;
  readonly selfie: SelfieVerification;
  readonly registry?: IdentityCheckResult;
  readonly screening: ScreeningResult | null;
  readonly chip?: { readonly status: string; readonly failures: readonly string[] };
  readonly source?: { readonly uid: string; readonly issuer: string };
  /** Full eKYC: the customer's consent to the collection, and their answer to the fields read. */
  readonly collectionConsent?: CollectionConsentView;
  readonly confirmation?: FieldConfirmationView;
}

export function evidenceSummary(inHand: EvidenceInHand): CaseEvidenceSummary {
  const { document, selfie, registry, screening } = inHand;
  return {
    fields: document
      ? Object.entries(document.fields).map(([field, r]) => ({
          field,
          value: r.value,
          source: r.source,
          agreement: r.agreement,
          readings: { ...r.readings },
        }))
      : [],
    disagreements: document ? document.disagreements.map((d) => ({ field: d.field, reason: d.reason })) : [],
    signals: document ? document.signals.map((s) => ({ code: s.code, score: s.score, reason: s.reason })) : [],
    face: {
      reference: inHand.source ? "source-template" : inHand.chipPortrait ? "chip" : "card",
      similarity: selfie.similarity,
      score: selfie.score,
      band: selfie.band,
      reasons: [...selfie.reasons],
      activeLivenessPassed: selfie.liveness.active?.passed ?? null,
      passiveLivenessMin: selfie.liveness.passive.min,
    },
    registry: registry === undefined ? null : { status: registry.status, detail: registryDetail(registry) },
    sanctions:
      screening === null
        ? null
        : {
            listVersion: screening.listVersion,
            threshold: screening.threshold,
            hits: screening.hits.map((h) => ({
              entryId: h.entryId,
              source: h.source,
              reference: h.reference,
              matchedName: h.matchedName,
              score: h.score,
              dateOfBirth: h.dateOfBirth,
              nationality: h.nationality,
            })),
          },
    chip: inHand.chip ? { status: inHand.chip.status, failures: [...inHand.chip.failures] } : null,
    source: inHand.source ? { uid: inHand.source.uid, issuer: inHand.source.issuer } : null,
    collectionConsent: inHand.collectionConsent ?? null,
    customerConfirmation:
      inHand.confirmation === undefined
        ? null
        : { confirmedAt: inHand.confirmation.confirmedAt, corrections: [...inHand.confirmation.corrections] },
  };
}

function registryDetail(r: IdentityCheckResult): string {
  switch (r.status) {
    case "MATCH":
      return r.suggestedIdNumber ? `old id converted to ${r.suggestedIdNumber}` : "";
    case "MISMATCH":
      return `differs: ${r.fields.join(", ")}`;
    case "CARD_INVALID":
      return `card reported ${r.cardStatus.toLowerCase()}`;
    case "NOT_FOUND":
      return "";
    case "UNAVAILABLE":
      return r.code;
  }
}

/** The parts the vault seals: `summary` (JSON) and the images, by name (vault/evidence.ts names them). */
export function evidenceParts(inHand: EvidenceInHand): Map<string, Uint8Array> {
  const parts = new Map<string, Uint8Array>();
  parts.set("summary", new TextEncoder().encode(JSON.stringify(evidenceSummary(inHand))));
  if (inHand.front) parts.set("front", inHand.front);
  if (inHand.back) parts.set("back", inHand.back);
  if (inHand.chipPortrait) parts.set("chip-portrait", inHand.chipPortrait);
  inHand.frames.slice(0, 12).forEach((f, i) => parts.set(`frame-${i}`, f.bytes));
  return parts;
}

/** The summary part as sealed (written by `evidenceParts` of this same module). */
export function readEvidenceSummary(bytes: Uint8Array): CaseEvidenceSummary {
  const summary = JSON.parse(new TextDecoder().decode(bytes)) as CaseEvidenceSummary;
  // Summaries sealed before consents and confirmations were kept lack them.
  return {
    ...summary,
    collectionConsent: summary.collectionConsent ?? null,
    customerConfirmation: summary.customerConfirmation ?? null,
  };
}
