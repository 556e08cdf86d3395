/**
 * `SanctionsList` over an index built once per snapshot, so a screening touches only the names
 * that share at least two (fuzzily) similar tokens with the query instead of the whole list.
 *
 * Index:
 * - vocabulary: every distinct folded token of every listed name (primary and aliases);
 * - postings: token → ids of the names containing it;
 * - blocking keys: each token and its one-letter deletions (SymSpell-style) → tokens. A query
 *   token's own deletions reach every vocabulary token within one substitution, insertion,
 *   deletion or adjacent transposition, which is where Jaro-Winkler ≥ 0.8 mostly lives for names;
 *   long tokens are also keyed by their first three letters for look-alikes further apart.
 *
 * Screening: fuzzy-expand each query token through the blocking keys, count per name how many
 * distinct query tokens reached it (typed arrays, no per-query allocation of the list's size),
 * score only names reaching the pairing minimum, with the same scorer as the linear scan.
 *
 * Reload builds a complete new index aside, yielding to the event loop between slices so
 * screenings go on (against the old index) meanwhile, then swaps one reference: screenings never
 * see a half index, and a failed build leaves the old one active.
 */
import { assertUsableSnapshot } from "./snapshot.ts";
import {
  DEFAULT_THRESHOLD,
  MAX_TIE_BREAKER_BONUS,
  prepareEntry,
  prepareQuery,
  rankHits,
  scoreEntry,
  type PreparedEntry,
} from "./scoring.ts";
import { MIN_TOKEN_SIMILARITY, tokenSimilarity } from "./similarity.ts";
import type {
  SanctionsEntry,
  SanctionsList,
  SanctionsListInfo,
  SanctionsSnapshot,
  ScreeningHit,
  ScreeningOptions,
  ScreeningQuery,
  ScreeningResult,
} from "./port.ts";

interface Index {
  version: string;
  loadedAt: Date;
  entries: readonly PreparedEntry[];
  /** name id → entry index. */
  nameEntry: Int32Array;
  /** name id → token count. */
  nameLength: Uint8Array;
  postings: ReadonlyMap<string, Int32Array>;
  blocking: ReadonlyMap<string, readonly string[]>;
  /** Scratch counters sized to the name count; safe because screening is synchronous. */
  counts: Int32Array;
  queryStamp: Int32Array;
  tokenStamp: Int32Array;
  stamp: { value: number };
  /**
   * Query token → similar vocabulary tokens. Customers' names reuse a small set of syllables
   * (Nguyễn, Văn, Thị, ...), so most lookups repeat; bounded, and dropped with the index on reload.
   */
  similarCache: Map<string, readonly string[]>;
}

/** Bound on cached query tokens per index; the cache is simply cleared when it fills. */
const SIMILAR_CACHE_LIMIT = 50_000;

/** Tokens shorter than this get no deletion keys (one-letter keys would join everything). */
const MIN_DELETION_LENGTH = 3;

function blockingKeys(token: string): string[] {
  const keys = [token];
  if (token.length >= MIN_DELETION_LENGTH) {
    for (let i = 0; i < token.length; i++) keys.push(`${token.slice(0, i)}${token.slice(i + 1)}\u0001`);
  }
  return keys;
}

/**
 * Long tokens also meet on their first three letters: Jaro-Winkler rewards a shared prefix, so long
 * look-alikes several edits apart (Khaise/Khanki) still pair in the scorer and must be reachable.
 */
const PREFIX_KEY_MIN_LENGTH = 5;
function prefixKey(token: string): string | undefined {
  return token.length >= PREFIX_KEY_MIN_LENGTH ? `${token.slice(0, 3)}\u0002` : undefined;
}

/** Work between two yields of an asynchronous build (entries or tokens). */
const BUILD_SLICE = 2_000;

/**
 * Builds an index step by step: the generator yields every BUILD_SLICE units of work, so an
 * asynchronous reload can give the event loop back (screenings keep using the old index) while a
 * synchronous build simply runs it to the end.
 */
function* indexBuilder(snapshot: SanctionsSnapshot): Generator<void, Index, void> {
  assertUsableSnapshot(snapshot);
  const entries: PreparedEntry[] = [];
  const nameEntryList: number[] = [];
  const nameLengthList: number[] = [];
  const postingLists = new Map<string, number[]>();
  for (let entryIndex = 0; entryIndex < snapshot.entries.length; entryIndex++) {
    if (entryIndex % BUILD_SLICE === BUILD_SLICE - 1) yield;
    const prepared = prepareEntry(snapshot.entries[entryIndex] as SanctionsEntry);
    entries.push(prepared);
    for (const tokens of prepared.tokenisedNames) {
      if (tokens.length === 0) continue;
      const nameId = nameEntryList.length;
      nameEntryList.push(entryIndex);
      nameLengthList.push(Math.min(255, tokens.length));
      for (const token of new Set(tokens)) {
        let list = postingLists.get(token);
        if (list === undefined) postingLists.set(token, (list = []));
        list.push(nameId);
      }
    }
  }
  const blockingLists = new Map<string, string[]>();
  const postings = new Map<string, Int32Array>();
  let work = 0;
  for (const [token, list] of postingLists) {
    if (++work % BUILD_SLICE === 0) yield;
    postings.set(token, Int32Array.from(list));
    const prefix = prefixKey(token);
    for (const key of prefix === undefined ? blockingKeys(token) : [...blockingKeys(token), prefix]) {
      let keyed = blockingLists.get(key);
      if (keyed === undefined) blockingLists.set(key, (keyed = []));
      keyed.push(token);
    }
  }
  const names = nameEntryList.length;
  return {
    version: snapshot.version,
    loadedAt: new Date(),
    entries,
    nameEntry: Int32Array.from(nameEntryList),
    nameLength: Uint8Array.from(nameLengthList),
    postings,
    blocking: blockingLists,
    counts: new Int32Array(names),
    queryStamp: new Int32Array(names),
    tokenStamp: new Int32Array(names),
    stamp: { value: 0 },
    similarCache: new Map(),
  };
}

function buildIndex(snapshot: SanctionsSnapshot): Index {
  const steps = indexBuilder(snapshot);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

async function buildIndexYielding(snapshot: SanctionsSnapshot): Promise<Index> {
  const steps = indexBuilder(snapshot);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Vocabulary tokens similar enough to `token` to pair with it in the scorer. */
function similarTokens(index: Index, token: string, cache: Map<string, boolean>): string[] {
  const out: string[] = [];
  const deletionKeys = blockingKeys(token);
  // The query token's deletions meet the vocabulary's deletions (substitution, transposition) and,
  // without the marker, the vocabulary's unmodified tokens (one letter too many in the query)...
  const lookups = new Set<string>(deletionKeys);
  for (const key of deletionKeys.slice(1)) lookups.add(key.slice(0, -1));
  // ...and the vocabulary's deletions equal to the query token itself (one letter missing in the query).
  lookups.add(`${token}\u0001`);
  const prefix = prefixKey(token);
  if (prefix !== undefined) lookups.add(prefix);
  for (const key of lookups) {
    const tokens = index.blocking.get(key);
    if (tokens === undefined) continue;
    for (const candidate of tokens) {
      let ok = cache.get(candidate);
      if (ok === undefined) {
        ok = tokenSimilarity(token, candidate) >= MIN_TOKEN_SIMILARITY;
        cache.set(candidate, ok);
        if (ok) out.push(candidate);
      }
    }
  }
  return out;
}

export class IndexedSanctionsList implements SanctionsList {
  #index: Index;
  #reloading: Promise<void> = Promise.resolve();
  readonly #threshold: number;

  constructor(snapshot: SanctionsSnapshot, options: { threshold?: number } = {}) {
    this.#threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.#index = buildIndex(snapshot);
  }

  screen(query: ScreeningQuery, options: ScreeningOptions = {}): ScreeningResult {
    const index = this.#index;
    const prepared = prepareQuery(query, options, this.#threshold);
    // Distinct tokens with their multiplicity: a repeated query token can pair with as many name
    // tokens as it occurs, so it counts that many times towards the pruning bound.
    const multiplicity = new Map<string, number>();
    for (const t of prepared.tokens) multiplicity.set(t, (multiplicity.get(t) ?? 0) + 1);
    const queryTokens = [...multiplicity.keys()];
    const { counts, queryStamp, tokenStamp, nameLength, nameEntry } = index;
    if (index.stamp.value > 0x3fff_0000) {
      queryStamp.fill(0);
      tokenStamp.fill(0);
      index.stamp.value = 0;
    }
    const queryId = ++index.stamp.value;
    const touched: number[] = [];
    for (const token of queryTokens) {
      const tokenId = ++index.stamp.value;
      const weight = multiplicity.get(token) as number;
      let similarList = index.similarCache.get(token);
      if (similarList === undefined) {
        similarList = similarTokens(index, token, new Map());
        if (index.similarCache.size >= SIMILAR_CACHE_LIMIT) index.similarCache.clear();
        index.similarCache.set(token, similarList);
      }
      for (const similar of similarList) {
        const posting = index.postings.get(similar);
        if (posting === undefined) continue;
        for (let k = 0; k < posting.length; k++) {
          const nameId = posting[k] as number;
          if (tokenStamp[nameId] === tokenId) continue;
          tokenStamp[nameId] = tokenId;
          if (queryStamp[nameId] !== queryId) {
            queryStamp[nameId] = queryId;
            counts[nameId] = 0;
            touched.push(nameId);
          }
          counts[nameId] = (counts[nameId] as number) + weight;
        }
      }
    }
    // A name can only reach the threshold if enough of the shorter side's tokens pair up: the
    // name score is at most (paired tokens / shorter length), and tie-breakers add at most
    // MAX_TIE_BREAKER_BONUS. Pruning on this bound loses nothing the scorer would accept.
    const minMean = prepared.threshold - MAX_TIE_BREAKER_BONUS;
    const queryLength = prepared.tokens.length;
    const candidates = new Set<number>();
    for (const nameId of touched) {
      const shorter = Math.min(queryLength, nameLength[nameId] as number);
      const needed = Math.max(
        Math.min(2, queryTokens.length, nameLength[nameId] as number),
        Math.ceil(minMean * shorter - 1e-9),
      );
      if ((counts[nameId] as number) >= needed) candidates.add(nameEntry[nameId] as number);
    }
    const hits: ScreeningHit[] = [];
    for (const entryIndex of candidates) {
      const hit = scoreEntry(prepared, index.entries[entryIndex] as PreparedEntry);
      if (hit !== undefined) hits.push(hit);
    }
    return { hits: rankHits(hits, prepared.maxHits), listVersion: index.version, threshold: prepared.threshold };
  }

  reload(snapshot: SanctionsSnapshot): Promise<void> {
    // Reloads run one after another, each building aside and swapping one reference at the end.
    const run = this.#reloading.then(async () => {
      this.#index = await buildIndexYielding(snapshot);
    });
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  info(): SanctionsListInfo {
    return { version: this.#index.version, entries: this.#index.entries.length, loadedAt: this.#index.loadedAt };
  }
}
