/**
 * A citizen as the registry holds it, and the comparison rule every registry implementation in
 * this repo uses (the in-memory fake and the simulator), so the compliance suite can expect the
 * same answers from both.
 */
import type { CardStatus, ComparedField, IdentityCheckResult } from "./port.ts";
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
  /** What the state knows of the card since it was issued; absent: valid. */
  cardStatus?: CardStatus;
}

/** Registry answers other than UNAVAILABLE (which only a transport can produce). */
export type RegistryAnswer = Exclude<IdentityCheckResult, { status: "UNAVAILABLE" }>;

/** Lookup tables over a citizen list (12-digit id and 9-digit old id). */
export class CitizenDirectory {
  readonly #byId = new Map<string, CitizenRecord>();
  readonly #byOldId = new Map<string, CitizenRecord>();
  /** Cards reported since the list was loaded (lost, stolen, cancelled), by 12-digit id. */
  readonly #reported = new Map<string, CardStatus>();

  constructor(citizens: Iterable<CitizenRecord>) {
    for (const c of citizens) {
      this.#byId.set(c.idNumber, c);
      if (c.oldIdNumber !== "") this.#byOldId.set(c.oldIdNumber, c);
      if (c.cardStatus !== undefined) this.#reported.set(c.idNumber, c.cardStatus);
    }
  }

  /** Records that a citizen's card was reported (lost, stolen) or cancelled after it was issued; null: valid again (found). */
  reportCard(idNumber: string, status: CardStatus | null): void {
    if (!this.#byId.has(idNumber)) throw new RangeError("no citizen with that id number");
    if (status === null) this.#reported.delete(idNumber);
    else this.#reported.set(idNumber, status);
  }

  get size(): number {
    return this.#byId.size;
  }

  /** The registry's answer to a canonical query. */
  answer(query: CanonicalQuery): RegistryAnswer {
    const byOld = query.oldIdNumber !== undefined;
    const citizen = byOld ? this.#byOldId.get(query.oldIdNumber ?? "") : this.#byId.get(query.idNumber ?? "");
    if (citizen === undefined) return { status: "NOT_FOUND" };
    // A reported card says nothing more: whoever holds it is not to be identified by it.
    const cardStatus = this.#reported.get(citizen.idNumber);
    if (cardStatus !== undefined) return { status: "CARD_INVALID", cardStatus };
    const fields: ComparedField[] = [];
    if (citizen.fullName !== query.fullName) fields.push("fullName");
    if (citizen.dateOfBirth !== query.dateOfBirth) fields.push("dateOfBirth");
    if (query.sex !== undefined && citizen.sex !== query.sex) fields.push("sex");
    if (query.address !== undefined && citizen.address.toUpperCase() !== query.address) fields.push("address");
    const suggestion = byOld ? { suggestedIdNumber: citizen.idNumber } : {};
    return fields.length === 0 ? { status: "MATCH", ...suggestion } : { status: "MISMATCH", fields, ...suggestion };
  }
}
