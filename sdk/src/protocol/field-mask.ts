/** Field masks: bit i set = canonical field i (see vocabulary.ts RECORD_FIELDS). */
import { InvalidArgumentError } from "../errors.ts";
import { ALL_FIELDS_MASK, RECORD_FIELDS, type RecordField } from "./vocabulary.ts";

export function fieldMaskOf(fields: Iterable<RecordField>): number {
  let mask = 0;
  for (const field of fields) {
    const bit = RECORD_FIELDS.indexOf(field);
    if (bit < 0) throw new InvalidArgumentError("fields", `unknown field "${String(field)}"`);
    mask |= 1 << bit;
  }
  return mask;
}

export function fieldsOfMask(mask: number): RecordField[] {
  assertFieldMask(mask);
  return RECORD_FIELDS.filter((_, bit) => (mask & (1 << bit)) !== 0);
}

/** A usable mask names at least one field and no unknown bit. */
export function assertFieldMask(mask: number, name = "fieldMask"): void {
  if (!Number.isInteger(mask) || mask <= 0 || (mask & ~ALL_FIELDS_MASK) !== 0) {
    throw new InvalidArgumentError(name, `must be a non-zero integer within 0x${ALL_FIELDS_MASK.toString(16)}`);
  }
}

/** True when every field of `requested` is in `granted`. */
export function maskCovers(granted: number, requested: number): boolean {
  return (requested & ~granted) === 0;
}
