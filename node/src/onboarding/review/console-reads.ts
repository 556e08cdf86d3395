/**
 * The reviewer console's reads over the review queue and the sealed evidence: the queue with filters,
 * a case with its evidence (opening it is audited under the reviewer), one image at a time.
 */
import { REASON_CODES, reasonsForReviewer } from "../../ekyc/decision/reasons.ts";
import type { EvidenceStore } from "../../vault/evidence.ts";
import type { ImageMime, ReviewCase, ReviewEvidenceReads } from "../ports.ts";
import { readEvidenceSummary } from "./case-evidence.ts";
import { needsFourEyes, type QueuedCase, type ReviewQueueStore } from "./review-queue.ts";

/** JPEG or PNG by magic bytes (uploads were checked on the way in: media.ts). */
const mimeOf = (bytes: Uint8Array): ImageMime => (bytes[0] === 0x89 && bytes[1] === 0x50 ? "image/png" : "image/jpeg");
const IMAGE_PART = /^(front|back|chip-portrait|frame-(?:[0-9]|1[01]))$/;

export function createConsoleReads(deps: {
  queue: ReviewQueueStore;
  evidence: EvidenceStore;
  view: (c: QueuedCase) => Promise<ReviewCase>;
  fourEyesReasons: readonly string[];
}): ReviewEvidenceReads {
  const { queue, evidence, view, fourEyesReasons } = deps;
  return {
    async listCases(filter) {
      const page = await queue.list(filter);
      return {
        cases: await Promise.all(page.cases.map(view)),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },

    reasonCodes: () => REASON_CODES,

    async getCase(caseId, actor) {
      const c = await queue.getCase(caseId);
      const parts = await evidence.listParts(c.recordId);
      const summary = parts.includes("summary")
        ? readEvidenceSummary(await evidence.open(c.recordId, "summary", actor))
        : null;
      return {
        case: await view(c),
        decisionReasons: reasonsForReviewer(c.decision.reasons),
        decisionMethod: c.decision.method ?? "",
        evidence: summary,
        images: parts.filter((p) => IMAGE_PART.test(p)),
        firstApproval: c.firstApproval
          ? { reviewer: c.firstApproval.reviewer, at: c.firstApproval.at, comment: c.firstApproval.comment }
          : null,
        needsFourEyes: needsFourEyes(c, fourEyesReasons),
        resolutionComment: c.resolution?.comment ?? null,
      };
    },

    async getImage(caseId, part, actor) {
      const c = await queue.getCase(caseId);
      const bytes = await evidence.open(c.recordId, IMAGE_PART.test(part) ? part : "(not an image)", actor);
      return { bytes, mime: mimeOf(bytes) };
    },
  };
}
