/**
 * `SanctionsList` by plain scan: every entry scored for every query. Correct by construction and
 * slow (O(entries) per screening); the fake for tests and the benchmark's baseline.
 */
import { assertUsableSnapshot } from "./snapshot.ts";
import { DEFAULT_THRESHOLD, prepareEntry, prepareQuery, rankHits, scoreEntry, type PreparedEntry } from "./scoring.ts";
import type {
  SanctionsList,
  SanctionsListInfo,
  SanctionsSnapshot,
  ScreeningHit,
  ScreeningOptions,
  ScreeningQuery,
  ScreeningResult,
} from "./port.ts";

interface State {
  version: string;
  entries: readonly PreparedEntry[];
  loadedAt: Date;
}

export class LinearSanctionsList implements SanctionsList {
  #state: State;
  readonly #threshold: number;

  constructor(snapshot: SanctionsSnapshot, options: { threshold?: number } = {}) {
    this.#threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.#state = LinearSanctionsList.#build(snapshot);
  }

  static #build(snapshot: SanctionsSnapshot): State {
    assertUsableSnapshot(snapshot);
    return { version: snapshot.version, entries: snapshot.entries.map(prepareEntry), loadedAt: new Date() };
  }

  screen(query: ScreeningQuery, options: ScreeningOptions = {}): ScreeningResult {
    const state = this.#state;
    const prepared = prepareQuery(query, options, this.#threshold);
    const hits: ScreeningHit[] = [];
    for (const entry of state.entries) {
      const hit = scoreEntry(prepared, entry);
      if (hit !== undefined) hits.push(hit);
    }
    return { hits: rankHits(hits, prepared.maxHits), listVersion: state.version, threshold: prepared.threshold };
  }

  async reload(snapshot: SanctionsSnapshot): Promise<void> {
    this.#state = LinearSanctionsList.#build(snapshot);
  }

  info(): SanctionsListInfo {
    return { version: this.#state.version, entries: this.#state.entries.length, loadedAt: this.#state.loadedAt };
  }
}
