/**
 * The decision engine, table-driven: one clean onboarding, then one row per rule (what changes,
 * the decision, the reason codes, the level). Plus combination, purity, rule-set data and bad input.
 */
import { expect } from "chai";
import { decide, ageInYears } from "../../../../node/src/ekyc/decision/engine.ts";
import { RULES_V1, parseRuleSet } from "../../../../node/src/ekyc/decision/rule-set.ts";
import { REASON_CODES, reasonsForReviewer, reasonsShown } from "../../../../node/src/ekyc/decision/reasons.ts";
import type { DecisionInput, DecisionResult } from "../../../../node/src/ekyc/decision/types.ts";
import { InMemoryNationalIdRegistry } from "../../../../node/src/ekyc/checks/national-id/fake.ts";
import { generateCitizens } from "../../../../node/src/ekyc/checks/national-id/simulator/citizens.ts";
import { IndexedSanctionsList } from "../../../../node/src/ekyc/checks/sanctions/indexed-list.ts";
import { parseUnConsolidatedXml } from "../../../../node/src/ekyc/checks/sanctions/loaders/un-consolidated.ts";
import { readFileSync } from "node:fs";

type Patch = (input: DecisionInput) => void;

/** The rule-set file as parsed JSON, loose enough for a test to write invalid values into it. */
interface RawRuleSet {
  version?: unknown;
  age: Record<string, unknown>;
  withdrawnDocumentTypes: Record<string, unknown>;
  sanctions: Record<string, unknown>;
  reuse: Record<string, unknown> & { onSourceRevoked: Record<string, unknown> };
  duplicates: Record<string, unknown>;
  levels: Record<"1" | "2", Record<string, unknown>>;
  outcomes: Record<string, unknown>;
}

function cleanInput(): DecisionInput {
  return {
    document: {
      fields: { dateOfBirth: "1990-05-17", expiryDate: "2035-05-17", documentType: "CCCD_CHIP" },
      disagreements: [],
      tamperSignals: [],
      chipVerified: false,
    },
    biometric: { similarityBand: "ACCEPT", similarity: 0.82, livenessPassed: true, replaySuspected: false },
    registry: { status: "MATCH" },
    screening: { hits: [], listVersion: "UN_CONSOLIDATED@test" },
    asOf: "2026-11-23",
  };
}

function run(patch: Patch): DecisionResult {
  const input = cleanInput();
  patch(input);
  return decide(input);
}

interface Row {
  name: string;
  patch: Patch;
  decision: "PASS" | "REVIEW" | "REJECT";
  codes: string[];
  level: 1 | 2 | null;
}

const ROWS: Row[] = [
  { name: "clean card + selfie", patch: () => {}, decision: "PASS", codes: [], level: 1 },
  {
    name: "verified NFC chip (level 2)",
    patch: (i) => (i.document.chipVerified = true),
    decision: "PASS",
    codes: [],
    level: 2,
  },
  {
    name: "chip verified but the card type is not a chip card",
    patch: (i) => {
      i.document.chipVerified = true;
      i.document.fields.documentType = "CCCD";
    },
    decision: "PASS",
    codes: [],
    level: 1,
  },
  {
    name: "chip read but failing its checks (cloned, altered, untrusted)",
    patch: (i) => {
      i.document.chipVerified = false;
      i.document.chip = { failures: ["AA_FAILED", "AA_FAILED"], mismatches: [] };
    },
    decision: "REJECT",
    codes: ["CHIP_INVALID"],
    level: null,
  },
  {
    name: "valid chip whose data the card contradicts: one reason per field, never level 2",
    patch: (i) => {
      i.document.chipVerified = true;
      i.document.chip = {
        failures: [],
        mismatches: [
          { field: "idNumber", sources: ["qr", "ocr"] },
          { field: "dateOfBirth", sources: ["mrz"] },
        ],
      };
    },
    decision: "REVIEW",
    codes: ["CHIP_CARD_MISMATCH", "CHIP_CARD_MISMATCH"],
    level: 1,
  },
  {
    name: "valid chip that agrees with the card (level 2)",
    patch: (i) => {
      i.document.chipVerified = true;
      i.document.chip = { failures: [], mismatches: [] };
    },
    decision: "PASS",
    codes: [],
    level: 2,
  },
  {
    name: "chip portrait matched by the registry (level 2)",
    patch: (i) => {
      i.document.chipVerified = true;
      i.registry = { status: "MATCH", faceCompared: true };
    },
    decision: "PASS",
    codes: [],
    level: 2,
  },
  {
    name: "chip portrait sent but the registry could not compare it: never level 2",
    patch: (i) => {
      i.document.chipVerified = true;
      i.registry = { status: "MATCH", faceCompared: false };
    },
    decision: "PASS",
    codes: [],
    level: 1,
  },
  {
    name: "chip portrait is not the registry's photo: review, never level 2",
    patch: (i) => {
      i.document.chipVerified = true;
      i.registry = { status: "MISMATCH", fields: ["portrait"], faceCompared: true };
    },
    decision: "REVIEW",
    codes: ["REGISTRY_MISMATCH"],
    level: 1,
  },
  {
    name: "card with no expiry (age 60+ CCCD)",
    patch: (i) => (i.document.fields.expiryDate = ""),
    decision: "PASS",
    codes: [],
    level: 1,
  },
  {
    name: "9-digit CMND after its withdrawal (2024-12-31)",
    patch: (i) => (i.document.fields.documentType = "CMND"),
    decision: "REJECT",
    codes: ["DOCUMENT_TYPE_WITHDRAWN"],
    level: null,
  },
  {
    name: "9-digit CMND before its withdrawal",
    patch: (i) => {
      i.document.fields.documentType = "CMND";
      i.asOf = "2024-12-31";
    },
    decision: "PASS",
    codes: [],
    level: 1,
  },
  {
    name: "expired document",
    patch: (i) => (i.document.fields.expiryDate = "2026-11-22"),
    decision: "REJECT",
    codes: ["DOCUMENT_EXPIRED"],
    level: null,
  },
  {
    name: "document expires today (still valid)",
    patch: (i) => (i.document.fields.expiryDate = "2026-11-23"),
    decision: "PASS",
    codes: ["DOCUMENT_EXPIRING_SOON"],
    level: 1,
  },
  {
    name: "sources disagree on a field",
    patch: (i) => (i.document.disagreements = [{ field: "fullName", sources: ["QR", "OCR"] }]),
    decision: "REVIEW",
    codes: ["DOCUMENT_FIELDS_DISAGREE"],
    level: 1,
  },
  {
    name: "low tamper signal",
    patch: (i) => (i.document.tamperSignals = [{ code: "EXIF_SOFTWARE", severity: "LOW" }]),
    decision: "REVIEW",
    codes: ["DOCUMENT_TAMPER_SUSPECTED"],
    level: 1,
  },
  {
    name: "high tamper signal",
    patch: (i) => (i.document.tamperSignals = [{ code: "SPLICED_PORTRAIT", severity: "HIGH" }]),
    decision: "REJECT",
    codes: ["DOCUMENT_TAMPER_LIKELY"],
    level: null,
  },
  {
    name: "face match low",
    patch: (i) => (i.biometric.similarityBand = "REJECT"),
    decision: "REJECT",
    codes: ["FACE_MATCH_LOW"],
    level: null,
  },
  {
    name: "face match borderline (never level 2)",
    patch: (i) => {
      i.biometric.similarityBand = "REVIEW";
      i.document.chipVerified = true;
    },
    decision: "REVIEW",
    codes: ["FACE_MATCH_BORDERLINE"],
    level: 1,
  },
  {
    name: "liveness failed",
    patch: (i) => (i.biometric.livenessPassed = false),
    decision: "REJECT",
    codes: ["LIVENESS_FAILED"],
    level: null,
  },
  {
    name: "replay suspected",
    patch: (i) => (i.biometric.replaySuspected = true),
    decision: "REJECT",
    codes: ["REPLAY_SUSPECTED"],
    level: null,
  },
  {
    name: "registry mismatch",
    patch: (i) => (i.registry = { status: "MISMATCH", fields: ["fullName"] }),
    decision: "REVIEW",
    codes: ["REGISTRY_MISMATCH"],
    level: 1,
  },
  {
    name: "registry: card reported lost since it was issued",
    patch: (i) => (i.registry = { status: "CARD_INVALID", cardStatus: "LOST" }),
    decision: "REJECT",
    codes: ["REGISTRY_CARD_INVALID"],
    level: null,
  },
  {
    name: "the customer corrected a field the QR or MRZ read: a reviewer decides",
    patch: (i) => (i.document.corrections = [{ field: "fullName", machineRead: true }]),
    decision: "REVIEW",
    codes: ["FIELD_CORRECTED_MACHINE_READ"],
    level: 1,
  },
  {
    name: "the customer corrected a printed-text-only field: kept, informational",
    patch: (i) => (i.document.corrections = [{ field: "address", machineRead: false }]),
    decision: "PASS",
    codes: ["FIELD_CORRECTED_PRINTED"],
    level: 1,
  },
  {
    name: "a foreign national's passport: no registry holds the holder, a reviewer checks it (level 1 at most)",
    patch: (i) => {
      i.document.fields.documentType = "PASSPORT";
      i.document.chipVerified = true; // even a verified passport chip does not make level 2
      i.registry = { status: "NOT_APPLICABLE" };
    },
    decision: "REVIEW",
    codes: ["REGISTRY_NOT_APPLICABLE"],
    level: 1,
  },
  {
    name: "registry not found",
    patch: (i) => (i.registry = { status: "NOT_FOUND" }),
    decision: "REJECT",
    codes: ["REGISTRY_NOT_FOUND"],
    level: null,
  },
  {
    name: "registry unavailable (never a silent pass)",
    patch: (i) => (i.registry = { status: "UNAVAILABLE", code: "REGISTRY_TIMEOUT" }),
    decision: "REVIEW",
    codes: ["REGISTRY_UNAVAILABLE"],
    level: 1,
  },
  {
    name: "old 9-digit id converted to a 12-digit CCCD",
    patch: (i) => {
      i.registry = { status: "MATCH", suggestedIdNumber: "001090123456" };
      i.document.chipVerified = true;
    },
    decision: "REVIEW",
    codes: ["REGISTRY_OLD_ID_CONVERTED"],
    level: 1,
  },
  {
    name: "sanctions hit",
    patch: (i) =>
      (i.screening = { hits: [{ entryId: "UN:1", score: 0.93, dateOfBirth: "UNKNOWN" }], listVersion: "v" }),
    decision: "REVIEW",
    codes: ["SANCTIONS_HIT"],
    level: 1,
  },
  {
    name: "strong sanctions hit (exact date of birth)",
    patch: (i) => (i.screening = { hits: [{ entryId: "UN:1", score: 1, dateOfBirth: "EXACT" }], listVersion: "v" }),
    decision: "REVIEW",
    codes: ["SANCTIONS_HIT_STRONG"],
    level: 1,
  },
  {
    name: "screening did not run",
    patch: (i) => (i.screening = null),
    decision: "REVIEW",
    codes: ["SANCTIONS_NOT_SCREENED"],
    level: 1,
  },
  {
    name: "age 13 (below 14)",
    patch: (i) => (i.document.fields.dateOfBirth = "2013-11-24"),
    decision: "REJECT",
    codes: ["AGE_BELOW_MINIMUM"],
    level: null,
  },
  {
    name: "age 14 on the birthday (minor)",
    patch: (i) => (i.document.fields.dateOfBirth = "2012-11-23"),
    decision: "REVIEW",
    codes: ["AGE_MINOR"],
    level: 1,
  },
  {
    name: "age 17",
    patch: (i) => (i.document.fields.dateOfBirth = "2008-11-24"),
    decision: "REVIEW",
    codes: ["AGE_MINOR"],
    level: 1,
  },
  {
    name: "age 18 on the birthday",
    patch: (i) => (i.document.fields.dateOfBirth = "2008-11-23"),
    decision: "PASS",
    codes: [],
    level: 1,
  },
  {
    name: "date of birth unread",
    patch: (i) => (i.document.fields.dateOfBirth = ""),
    decision: "REVIEW",
    codes: ["DOCUMENT_FIELD_MISSING"],
    level: 1,
  },
  {
    name: "born in the future",
    patch: (i) => (i.document.fields.dateOfBirth = "2030-01-01"),
    decision: "REJECT",
    codes: ["DATE_OF_BIRTH_INVALID"],
    level: null,
  },
  {
    name: "older than 120",
    patch: (i) => (i.document.fields.dateOfBirth = "1900-01-01"),
    decision: "REJECT",
    codes: ["DATE_OF_BIRTH_INVALID"],
    level: null,
  },
];

describe("decide (rule set v1)", () => {
  describe("one rule at a time", () => {
    for (const row of ROWS) {
      it(`${row.name} → ${row.decision} ${row.codes.join(",") || "(no reasons)"}`, () => {
        const result = run(row.patch);
        expect(result.decision).to.equal(row.decision);
        expect(result.reasons.map((r) => r.code)).to.deep.equal(row.codes);
        expect(result.assuranceLevel).to.equal(row.level);
        expect(result.ruleSetVersion).to.equal("kycnet-ekyc-decision/1.5.0");
      });
    }
  });

  it("maps the level to the seed's daily limits and method", () => {
    expect(run(() => {})).to.include({ method: "FULL_EKYC", dailyLimitVnd: "100000000" });
    expect(run((i) => (i.document.chipVerified = true))).to.include({
      method: "FULL_EKYC_NFC",
      dailyLimitVnd: "500000000",
    });
    expect(run((i) => (i.biometric.livenessPassed = false))).to.include({ method: null, dailyLimitVnd: null });
  });

  it("takes the most severe outcome and keeps every reason", () => {
    const result = run((i) => {
      i.registry = { status: "UNAVAILABLE", code: "REGISTRY_CIRCUIT_OPEN" };
      i.biometric.similarityBand = "REJECT";
      i.document.fields.expiryDate = "2026-12-01";
    });
    expect(result.decision).to.equal("REJECT");
    expect(result.reasons).to.deep.equal([
      { code: "DOCUMENT_EXPIRING_SOON", outcome: "PASS", detail: { daysLeft: 8 } },
      { code: "FACE_MATCH_LOW", outcome: "REJECT", detail: { similarity: 0.82 } },
      { code: "REGISTRY_UNAVAILABLE", outcome: "REVIEW", detail: { code: "REGISTRY_CIRCUIT_OPEN" } },
    ]);
  });

  it("is pure: same input, same output, input untouched", () => {
    const input = cleanInput();
    input.registry = { status: "MISMATCH", fields: ["dateOfBirth"] };
    const frozen = structuredClone(input);
    expect(decide(input)).to.deep.equal(decide(input));
    expect(input).to.deep.equal(frozen);
  });

  it("computes completed years, including 29 February birthdays", () => {
    expect(ageInYears({ y: 2008, m: 2, d: 29 }, { y: 2026, m: 2, d: 28 })).to.equal(17);
    expect(ageInYears({ y: 2008, m: 2, d: 29 }, { y: 2026, m: 3, d: 1 })).to.equal(18);
  });

  describe("with results from the real check adapters", () => {
    it("a registry that is down sends the case to review with the registry's error code", async () => {
      const citizens = generateCitizens({ seed: 6, count: 5 });
      const registry = new InMemoryNationalIdRegistry(citizens);
      registry.setUnavailable(true);
      const c = citizens[0]!;
      const result = await registry.checkIdentity({
        idNumber: c.idNumber,
        fullName: c.fullName,
        dateOfBirth: c.dateOfBirth,
      });
      const decision = run((i) => (i.registry = result));
      expect(decision.decision).to.equal("REVIEW");
      expect(decision.reasons[0]).to.deep.include({
        code: "REGISTRY_UNAVAILABLE",
        detail: { code: "REGISTRY_SERVER_ERROR" },
      });
    });
    it("a screening hit from the fixture list sends the case to review naming the entry", () => {
      const list = new IndexedSanctionsList(
        parseUnConsolidatedXml(
          readFileSync(new URL("../../../fixtures/sanctions/un-consolidated.xml", import.meta.url)),
        ),
      );
      const screening = list.screen({ fullName: "Trần Văn Hùng", dateOfBirth: "1968-03-12", nationality: "VNM" });
      const decision = run((i) => {
        i.screening = screening;
        i.document.fields.dateOfBirth = "1968-03-12";
      });
      expect(decision.decision).to.equal("REVIEW");
      expect(decision.reasons[0]).to.deep.include({ code: "SANCTIONS_HIT_STRONG" });
      expect(decision.reasons[0]?.detail?.entries).to.deep.equal(["UN:9100001"]);
    });
  });

  describe("rule sets are data", () => {
    const raw = () =>
      JSON.parse(
        readFileSync(new URL("../../../../node/src/ekyc/decision/rules/v1.json", import.meta.url), "utf8"),
      ) as RawRuleSet;
    it("v1 re-checks the registry at reuse, revokes what was built on a source revoked for fraud, reviews a corrected one", () => {
      expect(RULES_V1.reuse).to.deep.equal({
        recheckRegistry: true,
        onSourceRevoked: { FRAUD_SUSPECTED: "REVOKE", DATA_CORRECTED: "REVIEW" },
      });
    });
    it("v1 carries the duplicate thresholds calibrated by bench/duplicate-thresholds.ts", () => {
      expect(RULES_V1.duplicates).to.deep.equal({ sameFaceAtLeast: 0.53, otherFaceBelow: 0.24 });
    });
    it("v1 covers every reason code", () => {
      expect(Object.keys(RULES_V1.outcomes).sort()).to.deep.equal([...REASON_CODES].sort());
    });
    it("a bank's own rule set changes outcomes and is recorded by version", () => {
      const data = raw();
      data.version = "bank-a/2026-11";
      data.outcomes.REGISTRY_MISMATCH = "REJECT";
      const rules = parseRuleSet(data);
      const input = cleanInput();
      input.registry = { status: "MISMATCH", fields: ["fullName"] };
      expect(decide(input, rules)).to.include({ decision: "REJECT", ruleSetVersion: "bank-a/2026-11" });
    });
    const invalid: Array<[string, (d: RawRuleSet) => void, string]> = [
      ["a missing reason code", (d) => delete d.outcomes.AGE_MINOR, "$.outcomes.AGE_MINOR"],
      ["an unknown reason code", (d) => (d.outcomes.FOO = "PASS"), "$.outcomes.FOO"],
      ["an unknown outcome", (d) => (d.outcomes.AGE_MINOR = "MAYBE"), "$.outcomes.AGE_MINOR"],
      [
        "an unavailable registry that passes",
        (d) => (d.outcomes.REGISTRY_UNAVAILABLE = "PASS"),
        "$.outcomes.REGISTRY_UNAVAILABLE",
      ],
      ["a sanctions hit that passes", (d) => (d.outcomes.SANCTIONS_HIT = "PASS"), "$.outcomes.SANCTIONS_HIT"],
      ["adult age below minimum age", (d) => (d.age.adultYears = 10), "$.age.adultYears"],
      ["a non-numeric daily limit", (d) => (d.levels["2"].dailyLimitVnd = "5e8"), "$.levels.2.dailyLimitVnd"],
      ["a level with the wrong method", (d) => (d.levels["1"].method = "FULL_EKYC_NFC"), "$.levels.1.method"],
      ["no version", (d) => delete d.version, "$.version"],
      [
        "a withdrawal date that is not a date",
        (d) => (d.withdrawnDocumentTypes.CMND = "end of 2024"),
        "$.withdrawnDocumentTypes.CMND",
      ],
      [
        "a withdrawal for an unknown document type",
        (d) => (d.withdrawnDocumentTypes.LIBRARY_CARD = "2024-12-31"),
        "$.withdrawnDocumentTypes.LIBRARY_CARD",
      ],
      ["a strong-hit score above 1", (d) => (d.sanctions.strongHitScore = 2), "$.sanctions.strongHitScore"],
      [
        "a lost or stolen card that passes",
        (d) => (d.outcomes.REGISTRY_CARD_INVALID = "PASS"),
        "$.outcomes.REGISTRY_CARD_INVALID",
      ],
      [
        "a passport nobody checked that passes",
        (d) => (d.outcomes.REGISTRY_NOT_APPLICABLE = "PASS"),
        "$.outcomes.REGISTRY_NOT_APPLICABLE",
      ],
      ["no re-onboarding policy", (d) => delete (d as Partial<RawRuleSet>).reuse, "$.reuse"],
      [
        "a registry re-check that is not a boolean",
        (d) => (d.reuse.recheckRegistry = "yes"),
        "$.reuse.recheckRegistry",
      ],
      [
        "a cascade for an unknown revocation reason",
        (d) => (d.reuse.onSourceRevoked.BAD_MOOD = "REVOKE"),
        "$.reuse.onSourceRevoked.BAD_MOOD",
      ],
      ["no duplicate thresholds", (d) => delete (d as Partial<RawRuleSet>).duplicates, "$.duplicates"],
      [
        "a same-face threshold of 0 (every face would match)",
        (d) => (d.duplicates.sameFaceAtLeast = 0),
        "$.duplicates.sameFaceAtLeast",
      ],
      [
        "an other-face threshold above the same-face one",
        (d) => (d.duplicates.otherFaceBelow = 0.9),
        "$.duplicates.otherFaceBelow",
      ],
      [
        "a cascade action that is not REVOKE or ALERT",
        (d) => (d.reuse.onSourceRevoked.FRAUD_SUSPECTED = "SHRUG"),
        "$.reuse.onSourceRevoked.FRAUD_SUSPECTED",
      ],
    ];
    for (const [name, mutate, path] of invalid) {
      it(`refuses ${name} with DECISION_RULES_INVALID`, () => {
        const data = raw();
        mutate(data);
        expect(() => parseRuleSet(data))
          .to.throw()
          .with.property("code", "DECISION_RULES_INVALID");
        try {
          parseRuleSet(data);
        } catch (error) {
          expect((error as { details: { path: string } }).details.path).to.equal(path);
        }
      });
    }
    it("refuses something that is not an object", () => {
      expect(() => parseRuleSet("rules"))
        .to.throw()
        .with.property("code", "DECISION_RULES_INVALID");
    });
  });

  describe("bad input", () => {
    const cases: Array<[string, Patch, string]> = [
      ["asOf not a date", (i) => (i.asOf = "23/11/2026"), "asOf"],
      [
        "date of birth not a calendar date",
        (i) => (i.document.fields.dateOfBirth = "1990-02-30"),
        "document.fields.dateOfBirth",
      ],
      ["expiry not a date", (i) => (i.document.fields.expiryDate = "never"), "document.fields.expiryDate"],
      [
        "unknown document type",
        (i) => ((i.document.fields as { documentType: string }).documentType = "LIBRARY_CARD"),
        "document.fields.documentType",
      ],
      [
        "unknown similarity band",
        (i) => ((i.biometric as { similarityBand: string }).similarityBand = "GOOD"),
        "biometric.similarityBand",
      ],
      ["unknown registry status", (i) => ((i.registry as { status: string }).status = "OK"), "registry.status"],
      ["a card that skips the registry", (i) => (i.registry = { status: "NOT_APPLICABLE" }), "registry.status"],
      [
        "registry faceCompared not a boolean",
        (i) => ((i.registry as { faceCompared: unknown }).faceCompared = "yes"),
        "registry.faceCompared",
      ],
      [
        "liveness not a boolean",
        (i) => ((i.biometric as { livenessPassed: unknown }).livenessPassed = "yes"),
        "biometric.livenessPassed",
      ],
      ["screening without hits", (i) => (i.screening = {} as never), "screening"],
      ["missing document", (i) => ((i as { document: unknown }).document = undefined), "document"],
    ];
    for (const [name, patch, field] of cases) {
      it(`rejects ${name} with INVALID_ARGUMENT on ${field}`, () => {
        expect(() => run(patch))
          .to.throw()
          .with.property("code", "INVALID_ARGUMENT");
        try {
          run(patch);
        } catch (error) {
          expect((error as { details: { field: string } }).details.field).to.equal(field);
        }
      });
    }
  });
});

describe("duplicate identities in the decision", () => {
  const other = `0x${"c1".repeat(32)}`;
  it("sends the same number with another face, and the same face under another number, to review", () => {
    const input = cleanInput();
    input.duplicates = [
      { kind: "SAME_ID_OTHER_FACE", otherUid: other, similarity: 0.0421 },
      { kind: "SAME_FACE_OTHER_ID", otherUid: other, similarity: 0.8123 },
    ];
    const result = decide(input);
    expect(result.decision).to.equal("REVIEW");
    expect(result.reasons).to.deep.equal([
      { code: "DUPLICATE_ID_OTHER_FACE", outcome: "REVIEW", detail: { attestations: [other], similarity: 0.042 } },
      { code: "DUPLICATE_FACE_OTHER_ID", outcome: "REVIEW", detail: { attestations: [other], similarity: 0.812 } },
    ]);
    // The customer-facing message names no other attestation; the reviewer's does.
    expect(reasonsShown(result.reasons).map((r) => r.message)).to.deep.equal([
      "duplicate id other face",
      "duplicate face other id",
    ]);
    expect(reasonsForReviewer(result.reasons)[1]!.message).to.equal(
      `duplicate face other id (face similarity 0.812): attestation ${other}`,
    );
  });
  it("no finding, no reason", () => {
    expect(decide({ ...cleanInput(), duplicates: [] }).reasons).to.deep.equal([]);
  });
});

describe("reasonsShown", () => {
  it("names the fields of a reason over several fields (names only), and not the PASS ones", () => {
    expect(
      reasonsShown([
        { code: "REGISTRY_MISMATCH", outcome: "REVIEW", detail: { fields: ["dateOfBirth", "portrait"] } },
        { code: "REGISTRY_OLD_ID_CONVERTED", outcome: "PASS" },
      ]),
    ).to.deep.equal([{ code: "REGISTRY_MISMATCH", message: "registry mismatch: dateOfBirth, portrait" }]);
  });
  it("names no field that is not a plain name", () => {
    expect(
      reasonsShown([{ code: "REGISTRY_MISMATCH", outcome: "REVIEW", detail: { fields: ["NGUYỄN VĂN A"] } }]),
    ).to.deep.equal([{ code: "REGISTRY_MISMATCH", message: "registry mismatch" }]);
  });
});
