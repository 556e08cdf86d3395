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

export function documentAssessment(doc: DocumentResult): DocumentAssessment {
  return {
    fields: {
      dateOfBirth: doc.fields.dateOfBirth.value,
      expiryDate: doc.fields.expiryDate.value,
      documentType: doc.documentType ?? "CCCD",
    },
    disagreements: [
      ...doc.disagreements.map((d) => ({ field: d.field, sources: Object.keys(d.readings) })),
      // "" means "no expiry" to the rules; an expiry no source could read is not that.
      ...(doc.fields.expiryDate.agreement === "missing" && doc.documentType !== null && doc.documentType !== "CMND"
        ? [{ field: "expiryDate", sources: [] as string[] }]
        : []),
    ],
    tamperSignals: doc.signals.map((s) => ({ code: s.code, severity: s.score >= HIGH_TAMPER_SCORE ? "HIGH" : "LOW" })),
    chipVerified: false, // no NFC chip reading in this pipeline yet: level 2 is never claimed
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
      return { status: "MATCH", ...(r.suggestedIdNumber ? { suggestedIdNumber: r.suggestedIdNumber } : {}) };
    case "MISMATCH":
      return {
        status: "MISMATCH",
        fields: [...r.fields],
        ...(r.suggestedIdNumber ? { suggestedIdNumber: r.suggestedIdNumber } : {}),
      };
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
