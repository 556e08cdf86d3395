/**
 * A citizen as the registry holds it, and the comparison rule every registry implementation in
 * this repo uses (the in-memory fake and the simulator), so the compliance suite can expect the
 * same answers from both.
 */
import type { ComparedField, IdentityCheckResult } from "./port.ts";
import type { CanonicalQuery } from "./query.ts";

export interface CitizenRecord {
  /** 12 digits. */
  idNumber: string;
  /** 9 digits, or "" when the person never had a CMND. */
  oldIdNumber: string;
  /** Canonical: NFC, upper case, single spaces. */
  fullName: string;
  dateOfBirth: string;
  sex: "M" | "F";
  /** Canonical (NFC, single spaces), original case. */
  address: string;
}

/** Registry answers other than UNAVAILABLE (which only a transport can produce). */
export type RegistryAnswer = Exclude<IdentityCheckResult, { status: "UNAVAILABLE" }>;

/** Lookup tables over a citizen list (12-digit id and 9-digit old id). */
export class CitizenDirectory {
  readonly #byId = new Map<string, CitizenRecord>();
  readonly #byOldId = new Map<string, CitizenRecord>();

  constructor(citizens: Iterable<CitizenRecord>) {
    for (const c of citizens) {
      this.#byId.set(c.idNumber, c);
      if (c.oldIdNumber !== "") this.#byOldId.set(c.oldIdNumber, c);
    }
  }

  get size(): number {
    return this.#byId.size;
  }

  /** The registry's answer to a canonical query. */
  answer(query: CanonicalQuery): RegistryAnswer {
    const byOld = query.oldIdNumber !== undefined;
    const citizen = byOld ? this.#byOldId.get(query.oldIdNumber ?? "") : this.#byId.get(query.idNumber ?? "");
    if (citizen === undefined) return { status: "NOT_FOUND" };
    const fields: ComparedField[] = [];
    if (citizen.fullName !== query.fullName) fields.push("fullName");
    if (citizen.dateOfBirth !== query.dateOfBirth) fields.push("dateOfBirth");
    if (query.sex !== undefined && citizen.sex !== query.sex) fields.push("sex");
    if (query.address !== undefined && citizen.address.toUpperCase() !== query.address) fields.push("address");
    const suggestion = byOld ? { suggestedIdNumber: citizen.idNumber } : {};
    return fields.length === 0 ? { status: "MATCH", ...suggestion } : { status: "MISMATCH", fields, ...suggestion };
  }
}
