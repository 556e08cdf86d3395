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

/** The registry's own comparison of a sent portrait with its photo of the citizen (citizen-photos.ts). */
export type FaceOutcome = "MATCH" | "MISMATCH" | "NO_PHOTO";

/** What the directory needs of the registry's photo store (citizen-photos.ts). */
export interface CitizenPhotosLike {
  compare(idNumber: string, portrait: Uint8Array): Promise<FaceOutcome>;
}

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

  /**
   * The answer to a query, comparing its portrait (if any) with the citizen's photo in `photos`
   * (none held, or no `photos`: the portrait is not compared, `faceCompared: false`).
   */
  async answerWithFace(query: CanonicalQuery, photos: CitizenPhotosLike | undefined): Promise<RegistryAnswer> {
    const citizen = this.lookup(query);
    if (query.portrait === undefined || citizen === undefined || this.#reported.has(citizen.idNumber))
      return this.answer(query);
    const face = photos === undefined ? "NO_PHOTO" : await photos.compare(citizen.idNumber, query.portrait);
    return this.answer(query, face);
  }

  /** The citizen a query names (by 12-digit id or old id), if any. */
  lookup(query: CanonicalQuery): CitizenRecord | undefined {
    return query.oldIdNumber !== undefined
      ? this.#byOldId.get(query.oldIdNumber)
      : this.#byId.get(query.idNumber ?? "");
  }

  /**
   * The registry's answer to a canonical query; `face` is the outcome of comparing the query's
   * portrait with the citizen's photo (given exactly when the query carried a portrait).
   */
  answer(query: CanonicalQuery, face?: FaceOutcome): RegistryAnswer {
    const byOld = query.oldIdNumber !== undefined;
    const citizen = this.lookup(query);
    if (citizen === undefined) return { status: "NOT_FOUND" };
    // A reported card says nothing more: whoever holds it is not to be identified by it.
    const cardStatus = this.#reported.get(citizen.idNumber);
    if (cardStatus !== undefined) return { status: "CARD_INVALID", cardStatus };
    const fields: ComparedField[] = [];
    if (citizen.fullName !== query.fullName) fields.push("fullName");
    if (citizen.dateOfBirth !== query.dateOfBirth) fields.push("dateOfBirth");
    if (query.sex !== undefined && citizen.sex !== query.sex) fields.push("sex");
    if (query.address !== undefined && citizen.address.toUpperCase() !== query.address) fields.push("address");
    if (face === "MISMATCH") fields.push("portrait");
    const extra = {
      ...(byOld ? { suggestedIdNumber: citizen.idNumber } : {}),
      ...(face === undefined ? {} : { faceCompared: face !== "NO_PHOTO" }),
    };
    return fields.length === 0 ? { status: "MATCH", ...extra } : { status: "MISMATCH", fields, ...extra };
  }
}
