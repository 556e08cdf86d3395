/**
 * In-memory fakes of the API's service ports (node/src/onboarding/ports.ts), with the same error
 * contract as the real implementations: coded KycnetErrors for unknown / expired sessions, wrong
 * states and unknown attestations. Fast tests of the HTTP layer run against these.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { InvalidArgumentError, KycnetError } from "@kycnet/sdk/errors";
import { AttestationNotFoundError } from "@kycnet/sdk/chain";
import type { Hex } from "@kycnet/sdk/protocol";
import { SessionExpiredError, SessionNotFoundError, SessionStateError } from "../../../node/src/onboarding/sessions.ts";
import { CollectionConsentRequiredError } from "../../../node/src/onboarding/collection-consent.ts";
import { confirmFields, documentReadingView } from "../../../node/src/onboarding/field-confirmation.ts";
import type { DocumentResult, FieldResult } from "../../../node/src/ekyc/document/index.ts";
import type {
  CollectionConsentBody,
  CollectionConsentView,
  DocumentReadingView,
  FieldConfirmationBody,
  FieldConfirmationView,
} from "@kycnet/sdk/bank";
import { CaseNotFoundError, CaseStateConflictError } from "../../../node/src/onboarding/review/review-queue.ts";
import { Wallet } from "ethers";
import { createAuditExports } from "../../../node/src/onboarding/audit-export.ts";
import { createAuditReports } from "../../../node/src/onboarding/audit-report.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import { RecordNotFoundError } from "../../../node/src/vault/vault.ts";
import type {
  AccountClosedView,
  ApiServices,
  CoreBankingRecords,
  VerifiedIdentityView,
  WebhookAdmin,
  AttestationAdmin,
  AttestationStatusView,
  AuditEntry,
  AuditSink,
  ConsentRelay,
  ConsentStatusView,
  DocumentSide,
  ImageMime,
  LedgerReads,
  LivenessChallenge,
  OnboardingDecision,
  OnboardingService,
  OnboardingSessionCreated,
  OnboardingSessionView,
  ReuseSessionCreated,
  ReuseSessionRequest,
  ReviewCase,
  ReviewCaseFilter,
  ReviewCasePage,
  ReviewQueue,
  RevocationResult,
  SelfieFrame,
} from "../../../node/src/onboarding/ports.ts";
import type { RevocationReasonName } from "@kycnet/sdk/protocol";

export type Clock = () => number;

const iso = (ms: number) => new Date(ms).toISOString();
const hex32 = (): Hex => `0x${randomBytes(32).toString("hex")}`;
const shortId = () => randomUUID().replaceAll("-", "");

const read = (value: string, readings: FieldResult["readings"]): FieldResult => {
  const sources = Object.keys(readings) as (keyof FieldResult["readings"])[];
  return {
    value,
    source: sources[0] ?? null,
    agreement: sources.length === 0 ? "missing" : sources.length === 1 ? "single" : "agree",
    readings,
  };
};
/** The one card every fake session reads: a made-up person, the address read by the printed text alone. */
export const FAKE_CARD_READING: DocumentResult = {
  documentType: "CCCD",
  fields: {
    idNumber: read("001098765432", { qr: "001098765432", mrz: "001098765432" }),
    oldIdNumber: read("", {}),
    fullName: read("NGUYỄN VĂN MINH", { qr: "NGUYỄN VĂN MINH", mrz: "NGUYEN VAN MINH" }),
    dateOfBirth: read("1995-08-15", { qr: "1995-08-15", mrz: "1995-08-15" }),
    sex: read("M", { qr: "M", mrz: "M" }),
    nationality: read("VNM", { mrz: "VNM" }),
    address: read("123 NGUYỄN HUỆ, QUẬN 1, TP HỒ CHÍ MINH", { ocr: "123 NGUYỄN HUỆ, QUẬN 1, TP HỒ CHÍ MINH" }),
    issueDate: read("2021-04-10", { qr: "2021-04-10" }),
    expiryDate: read("2035-08-15", { qr: "2035-08-15", mrz: "2035-08-15" }),
    documentType: read("CCCD", { qr: "CCCD" }),
  },
  disagreements: [],
  signals: [],
  checks: { expired: false, ageYears: 31, adult: true },
  evidence: { qrText: null, mrzLines: null, mrzRepairs: [], ocrLines: {} },
  timings: { decodeMs: 0, qrMs: 0, mrzMs: 0, ocrMs: 0, tamperMs: 0, totalMs: 0 },
};

interface FakeSession {
  id: string;
  subject: Hex;
  /** Set for re-onboarding sessions: the source attestation. */
  reuseOf?: Hex;
  createdAt: number;
  expiresAt: number;
  documents: { front?: Uint8Array; back?: Uint8Array; passport?: Uint8Array };
  consent?: CollectionConsentView;
  confirmation?: FieldConfirmationView;
  challenge?: LivenessChallenge;
  frames?: readonly SelfieFrame[];
  decision?: OnboardingDecision;
}

export class FakeReviewQueue implements ReviewQueue {
  readonly cases = new Map<string, ReviewCase>();
  readonly comments = new Map<string, string>();
  constructor(private readonly clock: Clock = Date.now) {}

  open(sessionId: string, reasons: ReviewCase["reasons"]): ReviewCase {
    const c: ReviewCase = {
      caseId: shortId(),
      kind: "ONBOARDING",
      sessionId,
      status: "OPEN",
      reasons,
      createdAt: iso(this.clock()),
    };
    this.cases.set(c.caseId, c);
    return c;
  }

  async list(filter: ReviewCaseFilter): Promise<ReviewCasePage> {
    const all = [...this.cases.values()].filter((c) => filter.status === undefined || c.status === filter.status);
    const start = filter.cursor === undefined ? 0 : Number.parseInt(filter.cursor, 10);
    if (!Number.isSafeInteger(start) || start < 0) throw new InvalidArgumentError("cursor", "unknown cursor");
    const page = all.slice(start, start + filter.limit);
    const next = start + filter.limit < all.length ? String(start + filter.limit) : undefined;
    return next === undefined ? { cases: page } : { cases: page, nextCursor: next };
  }

  private get(caseId: string): ReviewCase {
    const c = this.cases.get(caseId);
    if (!c) throw new CaseNotFoundError(caseId);
    return c;
  }

  async claim(caseId: string, reviewer: string): Promise<ReviewCase> {
    const c = this.get(caseId);
    if (c.status !== "OPEN") throw new CaseStateConflictError(caseId, c.status, "claim");
    const claimed: ReviewCase = { ...c, status: "CLAIMED", reviewer };
    this.cases.set(caseId, claimed);
    return claimed;
  }

  private decide(caseId: string, reviewer: string, comment: string, status: "APPROVED" | "REJECTED"): ReviewCase {
    const c = this.get(caseId);
    if (c.status !== "CLAIMED" || c.reviewer !== reviewer) {
      throw new CaseStateConflictError(
        caseId,
        c.status,
        `${status === "APPROVED" ? "approve" : "reject"} (claim it first)`,
      );
    }
    const decided: ReviewCase = {
      ...c,
      status,
      reviewer,
      decidedAt: iso(this.clock()),
      ...(status === "APPROVED" ? { attestationUid: hex32() } : {}),
    };
    this.cases.set(caseId, decided);
    this.comments.set(caseId, comment);
    return decided;
  }

  async approve(caseId: string, reviewer: string, comment: string): Promise<ReviewCase> {
    return this.decide(caseId, reviewer, comment, "APPROVED");
  }

  async reject(caseId: string, reviewer: string, comment: string): Promise<ReviewCase> {
    return this.decide(caseId, reviewer, comment, "REJECTED");
  }
}

export class FakeOnboarding implements OnboardingService {
  readonly sessions = new Map<string, FakeSession>();
  /** What the next decide() returns. */
  nextOutcome: OnboardingDecision["outcome"] = "PASS";
  /** When set, every call throws this (to exercise error mapping). */
  failWith: Error | undefined;
  /** When set, decide() waits for it first (to hold a heavy request in flight). */
  decideGate: Promise<void> | undefined;

  constructor(
    private readonly review: FakeReviewQueue,
    private readonly clock: Clock = Date.now,
    private readonly ttlMs = 15 * 60_000,
  ) {}

  private live(sessionId: string): FakeSession {
    if (this.failWith) throw this.failWith;
    const s = this.sessions.get(sessionId);
    if (!s) throw new SessionNotFoundError(sessionId);
    if (this.clock() >= s.expiresAt) throw new SessionExpiredError(sessionId);
    return s;
  }

  /** Attestations other members issued that this fake can re-onboard from, with the issuer's name. */
  readonly reuseSources = new Map<Hex, string>();
  /** This bank's member account: consents must name it as grantee. */
  account: Hex = `0x${"0b".repeat(20)}`;

  async createSession(subject: Hex): Promise<OnboardingSessionCreated> {
    if (this.failWith) throw this.failWith;
    return this.open(subject);
  }

  async createReuseSession(subject: Hex, request: ReuseSessionRequest): Promise<ReuseSessionCreated> {
    if (this.failWith) throw this.failWith;
    const issuer = this.reuseSources.get(request.attestationUid);
    if (request.grant.attestationUid !== request.attestationUid)
      throw new KycnetError("REUSE_NOT_POSSIBLE", "the consent is for another attestation");
    if (request.grant.grantee.toLowerCase() !== this.account)
      throw new KycnetError("REUSE_NOT_POSSIBLE", "the consent names another bank as grantee");
    if (issuer === undefined)
      throw new KycnetError("ATTESTATION_NOT_FOUND", `attestation ${request.attestationUid} not found`);
    const created = this.open(subject, request.attestationUid);
    return { ...created, issuer, sourceUid: request.attestationUid };
  }

  private open(subject: Hex, reuseOf?: Hex): OnboardingSessionCreated {
    const now = this.clock();
    const s: FakeSession = {
      id: shortId(),
      subject,
      createdAt: now,
      expiresAt: now + this.ttlMs,
      documents: {},
      ...(reuseOf ? { reuseOf } : {}),
    };
    this.sessions.set(s.id, s);
    return { sessionId: s.id, expiresAt: iso(s.expiresAt) };
  }

  async recordCollectionConsent(sessionId: string, consent: CollectionConsentBody): Promise<CollectionConsentView> {
    const s = this.live(sessionId);
    if (s.decision || s.reuseOf || s.consent) throw new SessionStateError(sessionId, "no consent to record here");
    for (const needed of ["fullName", "faceTemplate", "cardImages", "selfieImages"] as const)
      if (!consent.fields.includes(needed))
        throw new KycnetError("INVALID_ARGUMENT", `the consent does not cover ${needed}`, {
          details: { field: "fields" },
        });
    s.consent = { sessionId, ...consent, recordedAt: iso(this.clock()) };
    return s.consent;
  }

  async uploadDocument(sessionId: string, side: DocumentSide, bytes: Uint8Array, _mime: ImageMime): Promise<void> {
    const s = this.live(sessionId);
    if (s.decision) throw new SessionStateError(sessionId, "already decided");
    if (s.reuseOf) throw new SessionStateError(sessionId, "a re-onboarding session takes no card images");
    if (!s.consent) throw new CollectionConsentRequiredError(sessionId, "cardImages");
    s.documents[side] = bytes;
    delete s.confirmation;
  }

  async readDocumentFields(sessionId: string): Promise<DocumentReadingView> {
    const s = this.live(sessionId);
    if (s.decision || s.reuseOf || !s.documents.front) throw new SessionStateError(sessionId, "no card to read");
    return documentReadingView(FAKE_CARD_READING, undefined, s.confirmation);
  }

  async confirmDocumentFields(sessionId: string, body: FieldConfirmationBody): Promise<FieldConfirmationView> {
    const s = this.live(sessionId);
    if (s.decision || s.reuseOf || !s.documents.front) throw new SessionStateError(sessionId, "no reading to confirm");
    s.confirmation = confirmFields(FAKE_CARD_READING, undefined, body, new Date(this.clock()));
    return s.confirmation;
  }

  /** This fake node has no chip trust list, like a node configured without one. */
  async createChipChallenge(sessionId: string): Promise<never> {
    this.live(sessionId);
    throw new KycnetError("CHIP_NOT_CONFIGURED", "no chip trust list");
  }

  async uploadChip(sessionId: string): Promise<never> {
    this.live(sessionId);
    throw new KycnetError("CHIP_NOT_CONFIGURED", "no chip trust list");
  }

  async createLivenessChallenge(sessionId: string): Promise<LivenessChallenge> {
    const s = this.live(sessionId);
    if (s.decision) throw new SessionStateError(sessionId, "already decided");
    s.challenge = {
      challengeId: shortId(),
      steps: ["TURN_LEFT", "BLINK"],
      promptsAtMs: [500, 1700],
      nonce: randomBytes(32).toString("base64url"),
      expiresAt: iso(this.clock() + 60_000),
    };
    s.frames = undefined;
    return s.challenge;
  }

  async uploadSelfieFrames(sessionId: string, challengeId: string, frames: readonly SelfieFrame[]): Promise<void> {
    const s = this.live(sessionId);
    if (!s.challenge || s.challenge.challengeId !== challengeId)
      throw new SessionStateError(sessionId, "no such liveness challenge");
    if (!s.reuseOf && !s.consent) throw new CollectionConsentRequiredError(sessionId, "selfieImages");
    s.frames = frames;
  }

  async decide(sessionId: string): Promise<OnboardingDecision> {
    if (this.decideGate) await this.decideGate;
    const s = this.live(sessionId);
    if (s.decision) return s.decision;
    if (!s.reuseOf && (!s.documents.front || !s.documents.back))
      throw new SessionStateError(sessionId, "both document sides are required");
    if (!s.frames) throw new SessionStateError(sessionId, "selfie frames are required");
    const outcome = this.nextOutcome;
    const reasons =
      outcome === "PASS" ? [] : [{ code: "FACE_SIMILARITY_BORDERLINE", message: "face similarity between thresholds" }];
    let decision: OnboardingDecision;
    if (outcome === "PASS") decision = { outcome, reasons, assuranceLevel: 1, attestationUid: hex32() };
    else if (outcome === "REVIEW")
      decision = { outcome, reasons, assuranceLevel: 0, reviewCaseId: this.review.open(sessionId, reasons).caseId };
    else decision = { outcome, reasons, assuranceLevel: 0 };
    s.decision = decision;
    return decision;
  }

  async getSession(sessionId: string): Promise<OnboardingSessionView> {
    if (this.failWith) throw this.failWith;
    const s = this.sessions.get(sessionId);
    if (!s) throw new SessionNotFoundError(sessionId);
    const state = s.decision ? "DECIDED" : this.clock() >= s.expiresAt ? "EXPIRED" : "OPEN";
    return {
      sessionId: s.id,
      state,
      createdAt: iso(s.createdAt),
      expiresAt: iso(s.expiresAt),
      documents: { front: s.documents.front !== undefined, back: s.documents.back !== undefined },
      liveness: s.frames ? "FRAMES_RECEIVED" : s.challenge ? "CHALLENGED" : "NONE",
      ...(s.decision ? { decision: s.decision } : {}),
    };
  }
}

export class FakeLedger implements LedgerReads, AttestationAdmin, ConsentRelay {
  readonly attestations = new Map<Hex, AttestationStatusView["status"]>();
  readonly consents = new Map<Hex, ConsentStatusView["status"]>();
  failWith: Error | undefined;
  constructor(private readonly clock: Clock = Date.now) {}

  async attestationStatus(uid: Hex): Promise<AttestationStatusView> {
    if (this.failWith) throw this.failWith;
    const status = this.attestations.get(uid);
    if (status === undefined) throw new AttestationNotFoundError(uid, "no batch proof known to this node");
    return { uid, status, checkedAt: iso(this.clock()) };
  }

  async consentStatus(consentId: Hex): Promise<ConsentStatusView> {
    if (this.failWith) throw this.failWith;
    return { consentId, status: this.consents.get(consentId) ?? "NONE", checkedAt: iso(this.clock()) };
  }

  async revoke(uid: Hex, reason: RevocationReasonName): Promise<RevocationResult> {
    if (this.failWith) throw this.failWith;
    if (!this.attestations.has(uid)) throw new AttestationNotFoundError(uid, "not issued by this node");
    this.attestations.set(uid, "REVOKED");
    return { uid, reason, txHash: hex32() };
  }

  async relayRevocation(revocation: { consentId: Hex }, _signature: Hex): Promise<{ consentId: Hex; txHash: Hex }> {
    if (this.failWith) throw this.failWith;
    this.consents.set(revocation.consentId, "REVOKED");
    return { consentId: revocation.consentId, txHash: hex32() };
  }
}

export class FakeAuditSink implements AuditSink {
  readonly entries: AuditEntry[] = [];
  failing = false;
  async append(entry: AuditEntry): Promise<void> {
    if (this.failing) throw new Error("audit store closed");
    this.entries.push(entry);
  }
}

/** Core banking over a map of identities; unknown uids are RECORD_NOT_FOUND. */
export class FakeCoreBanking implements CoreBankingRecords {
  readonly identities = new Map<Hex, VerifiedIdentityView>();
  readonly reads: { uid: Hex; reader: string }[] = [];
  async readIdentity(uid: Hex, reader: string): Promise<VerifiedIdentityView> {
    const identity = this.identities.get(uid);
    if (identity === undefined) throw new RecordNotFoundError(uid);
    this.reads.push({ uid, reader });
    return identity;
  }
  async closeAccount(uid: Hex): Promise<AccountClosedView> {
    if (!this.identities.has(uid)) throw new RecordNotFoundError(uid);
    return {
      uid,
      closedAt: new Date(0).toISOString(),
      retentionClass: "STANDARD",
      retainUntil: new Date(0).toISOString(),
    };
  }
}

/** An empty webhook outbox. */
export const emptyWebhookAdmin: WebhookAdmin = {
  list: async () => ({ messages: [], counts: { PENDING: 0, DELIVERED: 0, DEAD: 0 } }),
  redrive: async (id) => {
    throw new KycnetError("WEBHOOK_NOT_FOUND", `no webhook message ${id}`);
  },
};

/** The real report builder over an in-memory audit log, signed by a throwaway key (`signer`). */
function fakeReports() {
  const store = createMemoryRecordStore();
  const audit = createAuditLog(store);
  const wallet = Wallet.createRandom();
  const reports = createAuditReports({
    bank: "Fake Bank",
    audit,
    signer: { address: wallet.address as Hex, signMessage: (bytes) => wallet.signMessage(bytes) },
  });
  // No chain here: no anchors, so every exported entry is reported as not yet proven.
  const exports = createAuditExports({
    bank: "Fake Bank",
    audit,
    signer: { address: wallet.address as Hex, signMessage: (bytes) => wallet.signMessage(bytes) },
    chain: { chainId: 31337n, attestations: "0x0000000000000000000000000000000000000001" },
    anchors: async () => [],
  });
  return {
    report: (query: Parameters<typeof reports.report>[0]) => reports.report(query),
    export: (query: Parameters<typeof exports.export>[0]) => exports.export(query),
    audit,
    signer: wallet.address as Hex,
  };
}

export interface FakeServices extends ApiServices {
  readonly onboarding: FakeOnboarding;
  readonly review: FakeReviewQueue;
  readonly ledger: FakeLedger;
  readonly attestations: FakeLedger;
  readonly consents: FakeLedger;
  readonly audit: FakeAuditSink;
  readonly records: FakeCoreBanking;
  readonly reports: ReturnType<typeof fakeReports>;
}

export function createFakeServices(clock: Clock = Date.now): FakeServices {
  const review = new FakeReviewQueue(clock);
  const ledger = new FakeLedger(clock);
  return {
    onboarding: new FakeOnboarding(review, clock),
    review,
    ledger,
    attestations: ledger,
    consents: ledger,
    audit: new FakeAuditSink(),
    records: new FakeCoreBanking(),
    webhooks: emptyWebhookAdmin,
    reports: fakeReports(),
    dataSubjects: {
      submit: async (input) => Promise.reject(new RecordNotFoundError(input.attestationUid)),
      list: async () => [],
    },
  };
}
