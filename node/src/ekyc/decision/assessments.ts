/**
 * Adapters from each eKYC stage's own result to the narrow views the decision engine reads
 * (decision/types.ts). Kept here, at the seam, so the stages and the engine never import each other.
 */
import type { DocumentResult } from "../document/index.ts";
import type { SelfieVerification } from "../biometrics/index.ts";
import type { IdentityCheckResult } from "../checks/national-id/port.ts";
import type { ScreeningResult } from "../checks/sanctions/port.ts";
import type { BiometricAssessment, DocumentAssessment, RegistryAssessment, ScreeningAssessment } from "./types.ts";

/** Tamper signals at or above this score count as HIGH severity for the rules. */
export const HIGH_TAMPER_SCORE = 0.7;

/** What the chip contributes to the document assessment (absent when no chip was read). */
export interface ChipAssessmentInput {
  readonly failures: readonly { code: string }[];
  readonly mismatches: readonly { field: string; sources: readonly string[] }[];
}

export function documentAssessment(doc: DocumentResult, chip?: ChipAssessmentInput): DocumentAssessment {
  const chipVerified = chip !== undefined && chip.failures.length === 0 && chip.mismatches.length === 0;
  return {
    fields: {
      dateOfBirth: doc.fields.dateOfBirth.value,
      expiryDate: doc.fields.expiryDate.value,
      // A CCCD whose chip was read and verified is the chip card, whatever the photo alone suggested.
      documentType: chipVerified && doc.documentType === "CCCD" ? "CCCD_CHIP" : (doc.documentType ?? "CCCD"),
    },
    disagreements: [
      ...doc.disagreements.map((d) => ({ field: d.field, sources: Object.keys(d.readings) })),
      // "" means "no expiry" to the rules; an expiry no source could read is not that.
      ...(doc.fields.expiryDate.agreement === "missing" && doc.documentType !== null && doc.documentType !== "CMND"
        ? [{ field: "expiryDate", sources: [] as string[] }]
        : []),
    ],
    tamperSignals: doc.signals.map((s) => ({ code: s.code, severity: s.score >= HIGH_TAMPER_SCORE ? "HIGH" : "LOW" })),
    // Level 2 needs a chip that passed passive (and, where it has DG15, active) authentication and agrees with the card.
    chipVerified,
    ...(chip === undefined
      ? {}
      : {
          chip: {
            failures: chip.failures.map((f) => f.code),
            mismatches: chip.mismatches.map((m) => ({ field: m.field, sources: [...m.sources] })),
          },
        }),
  };
}

export function biometricAssessment(v: SelfieVerification): BiometricAssessment {
  return {
    similarityBand: v.band === null ? "REJECT" : (v.band.toUpperCase() as BiometricAssessment["similarityBand"]),
    ...(v.similarity === null ? {} : { similarity: v.similarity }),
    livenessPassed: v.liveness.active?.passed === true,
    replaySuspected: (v.replay?.signals.length ?? 0) > 0,
  };
}

export function registryAssessment(r: IdentityCheckResult): RegistryAssessment {
  switch (r.status) {
    case "MATCH":
      return {
        status: "MATCH",
        ...(r.suggestedIdNumber ? { suggestedIdNumber: r.suggestedIdNumber } : {}),
        ...(r.faceCompared === undefined ? {} : { faceCompared: r.faceCompared }),
      };
    case "MISMATCH":
      return {
        status: "MISMATCH",
        fields: [...r.fields],
        ...(r.suggestedIdNumber ? { suggestedIdNumber: r.suggestedIdNumber } : {}),
        ...(r.faceCompared === undefined ? {} : { faceCompared: r.faceCompared }),
      };
    case "CARD_INVALID":
      return { status: "CARD_INVALID", cardStatus: r.cardStatus };
    case "NOT_FOUND":
      return { status: "NOT_FOUND" };
    case "UNAVAILABLE":
      return { status: "UNAVAILABLE", code: r.code };
  }
}

export function screeningAssessment(s: ScreeningResult): ScreeningAssessment {
  return {
    hits: s.hits.map((h) => ({ entryId: h.entryId, score: h.score, dateOfBirth: h.dateOfBirth })),
    listVersion: s.listVersion,
  };
}
