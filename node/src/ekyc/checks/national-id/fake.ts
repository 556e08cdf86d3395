/**
 * In-memory `NationalIdRegistry` for fast tests and demos. Same answers as the simulator (shared
 * `CitizenDirectory`); it can also be told to be unavailable, so pipeline tests can exercise the
 * REVIEW path without a network.
 */
import type { CardStatus, CheckOptions, IdentityCheckResult, IdentityQuery, NationalIdRegistry } from "./port.ts";
import { CitizenDirectory, type CitizenPhotosLike, type CitizenRecord } from "./citizen.ts";
import { canonicalQuery } from "./query.ts";
import { RegistryAbortedError, RegistryServerError } from "./errors.ts";

export class InMemoryNationalIdRegistry implements NationalIdRegistry {
  readonly #directory: CitizenDirectory;
  readonly #photos: CitizenPhotosLike | undefined;
  #unavailable = false;

  /** `photos`: the registry's photos of citizens (citizen-photos.ts), compared with a query's portrait. */
  constructor(citizens: Iterable<CitizenRecord>, options: { photos?: CitizenPhotosLike } = {}) {
    this.#directory = new CitizenDirectory(citizens);
    this.#photos = options.photos;
  }

  /** The citizen's card is reported (lost, stolen) or cancelled from now on: checks answer CARD_INVALID (null: valid again). */
  reportCard(idNumber: string, status: CardStatus | null): void {
    this.#directory.reportCard(idNumber, status);
  }

  /** Makes every later check answer UNAVAILABLE (REGISTRY_SERVER_ERROR), or back to normal. */
  setUnavailable(unavailable: boolean): void {
    this.#unavailable = unavailable;
  }

  async checkIdentity(query: IdentityQuery, options: CheckOptions = {}): Promise<IdentityCheckResult> {
    const canonical = canonicalQuery(query);
    if (options.signal?.aborted) {
      const error = new RegistryAbortedError({ cause: options.signal.reason });
      return { status: "UNAVAILABLE", code: error.code, error };
    }
    if (this.#unavailable) {
      const error = new RegistryServerError(503, 1);
      return { status: "UNAVAILABLE", code: error.code, error };
    }
    return this.#directory.answerWithFace(canonical, this.#photos);
  }
}
