/**
 * Document verification benchmark (npm run bench:documents [count] [seed]): generates a set of
 * synthetic CCCD cards (default 240: honest cards over 8 degradations, half mild, half strong,
 * and 25 % tampered cards of 5 kinds) into a temp dir, reads each with readDocument and reports
 * - per-field accuracy by source (QR, MRZ, printed-text OCR), by severity (clean / mild / strong);
 * - accuracy of the chosen value per field;
 * - tamper detection rate per tamper kind and false alarms on honest cards;
 * - latency per card (front + back), p50/p95, and per stage;
 * - `phoneCapture`: a second generated set (honest cards, half the count, seed + 1) with the phone-capture
 *   degradations of scripts/cards/phone.ts (JPEG 50–90, motion and defocus blur, glare spots, low
 *   light, tilt up to 30°, moiré, a finger over an edge, 300–800 px wide), reported apart per kind:
 *   MRZ fully valid, MRZ and chosen-value field accuracy, refusals, p50/p95;
 * - `passports`: generated passport data pages (scripts/cards/passport-set.ts: a quarter of the count,
 *   at least 40, seed + 2), photographed plainly (`clean`) or with one phone effect each, read with
 *   readDocument({ passport }): MRZ fully valid, the chosen value's accuracy per field and the wrong
 *   values among them, the visual zone (printed text) read and agreeing per field, the fields where
 *   it disagreed with a correct MRZ (false alarms) and with a wrong one (caught), refusals with their
 *   reasons, p50/p95 per page, per capture kind;
 * - `realPhotos`: the real specimen photos of test/fixtures/mrz-real (images from KYCNET_MRZ_REAL_DIR or
 *   ../shared/eval/mrz-real; empty when absent), dev and held-out splits, as
 *   they are and downscaled to 300 px wide (never enlarged): MRZ fully valid against legible, exact transcriptions,
 *   field accuracy, refusals with their reasons, p50/p95 per image (test/support/mrz-real.ts).
 *   With KYCNET_MRZ_PEER set to a peer reader's script (run as `<script> <transcriptions.json>
 *   <images dir> [width]`, printing `{ peer, reads: [{ file, lines, valid }] }`), the peer's figure on the
 *   same images is reported beside ours (`realPhotosPeer`): only when set, never a dependency.
 * Prints tables and writes bench/results/documents.json.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { isKycnetError } from "@kycnet/sdk/errors";
import { foldDiacritics } from "@kycnet/sdk/protocol";
import {
  createDocumentEngines,
  isFlagged,
  readDocument,
  type DocumentResult,
} from "../node/src/ekyc/document/index.ts";
import { parseMrz } from "../node/src/ekyc/document/mrz/parse.ts";
import { generateCardSet, PHONE_DEGRADATIONS, TAMPERS, type GeneratedCard } from "../scripts/cards/generate.ts";
import { generatePassportSet, PASSPORT_CAPTURES, type GeneratedPassport } from "../scripts/cards/passport-set.ts";
import { percentile, printTable, writeResults, type Row } from "./lib/report.ts";
import {
  loadRealPhotos,
  readRealPhoto,
  realPhotosDir,
  realPhotosManifest,
  realPhotosPresent,
  summarise,
  summarisePeer,
  type PeerRead,
  type PeerSummary,
  type RealPhotoRead,
  type RealPhotoSummary,
} from "../test/support/mrz-real.ts";

const count = Number(process.argv[2] ?? 240);
/** A refusal as "<stable code>: message" (the class name for an error without a code), counted by its code. */
const refusalOf = (error: unknown): string =>
  isKycnetError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
const seed = Number(process.argv[3] ?? 2026);
const NOW = new Date("2026-01-15T00:00:00Z");
const loadAtStart = loadavg()[0] ?? 0;

const dir = await mkdtemp(join(tmpdir(), "kycnet-bench-documents-"));
process.stdout.write(`generating ${count} cards (seed ${seed}) in ${dir} …\n`);
const genStarted = performance.now();
const cards = await generateCardSet({ dir, count, seed, tamperRate: 0.25 });
const phoneCards = await generateCardSet({
  dir: join(dir, "phone"),
  count: Math.max(PHONE_DEGRADATIONS.length, Math.round(count / 2)),
  seed: seed + 1,
  tamperRate: 0,
  degradations: PHONE_DEGRADATIONS,
});
const passports = await generatePassportSet({
  dir: join(dir, "passports"),
  count: Math.max(4 * PASSPORT_CAPTURES.length, Math.round(count / 4)),
  seed: seed + 2,
});
const generateSeconds = (performance.now() - genStarted) / 1000;

const engines = await createDocumentEngines();
const read = async (card: GeneratedCard): Promise<DocumentResult> =>
  readDocument(
    { front: new Uint8Array(await readFile(card.frontPath)), back: new Uint8Array(await readFile(card.backPath)) },
    { engines, now: NOW },
  );
await read(cards[0]!); // warm-up: first ONNX runs and the tesseract worker's first job are slower

const results: Array<{ card: GeneratedCard; result: DocumentResult | null; error: string | null }> = [];
for (const [i, card] of cards.entries()) {
  try {
    results.push({ card, result: await read(card), error: null });
  } catch (error) {
    results.push({
      card,
      result: null,
      error: refusalOf(error),
    });
  }
  if ((i + 1) % 40 === 0) process.stdout.write(`  read ${i + 1}/${cards.length}\n`);
}
const phoneResults: typeof results = [];
for (const card of phoneCards) {
  try {
    phoneResults.push({ card, result: await read(card), error: null });
  } catch (error) {
    phoneResults.push({
      card,
      result: null,
      error: refusalOf(error),
    });
  }
}
const passportMrzOnlyMs: number[] = [];
const passportResults: Array<{ passport: GeneratedPassport; result: DocumentResult | null; error: string | null }> = [];
for (const passport of passports) {
  try {
    const page = new Uint8Array(await readFile(passport.path));
    // Main's path first (the MRZ alone: skipOcr), then with the visual zone: the same page back to back.
    const mrzOnly = await readDocument({ passport: page }, { engines, now: NOW, skipOcr: true });
    passportMrzOnlyMs.push(mrzOnly.timings.totalMs);
    passportResults.push({
      passport,
      result: await readDocument({ passport: page }, { engines, now: NOW }),
      error: null,
    });
  } catch (error) {
    passportResults.push({
      passport,
      result: null,
      error: refusalOf(error),
    });
  }
}
// ---- real specimen photos (both splits; the held-out split is reported, never tuned on)
const REAL_PHOTO_WIDTHS = [null, 300] as const;
const realPhotos: Record<string, RealPhotoSummary & { reads: Array<{ file: string; lines: string[] | null }> }> = {};
const haveRealPhotos = await realPhotosPresent();
if (!haveRealPhotos) console.warn(`real-photo MRZ set not found at ${realPhotosDir()}: realPhotos left empty`);
for (const split of haveRealPhotos ? (["dev", "heldout"] as const) : []) {
  const photos = await loadRealPhotos(split);
  for (const width of REAL_PHOTO_WIDTHS) {
    const reads: RealPhotoRead[] = [];
    for (const photo of photos) reads.push(await readRealPhoto(engines, photo, width ?? undefined));
    realPhotos[`${split}${width === null ? "" : `@${width}px`}`] = {
      ...summarise(reads),
      reads: reads.map((r) => ({ file: r.photo.file, lines: r.lines })),
    };
  }
}
await engines.close();

// ---- a peer reader on the same images (only when KYCNET_MRZ_PEER names its script)
const peerScript = process.env.KYCNET_MRZ_PEER;
let peerName: string | null = null;
const realPhotosPeer: Record<string, PeerSummary> = {};
if (peerScript !== undefined && peerScript !== "" && haveRealPhotos) {
  for (const width of REAL_PHOTO_WIDTHS) {
    const args = [realPhotosManifest(), realPhotosDir(), ...(width === null ? [] : [String(width)])];
    const output = execFileSync(peerScript, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const answer = JSON.parse(output) as { peer: string; reads: PeerRead[] };
    peerName = answer.peer;
    for (const split of ["dev", "heldout"] as const)
      realPhotosPeer[`${split}${width === null ? "" : `@${width}px`}`] = summarisePeer(
        await loadRealPhotos(split),
        answer.reads,
      );
  }
}
const loadAtEnd = loadavg()[0] ?? 0;

// ---- ground truth per source
type Source = "qr" | "mrz" | "ocr";
const nameKey = (s: string) =>
  foldDiacritics(s)
    .toUpperCase()
    .replace(/[^A-Z ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
const FIELDS_BY_SOURCE: Record<Source, string[]> = {
  qr: ["idNumber", "oldIdNumber", "fullName", "dateOfBirth", "sex", "address", "issueDate"],
  mrz: ["idNumber", "fullName", "dateOfBirth", "sex", "nationality", "expiryDate"],
  ocr: ["idNumber", "fullName", "dateOfBirth", "sex", "nationality", "address", "expiryDate"],
};
const truthOf = (card: GeneratedCard, field: string): string =>
  field === "nationality" ? "VNM" : String((card.person as unknown as Partial<Record<string, string>>)[field] ?? "");
function correct(card: GeneratedCard, result: DocumentResult, source: Source, field: string): boolean {
  const got = result.fields[field as keyof DocumentResult["fields"]].readings[source];
  if (got === undefined) return false;
  const want = truthOf(card, field);
  // The MRZ carries the name without diacritics (and TD1 may cut it at 30 characters).
  if (source === "mrz" && field === "fullName")
    return nameKey(want).startsWith(nameKey(got)) && nameKey(got).length >= Math.min(nameKey(want).length, 26);
  return got === want;
}

const honest = results.filter((r) => r.card.tamper === null);
const severities = ["none", "mild", "strong"] as const;
const accuracyRows: Row[] = [];
const accuracy: Record<string, Record<string, Record<string, { correct: number; total: number; rate: number }>>> = {};
for (const source of ["qr", "mrz", "ocr"] as const) {
  accuracy[source] = {};
  for (const field of FIELDS_BY_SOURCE[source]) {
    const row: Row = { source, field };
    accuracy[source][field] = {};
    for (const severity of severities) {
      const group = honest.filter((r) => r.card.severity === severity);
      const ok = group.filter((r) => r.result !== null && correct(r.card, r.result, source, field)).length;
      accuracy[source][field][severity] = {
        correct: ok,
        total: group.length,
        rate: group.length === 0 ? 0 : ok / group.length,
      };
      row[severity === "none" ? "clean %" : `${severity} %`] =
        group.length === 0 ? "-" : Math.round((ok / group.length) * 1000) / 10;
    }
    accuracyRows.push(row);
  }
}

// ---- chosen value per field (honest cards)
const valueRows: Row[] = [];
const valueAccuracy: Record<string, number> = {};
for (const field of [
  "idNumber",
  "oldIdNumber",
  "fullName",
  "dateOfBirth",
  "sex",
  "nationality",
  "address",
  "issueDate",
  "expiryDate",
]) {
  const ok = honest.filter(
    (r) =>
      r.result !== null && r.result.fields[field as keyof DocumentResult["fields"]].value === truthOf(r.card, field),
  ).length;
  valueAccuracy[field] = ok / honest.length;
  valueRows.push({ field, "correct %": Math.round((ok / honest.length) * 1000) / 10 });
}

// ---- tamper detection and false alarms
const tamperRows: Row[] = [];
const tamperDetection: Record<
  string,
  { flagged: number; total: number; rate: number; signals: Record<string, number> }
> = {};
for (const tamper of TAMPERS) {
  const group = results.filter((r) => r.card.tamper === tamper);
  const flagged = group.filter((r) => r.result === null || isFlagged(r.result)).length;
  const signals: Record<string, number> = {};
  for (const r of group)
    for (const s of r.result?.signals ?? []) if (s.score >= 0.5) signals[s.code] = (signals[s.code] ?? 0) + 1;
  tamperDetection[tamper] = {
    flagged,
    total: group.length,
    rate: group.length === 0 ? 0 : flagged / group.length,
    signals,
  };
  tamperRows.push({
    tamper,
    cards: group.length,
    "flagged %": group.length === 0 ? "-" : Math.round((flagged / group.length) * 1000) / 10,
    "main signals": Object.entries(signals)
      .map(([k, v]) => `${k}×${v}`)
      .join(" "),
  });
}
const falseAlarms: Record<string, { flagged: number; total: number; rate: number; signals: Record<string, number> }> =
  {};
const alarmRows: Row[] = [];
for (const severity of severities) {
  const group = honest.filter((r) => r.card.severity === severity);
  const flagged = group.filter((r) => r.result === null || isFlagged(r.result));
  const signals: Record<string, number> = {};
  for (const r of flagged)
    for (const s of r.result?.signals ?? [])
      if (s.score >= 0.5 && s.code !== "DOCUMENT_EXPIRED") signals[s.code] = (signals[s.code] ?? 0) + 1;
  falseAlarms[severity] = {
    flagged: flagged.length,
    total: group.length,
    rate: group.length === 0 ? 0 : flagged.length / group.length,
    signals,
  };
  alarmRows.push({
    honest: severity === "none" ? "clean" : severity,
    cards: group.length,
    "flagged %": group.length === 0 ? "-" : Math.round((flagged.length / group.length) * 1000) / 10,
    signals: Object.entries(signals)
      .map(([k, v]) => `${k}×${v}`)
      .join(" "),
  });
}

// ---- latency
const timed = results.filter((r) => r.result !== null).map((r) => r.result!.timings);
const stage = (k: keyof DocumentResult["timings"]) => timed.map((t) => t[k]);
const latency = {
  cards: timed.length,
  p50Ms: percentile(stage("totalMs"), 50),
  p95Ms: percentile(stage("totalMs"), 95),
  stagesP50Ms: {
    decode: percentile(stage("decodeMs"), 50),
    qr: percentile(stage("qrMs"), 50),
    mrz: percentile(stage("mrzMs"), 50),
    ocr: percentile(stage("ocrMs"), 50),
    tamper: percentile(stage("tamperMs"), 50),
  },
  stagesP95Ms: {
    decode: percentile(stage("decodeMs"), 95),
    qr: percentile(stage("qrMs"), 95),
    mrz: percentile(stage("mrzMs"), 95),
    ocr: percentile(stage("ocrMs"), 95),
    tamper: percentile(stage("tamperMs"), 95),
  },
};
// ---- phone-capture degradations, apart from the set above
const mrzValid = (result: DocumentResult | null): boolean => {
  const lines = result?.evidence.mrzLines ?? null;
  if (lines === null) return false;
  try {
    return parseMrz(lines, NOW).valid;
  } catch {
    return false;
  }
};
const CHOSEN_FIELDS = ["idNumber", "fullName", "dateOfBirth", "sex", "nationality", "expiryDate"] as const;
const phoneCapture: Record<
  string,
  {
    cards: number;
    mrzFullyValid: number;
    mrzFieldAccuracy: number;
    chosenFieldAccuracy: number;
    refusals: Record<string, number>;
    p50Ms: number;
    p95Ms: number;
  }
> = {};
for (const kind of ["all", ...PHONE_DEGRADATIONS]) {
  const group = phoneResults.filter((r) => kind === "all" || r.card.degradation === kind);
  const read = group.filter((r) => r.result !== null);
  const refusals: Record<string, number> = {};
  for (const r of group)
    if (r.error !== null) refusals[r.error.split(":")[0] ?? ""] = (refusals[r.error.split(":")[0] ?? ""] ?? 0) + 1;
  const share = (ok: number, total: number) => (total === 0 ? 0 : ok / total);
  const mrzOk = read.reduce(
    (n, r) => n + FIELDS_BY_SOURCE.mrz.filter((f) => correct(r.card, r.result!, "mrz", f)).length,
    0,
  );
  const chosenOk = read.reduce(
    (n, r) => n + CHOSEN_FIELDS.filter((f) => r.result!.fields[f].value === truthOf(r.card, f)).length,
    0,
  );
  const totals = read.map((r) => r.result!.timings.totalMs);
  phoneCapture[kind] = {
    cards: group.length,
    mrzFullyValid: group.filter((r) => mrzValid(r.result)).length,
    mrzFieldAccuracy: share(mrzOk, group.length * FIELDS_BY_SOURCE.mrz.length),
    chosenFieldAccuracy: share(chosenOk, group.length * CHOSEN_FIELDS.length),
    refusals,
    p50Ms: percentile(totals, 50),
    p95Ms: percentile(totals, 95),
  };
}

// ---- passports (every page honest: what the MRZ and the visual zone give, per capture kind)
const PASSPORT_FIELDS = ["idNumber", "fullName", "dateOfBirth", "sex", "nationality", "expiryDate"] as const;
const passportTruth = (p: GeneratedPassport, field: (typeof PASSPORT_FIELDS)[number]): string =>
  field === "idNumber" ? `P:${p.holder.issuingState}:${p.holder.passportNumber}` : p.holder[field];
interface PassportSummary {
  pages: number;
  mrzFullyValid: number;
  /** Chosen values equal to the ground truth, of pages × fields. */
  fieldAccuracy: number;
  /** Chosen values that are not "" and wrong. */
  wrongValues: number;
  /** Per field: the visual zone read it, and read it equal to the ground truth. */
  printed: Record<string, { read: number; correct: number }>;
  /** Disagreements on a field whose chosen value was right (false alarms) and wrong (caught). */
  disagreements: { falseAlarm: number; caught: number };
  /** Pages with any signal ≥ 0.5 other than expiry. */
  flagged: number;
  refusals: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  /** Stages: the MRZ (its worker) and the visual zone (tesseract's worker) run at the same time. */
  stagesP50Ms: { mrz: number; visualZone: number };
}
const passportSummary: Record<string, PassportSummary> = {};
for (const kind of ["all", ...PASSPORT_CAPTURES]) {
  const group = passportResults.filter((r) => kind === "all" || r.passport.degradation === kind);
  const read = group.filter((r) => r.result !== null) as Array<{ passport: GeneratedPassport; result: DocumentResult }>;
  const refusals: Record<string, number> = {};
  for (const r of group)
    if (r.error !== null) refusals[r.error.split(":")[0] ?? ""] = (refusals[r.error.split(":")[0] ?? ""] ?? 0) + 1;
  let correctValues = 0,
    wrongValues = 0,
    falseAlarm = 0,
    caught = 0;
  const printed: PassportSummary["printed"] = {};
  for (const field of PASSPORT_FIELDS) {
    printed[field] = { read: 0, correct: 0 };
    for (const { passport, result } of read) {
      const truth = passportTruth(passport, field);
      const chosen = result.fields[field].value;
      if (chosen === truth) correctValues++;
      else if (chosen !== "") wrongValues++;
      const ocr = result.fields[field].readings.ocr;
      if (ocr !== undefined) {
        printed[field].read++;
        if (field === "fullName" ? nameKey(ocr) === nameKey(truth) : ocr === truth) printed[field].correct++;
      }
      if (result.disagreements.some((d) => d.field === field)) {
        if (chosen === truth) falseAlarm++;
        else caught++;
      }
    }
  }
  const totals = read.map((r) => r.result.timings.totalMs);
  passportSummary[kind] = {
    pages: group.length,
    mrzFullyValid: group.filter((r) => mrzValid(r.result)).length,
    fieldAccuracy: group.length === 0 ? 0 : correctValues / (group.length * PASSPORT_FIELDS.length),
    wrongValues,
    printed,
    disagreements: { falseAlarm, caught },
    flagged: read.filter((r) => isFlagged(r.result)).length,
    refusals,
    p50Ms: percentile(totals, 50),
    p95Ms: percentile(totals, 95),
    stagesP50Ms: {
      mrz: percentile(
        read.map((r) => r.result.timings.mrzMs),
        50,
      ),
      visualZone: percentile(
        read.map((r) => r.result.timings.ocrMs),
        50,
      ),
    },
  };
}
const passportCost = {
  pages: passportMrzOnlyMs.length,
  mrzOnly: { p50Ms: percentile(passportMrzOnlyMs, 50), p95Ms: percentile(passportMrzOnlyMs, 95) },
  withVisualZone: { p50Ms: passportSummary.all?.p50Ms ?? 0, p95Ms: passportSummary.all?.p95Ms ?? 0 },
};

const errors = results
  .filter((r) => r.error !== null)
  .map((r) => ({ card: r.card.id, degradation: r.card.degradation, severity: r.card.severity, error: r.error }));

printTable(
  `Field accuracy by source on ${honest.length} honest cards (clean / mildly / strongly degraded)`,
  accuracyRows,
);
printTable("Chosen value per field (honest cards)", valueRows);
printTable(
  `Tamper detection (${results.length - honest.length} tampered cards, flagged = any signal ≥ 0.5)`,
  tamperRows,
);
printTable("False alarms on honest cards (expiry excluded)", alarmRows);
printTable("Latency per card (front + back), ms", [
  { stage: "total", p50: latency.p50Ms, p95: latency.p95Ms },
  ...(["decode", "qr", "mrz", "ocr", "tamper"] as const).map((k) => ({
    stage: k,
    p50: latency.stagesP50Ms[k],
    p95: latency.stagesP95Ms[k],
  })),
]);
printTable(
  `Phone-capture degradations (${phoneCards.length} honest generated cards, seed ${seed + 1}; not in the tables above)`,
  Object.entries(phoneCapture).map(([kind, r]) => ({
    kind,
    cards: r.cards,
    "MRZ valid": `${r.mrzFullyValid}/${r.cards}`,
    "MRZ field %": Math.round(r.mrzFieldAccuracy * 1000) / 10,
    "chosen field %": Math.round(r.chosenFieldAccuracy * 1000) / 10,
    refused: Object.entries(r.refusals)
      .map(([k, v]) => `${k}×${v}`)
      .join(" "),
    p50: r.p50Ms,
    p95: r.p95Ms,
  })),
);
printTable(
  `Passport data pages (${passports.length} generated, seed ${seed + 2}; values from the MRZ, the visual zone compared)`,
  Object.entries(passportSummary).map(([kind, r]) => ({
    kind,
    pages: r.pages,
    "MRZ valid": `${r.mrzFullyValid}/${r.pages}`,
    "field %": Math.round(r.fieldAccuracy * 1000) / 10,
    wrong: r.wrongValues,
    "printed read/exact": `${Object.values(r.printed).reduce((n, p) => n + p.read, 0)}/${Object.values(r.printed).reduce((n, p) => n + p.correct, 0)}`,
    "false alarms": r.disagreements.falseAlarm,
    caught: r.disagreements.caught,
    flagged: r.flagged,
    refused: Object.entries(r.refusals)
      .map(([k, v]) => `${k}×${v}`)
      .join(" "),
    p50: r.p50Ms,
    p95: r.p95Ms,
  })),
);
printTable(`Passport cost per page, the same ${passportCost.pages} pages back to back`, [
  { path: "MRZ only (skipOcr: main's path)", p50: passportCost.mrzOnly.p50Ms, p95: passportCost.mrzOnly.p95Ms },
  { path: "MRZ + visual zone", p50: passportCost.withVisualZone.p50Ms, p95: passportCost.withVisualZone.p95Ms },
]);
printTable(
  "Real specimen photos (test/fixtures/mrz-real; @300px: downscaled to 300 px wide)",
  Object.entries(realPhotos).map(([set, r]) => ({
    set,
    images: r.images,
    "valid / legible": `${r.fullyValid}/${r.legible}`,
    "exact / all": `${r.exact}/${r.images}`,
    "valid when printed invalid": r.readValidWhenPrintedInvalid,
    "field %": Math.round(r.fieldAccuracy * 1000) / 10,
    refused: Object.keys(r.refusals).length,
    p50: r.p50Ms,
    p95: r.p95Ms,
  })),
);
if (peerName !== null)
  printTable(
    `The same real photos read by a peer: ${peerName}`,
    Object.entries(realPhotosPeer).map(([set, r]) => ({
      set,
      images: r.images,
      "valid / legible": `${r.fullyValid}/${r.legible}`,
      "exact / all": `${r.exact}/${r.images}`,
      "valid when printed invalid": r.readValidWhenPrintedInvalid,
    })),
  );
if (errors.length > 0)
  printTable(
    "Cards that raised an error",
    errors.map((e) => ({ card: e.card, degradation: `${e.degradation}/${e.severity}`, error: e.error ?? "" })),
  );
process.stdout.write(
  `\nload average ${loadAtStart.toFixed(1)} at start, ${loadAtEnd.toFixed(1)} at end (2 cores shared; latency is inflated under load)\n`,
);

writeResults("documents", {
  set: {
    count,
    seed,
    honest: honest.length,
    tampered: results.length - honest.length,
    generateSeconds: Math.round(generateSeconds),
    now: NOW.toISOString().slice(0, 10),
  },
  accuracyBySource: accuracy,
  chosenValueAccuracy: valueAccuracy,
  tamperDetection,
  falseAlarms,
  latency,
  errors,
  phoneCapture,
  passports: { count: passports.length, seed: seed + 2, byCapture: passportSummary, cost: passportCost },
  realPhotos,
  ...(peerName === null ? {} : { realPhotosPeer: { peer: peerName, ...realPhotosPeer } }),
  loadAverage: { start: loadAtStart, end: loadAtEnd },
});
await rm(dir, { recursive: true, force: true });
