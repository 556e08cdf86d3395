/**
 * Test chips for the generated people of scripts/cards/: the same person and portrait as the card
 * generated with the same seed and index, as ICAO 9303 elementary files signed by a test PKI, in RSA
 * and ECDSA variants, honest or tampered. Deterministic from the seed except for keys and signatures.
 *
 *   node --import tsx scripts/chip/generate.ts <outDir> [count] [seed]
 *
 * writes <outDir>/csca-rsa.pem, csca-ecdsa.pem, one folder of EF_*.bin per chip, <id>.aa-key.pem
 * (the key the chip answers active authentication with) and manifest.json (ground truth).
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as pkijs from "pkijs";
import sharp from "sharp";
import type { ChipFiles, DataGroupNumber } from "../../node/src/ekyc/document/chip/lds.ts";
import { OID } from "../../node/src/ekyc/document/chip/oids.ts";
import { td1Lines } from "../cards/mrz.ts";
import { td3Lines, type PassportHolder } from "../cards/passport.ts";
import { makePerson, printedDate, printedSex, type SyntheticPerson } from "../cards/people.ts";
import { createRng, type Rng } from "../cards/random.ts";
import { portraitPng } from "../cards/render.ts";
import { encodeJp2 } from "./jp2.ts";
import { comFile, dg13File, dg14File, dg15File, dg1File, dg2File, sodFile } from "./lds-writer.ts";
import { createCsca, createDocumentSigner, generateKeys, pem, type KeyKind, type Signer } from "./pki.ts";

export const CHIP_VARIANTS = [
  "valid",
  "altered-dg",
  "wrong-ds",
  "broken-signature",
  "dg-not-in-sod",
  "cloned-chip",
] as const;
export type ChipVariant = (typeof CHIP_VARIANTS)[number];

export interface ExpectedFailure {
  code: string;
  dataGroup: number | null;
}

/** What each variant must be reported as (cloned-chip only when active authentication is run). */
export const EXPECTED_FAILURES: Readonly<Record<ChipVariant, readonly ExpectedFailure[]>> = {
  valid: [],
  "altered-dg": [{ code: "DG_HASH_MISMATCH", dataGroup: 1 }],
  "wrong-ds": [{ code: "DS_NOT_TRUSTED", dataGroup: null }],
  "broken-signature": [{ code: "SOD_SIGNATURE_INVALID", dataGroup: null }],
  "dg-not-in-sod": [{ code: "DG_HASH_MISSING", dataGroup: 13 }],
  "cloned-chip": [{ code: "AA_FAILED", dataGroup: 15 }],
};

export interface TestPki {
  key: KeyKind;
  csca: Signer;
  documentSigner: Signer;
  /** A CSCA nobody trusts and its Document Signer (the wrong-ds variant). */
  rogueDocumentSigner: Signer;
}

export function createTestPki(key: KeyKind, rsaPadding: "pkcs1" | "pss" = "pkcs1"): TestPki {
  const csca = createCsca({ key, rsaPadding });
  const rogue = createCsca({ key, rsaPadding }, "Rogue CSCA");
  return {
    key,
    csca,
    documentSigner: createDocumentSigner(csca, { key, rsaPadding }),
    rogueDocumentSigner: createDocumentSigner(rogue, { key, rsaPadding }, 7),
  };
}

export interface GeneratedChip {
  id: string;
  person: SyntheticPerson;
  key: KeyKind;
  variant: ChipVariant;
  portraitFormat: "jpeg" | "jp2";
  files: ChipFiles;
  /** The key this chip answers challenges with (for cloned-chip: not the key in DG15). */
  activeAuthenticationKey: KeyObject;
  expected: readonly ExpectedFailure[];
}

export interface ChipOptions {
  index: number;
  seed: number;
  pki: TestPki;
  variant: ChipVariant;
  portraitFormat?: "jpeg" | "jp2";
  /** A given holder instead of the generated one (e.g. a demo customer whose face is an eval photo). */
  holder?: { person: SyntheticPerson; portrait: Buffer };
}

/** One chip in memory (write it with writeChip). */
export async function generateChip(options: ChipOptions): Promise<GeneratedChip> {
  // Same stream as scripts/cards/generate.ts: person, then portrait, so the chip matches the card.
  const rng = createRng(options.seed * 1_000_003 + options.index);
  const person = options.holder?.person ?? makePerson(rng);
  const portrait = options.holder === undefined ? await portraitPng(rng) : { png: options.holder.portrait };
  const extra = createRng(options.seed * 7_919 + options.index);
  // altered-dg: the holder's birth year changes by one after signing (check digits recomputed, so only the hash tells).
  const older = {
    ...person,
    dateOfBirth: `${Number(person.dateOfBirth.slice(0, 4)) - 1}${person.dateOfBirth.slice(4)}`,
  };
  const chip = await buildChip(
    {
      mrz: td1Lines(person),
      alteredMrz: td1Lines(older),
      portrait: portrait.png,
      sex: person.sex,
      dg13: dg13File(vietnameseFields(person, extra)),
    },
    options,
  );
  return { id: `chip-${chip.key}-${String(options.index).padStart(4, "0")}-${options.variant}`, person, ...chip };
}

export interface PassportChipOptions {
  index: number;
  pki: TestPki;
  /** dg-not-in-sod leaves DG13 out of the SOD, and a passport has no DG13. */
  variant: Exclude<ChipVariant, "dg-not-in-sod">;
  holder: PassportHolder;
  /** The portrait printed on the page, stored in DG2. */
  portrait: Buffer;
  portraitFormat?: "jpeg" | "jp2";
}

export type GeneratedPassportChip = Omit<GeneratedChip, "person"> & { holder: PassportHolder };

/**
 * The chip of a generated passport (scripts/cards/passport.ts): DG1 holds the data page's TD3 MRZ
 * (ICAO 9303 part 10 §4.7.1, 88 characters), DG2 its portrait; no DG13 (a Vietnamese CCCD's own).
 */
export async function generatePassportChip(options: PassportChipOptions): Promise<GeneratedPassportChip> {
  const { holder } = options;
  const older = {
    ...holder,
    dateOfBirth: `${Number(holder.dateOfBirth.slice(0, 4)) - 1}${holder.dateOfBirth.slice(4)}`,
  };
  const chip = await buildChip(
    { mrz: td3Lines(holder), alteredMrz: td3Lines(older), portrait: options.portrait, sex: holder.sex, dg13: null },
    options,
  );
  return {
    id: `passport-chip-${chip.key}-${String(options.index).padStart(4, "0")}-${options.variant}`,
    holder,
    ...chip,
  };
}

/** What a chip holds about its holder; the rest (keys, SOD, variants) is the same for every document. */
interface ChipContent {
  mrz: readonly string[];
  /** DG1 as the altered-dg variant rewrites it after signing. */
  alteredMrz: readonly string[];
  portrait: Buffer;
  sex: "M" | "F";
  /** EF.DG13 (a CCCD's Vietnamese fields), or null when the document has none. */
  dg13: Uint8Array | null;
}

async function buildChip(
  content: ChipContent,
  options: { pki: TestPki; variant: ChipVariant; portraitFormat?: "jpeg" | "jp2" },
): Promise<Omit<GeneratedChip, "id" | "person">> {
  const format = options.portraitFormat ?? (options.pki.key === "rsa" ? "jpeg" : "jp2");
  const { key } = options.pki;
  const aa = key === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 1024 }) : generateKeys("ecdsa", "P-256");
  const chipAuthentication = generateKeys("ecdsa", "P-256");

  const files: ChipFiles = {
    DG1: dg1File(content.mrz),
    DG2: dg2File({ ...(await portraitImage(content.portrait, format)), format, sex: content.sex }),
    ...(content.dg13 === null ? {} : { DG13: content.dg13 }),
    DG14: dg14File(chipAuthentication.publicKey, key === "ecdsa" ? OID.ecdsaPlainSha256 : null),
    DG15: dg15File(aa.publicKey),
  };
  const groups = ([1, 2, 13, 14, 15] as const).filter((n) => files[`DG${n}`] !== undefined);
  files.COM = comFile([...groups]);
  const covered = new Map<DataGroupNumber, Uint8Array>(
    groups.filter((n) => !(options.variant === "dg-not-in-sod" && n === 13)).map((n) => [n, files[`DG${n}`]!]),
  );
  const signer = options.variant === "wrong-ds" ? options.pki.rogueDocumentSigner : options.pki.documentSigner;
  files.SOD = sodFile({
    signer,
    dataGroups: covered,
    tamper: options.variant === "broken-signature" ? breakSignature : undefined,
  });
  if (options.variant === "altered-dg") files.DG1 = dg1File(content.alteredMrz);
  const answering =
    options.variant === "cloned-chip"
      ? key === "rsa"
        ? generateKeyPairSync("rsa", { modulusLength: 1024 })
        : generateKeys("ecdsa", "P-256")
      : aa;
  return {
    key,
    variant: options.variant,
    portraitFormat: format,
    files,
    activeAuthenticationKey: answering.privateKey,
    expected: EXPECTED_FAILURES[options.variant],
  };
}

function breakSignature(data: pkijs.SignedData): void {
  const signature = data.signerInfos[0]!.signature.valueBlock.valueHexView;
  signature[signature.length - 1]! ^= 0x01;
}

async function portraitImage(
  png: Buffer,
  format: "jpeg" | "jp2",
): Promise<{ image: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (format === "jp2")
    return {
      image: await encodeJp2(new Uint8Array(data), info.width, info.height),
      width: info.width,
      height: info.height,
    };
  return {
    image: new Uint8Array(await sharp(png).jpeg({ quality: 85 }).toBuffer()),
    width: info.width,
    height: info.height,
  };
}

const FATHERS = ["Nguyễn Văn Hùng", "Trần Đức Minh", "Lê Quang Hải", "Phạm Văn Sơn", "Hoàng Minh Tuấn"];
const MOTHERS = ["Nguyễn Thị Lan", "Trần Thị Hoa", "Lê Thị Mai", "Phạm Thị Hương", "Đỗ Thị Hạnh"];
const MARKS = [
  "Nốt ruồi C:2cm trên sau đầu lông mày trái",
  "Sẹo chấm C:1cm dưới trước mép phải",
  "Nốt ruồi C:1,5cm dưới sau cánh mũi trái",
];

/** The DG13 fields of a person (parents and marks drawn from `rng`, the rest from the card's ground truth). */
export function vietnameseFields(p: SyntheticPerson, rng: Rng): Array<[number, string | readonly string[]]> {
  const fields: Array<[number, string | readonly string[]]> = [
    [1, p.idNumber],
    [2, p.fullName],
    [3, printedDate(p.dateOfBirth)],
    [4, printedSex(p.sex)],
    [5, "Việt Nam"],
    [6, "Kinh"],
    [7, "Không"],
    [8, p.placeOfOrigin],
    [9, p.address],
    [10, rng.pick(MARKS)],
    [11, printedDate(p.issueDate)],
    [12, p.expiryDate === "" ? "Không thời hạn" : printedDate(p.expiryDate)],
    [13, [rng.pick(FATHERS), rng.pick(MOTHERS)]],
  ];
  if (p.oldIdNumber !== "") fields.push([16, p.oldIdNumber]);
  return fields;
}

/** Writes EF_COM.bin, EF_SOD.bin, EF_DG1.bin … into `dir`. */
export async function writeChip(dir: string, files: ChipFiles): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [id, bytes] of Object.entries(files)) await writeFile(join(dir, `EF_${id}.bin`), bytes);
}

export interface ChipSetEntry {
  id: string;
  dir: string;
  key: KeyKind;
  variant: ChipVariant;
  portraitFormat: "jpeg" | "jp2";
  person: SyntheticPerson;
  activeAuthenticationKeyFile: string;
  expected: readonly ExpectedFailure[];
}

/** For each key kind and variant, `count` chips; trust anchors as csca-<key>.pem. */
export async function generateChipSet(outDir: string, count: number, seed: number): Promise<ChipSetEntry[]> {
  await mkdir(outDir, { recursive: true });
  const entries: ChipSetEntry[] = [];
  for (const key of ["rsa", "ecdsa"] as const) {
    const pki = createTestPki(key);
    await writeFile(join(outDir, `csca-${key}.pem`), pem("CERTIFICATE", pki.csca.der));
    let index = 0;
    for (const variant of CHIP_VARIANTS) {
      for (let i = 0; i < count; i++, index++) {
        const chip = await generateChip({ index, seed, pki, variant });
        const dir = join(outDir, chip.id);
        await writeChip(dir, chip.files);
        const keyFile = join(outDir, `${chip.id}.aa-key.pem`);
        await writeFile(keyFile, chip.activeAuthenticationKey.export({ type: "pkcs8", format: "pem" }));
        entries.push({
          id: chip.id,
          dir,
          key,
          variant,
          portraitFormat: chip.portraitFormat,
          person: chip.person,
          activeAuthenticationKeyFile: keyFile,
          expected: chip.expected,
        });
      }
    }
  }
  await writeFile(join(outDir, "manifest.json"), JSON.stringify(entries, null, 2));
  return entries;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = "/tmp/kycnet-chips", count = "1", seed = "1"] = process.argv.slice(2);
  const entries = await generateChipSet(dir, Number(count), Number(seed));
  process.stdout.write(
    `${entries.length} chips in ${dir} (manifest.json has the ground truth; trust csca-rsa.pem, csca-ecdsa.pem)\n`,
  );
}
