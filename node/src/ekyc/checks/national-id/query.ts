/**
 * Validation and canonical form of an identity query, shared by every adapter and the simulator
 * so that "the same question" means the same bytes everywhere. Hostile input gets an
 * InvalidArgumentError naming the field (canonical rules: docs/protocol.md §2).
 */
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { canonicalizeField } from "@kycnet/sdk/protocol";

export interface CanonicalQuery {
  idNumber?: string;
  oldIdNumber?: string;
  fullName: string;
  dateOfBirth: string;
  sex?: string;
  address?: string;
  portrait?: Uint8Array;
}

/**
 * Largest portrait a query may carry. A DG2 portrait is 10-30 kB as JPEG or JPEG 2000 and a few
 * hundred kB re-encoded as PNG; 512 KiB bounds the request body while leaving room for that.
 */
export const MAX_PORTRAIT_BYTES = 512 * 1024;

const ALLOWED_KEYS = new Set(["idNumber", "oldIdNumber", "fullName", "dateOfBirth", "sex", "address", "portrait"]);

const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/** A portrait is bytes of a JPEG or PNG within the size bound; decoding it is the face model's job. */
function canonicalPortrait(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError("portrait", "must be bytes (Uint8Array)");
  if (value.byteLength === 0) throw new InvalidArgumentError("portrait", "is empty");
  if (value.byteLength > MAX_PORTRAIT_BYTES)
    throw new InvalidArgumentError("portrait", `is larger than ${MAX_PORTRAIT_BYTES} bytes`);
  if (!startsWith(value, JPEG_MAGIC) && !startsWith(value, PNG_MAGIC))
    throw new InvalidArgumentError("portrait", "must be a JPEG or PNG image");
  return value;
}

/** Checks and canonicalises a query; exactly one of `idNumber` / `oldIdNumber` must be given. */
export function canonicalQuery(input: unknown): CanonicalQuery {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new InvalidArgumentError("query", "must be an object");
  }
  const raw = input as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(raw)) {
    if (!ALLOWED_KEYS.has(key)) throw new InvalidArgumentError(key, "is not a query field");
  }
  const hasNew = raw.idNumber !== undefined;
  const hasOld = raw.oldIdNumber !== undefined;
  if (hasNew === hasOld) throw new InvalidArgumentError("idNumber", "give exactly one of idNumber or oldIdNumber");
  const out: CanonicalQuery = {
    fullName: canonicalizeField("fullName", raw.fullName),
    dateOfBirth: canonicalizeField("dateOfBirth", raw.dateOfBirth),
  };
  if (hasNew) out.idNumber = canonicalizeField("idNumber", raw.idNumber);
  if (hasOld) {
    const old = canonicalizeField("oldIdNumber", raw.oldIdNumber);
    if (old === "") throw new InvalidArgumentError("oldIdNumber", "must be 9 digits");
    out.oldIdNumber = old;
  }
  // Optional fields: an empty (or blank) string means "not read", the same as absent, so a stage
  // that could not read the sex or address still gets a check on the fields it has.
  const given = (v: unknown): boolean => v !== undefined && !(typeof v === "string" && v.trim() === "");
  if (given(raw.sex)) out.sex = canonicalizeField("sex", raw.sex);
  if (given(raw.address)) out.address = canonicalizeField("address", raw.address).toUpperCase();
  if (raw.portrait !== undefined) out.portrait = canonicalPortrait(raw.portrait);
  return out;
}
