/**
 * Decoding of a CTC recogniser's output (one row of symbol probabilities per frame, symbol 0 is
 * the CTC blank). Greedy decoding takes the most likely symbol of each frame and collapses
 * repeats; fixed-length decoding finds the most likely frame path that spells exactly `length`
 * symbols, for text whose length is known in advance (an MRZ line has 30 or 44 characters).
 * Greedy decoding loses a character whenever the recogniser gives its frames to a neighbour or
 * runs two equal characters together (`<<<` needs a blank between each pair); the length
 * constraint puts it back where the model found it most likely.
 */

export interface CtcFrames {
  /** Symbols 1..n of each row (row index 0 is the blank). */
  alphabet: string;
  frames: number;
  /** frames × (alphabet.length + 1) natural-log probabilities, row-major. */
  logProbs: Float32Array;
}

export function greedyDecode(ctc: CtcFrames): string {
  const width = ctc.alphabet.length + 1;
  let out = "",
    previous = 0;
  for (let t = 0; t < ctc.frames; t++) {
    let best = 0;
    for (let s = 1; s < width; s++)
      if ((ctc.logProbs[t * width + s] as number) > (ctc.logProbs[t * width + best] as number)) best = s;
    if (best !== 0 && best !== previous) out += ctc.alphabet[best - 1];
    previous = best;
  }
  return out;
}

/** The frame at which each character of the greedy reading begins (one entry per character). */
export function greedyStarts(ctc: CtcFrames): number[] {
  const width = ctc.alphabet.length + 1;
  const starts: number[] = [];
  let previous = 0;
  for (let t = 0; t < ctc.frames; t++) {
    let best = 0;
    for (let s = 1; s < width; s++)
      if ((ctc.logProbs[t * width + s] as number) > (ctc.logProbs[t * width + best] as number)) best = s;
    if (best !== 0 && best !== previous) starts.push(t);
    previous = best;
  }
  return starts;
}

/** Frames [from, to) of a line: the part of a crop that a narrower box would have given. */
export function sliceFrames(ctc: CtcFrames, from: number, to: number): CtcFrames {
  const width = ctc.alphabet.length + 1;
  const a = Math.max(0, Math.min(from, ctc.frames)),
    b = Math.max(a, Math.min(to, ctc.frames));
  return { alphabet: ctc.alphabet, frames: b - a, logProbs: ctc.logProbs.slice(a * width, b * width) };
}

/**
 * The most likely reading of exactly `length` symbols (Viterbi over the CTC collapse rules), or
 * null when there are too few frames to spell that many. `allowed[i]`, when given, lists the
 * symbols the i-th character may be (an MRZ date holds digits, a name letters and `<`). State:
 * symbols emitted so far and the symbol of the current frame; a symbol equal to the previous one
 * continues it unless a blank came between them. O(frames × length × alphabet).
 */
export function decodeFixedLength(ctc: CtcFrames, length: number, allowed?: readonly string[]): string | null {
  return decodeFixedLengthScored(ctc, length, allowed)?.text ?? null;
}

/**
 * `decodeFixedLength` with each character's confidence: the highest probability the recogniser
 * gave that character in any frame the path spends on it (1: certain; an MRZ character read
 * clearly is ≥ 0.9). A low figure marks a character the model was unsure of, whatever the decoding
 * chose. Its margin (`allowedShare`) weighs it against the symbols `rivals` lists at its position
 * (by default those `allowed` lists): a position may admit fewer symbols than a reader could see
 * there, and a symbol it shuts out but the recogniser preferred still makes the character unsure.
 */
export function decodeFixedLengthScored(
  ctc: CtcFrames,
  length: number,
  allowed?: readonly string[],
  rivals: readonly string[] | undefined = allowed,
): { text: string; confidence: number[]; margin: number[] } | null {
  const S = ctc.alphabet.length + 1,
    T = ctc.frames,
    L = length;
  if (L <= 0 || T < L) return null;
  // mask[(n - 1) * S + k]: may the n-th character be symbol k? rivalMask: does k compete there?
  const mask = symbolMask(ctc.alphabet, L, allowed),
    rivalMask = rivals === allowed ? mask : symbolMask(ctc.alphabet, L, rivals);
  const states = (L + 1) * S;
  let score = new Float64Array(states).fill(-Infinity);
  let next = new Float64Array(states);
  // Back pointers per frame and state: the previous frame's symbol, +S when a symbol was emitted.
  const back = new Int16Array(T * states);
  score[0] = 0; // nothing emitted, "after a blank"
  for (let t = 0; t < T; t++) {
    const lp = t * S;
    next.fill(-Infinity);
    for (let n = 0; n <= L; n++) {
      const row = n * S;
      // Best and second-best states of row n-1, for "emit a symbol different from the last one".
      let b1 = -Infinity,
        s1 = -1,
        b2 = -Infinity,
        s2 = -1;
      if (n > 0) {
        const prev = (n - 1) * S;
        for (let s = 0; s < S; s++) {
          const v = score[prev + s] as number;
          if (v > b1) {
            b2 = b1;
            s2 = s1;
            b1 = v;
            s1 = s;
          } else if (v > b2) {
            b2 = v;
            s2 = s;
          }
        }
      }
      // Blank: from any state of the same row.
      let bestStay = -Infinity,
        bestStaySymbol = 0;
      for (let s = 0; s < S; s++) {
        const v = score[row + s] as number;
        if (v > bestStay) {
          bestStay = v;
          bestStaySymbol = s;
        }
      }
      next[row] = bestStay + (ctc.logProbs[lp] as number);
      back[t * states + row] = bestStaySymbol;
      for (let k = 1; k < S; k++) {
        const stay = score[row + k] as number; // same symbol, same emission
        const emitFrom = n === 0 || mask[(n - 1) * S + k] === 0 ? -1 : s1 === k ? s2 : s1;
        const emit = emitFrom < 0 ? -Infinity : s1 === k ? b2 : b1;
        const p = ctc.logProbs[lp + k] as number;
        if (emit > stay) {
          next[row + k] = emit + p;
          back[t * states + row + k] = emitFrom + S;
        } else {
          next[row + k] = stay + p;
          back[t * states + row + k] = k;
        }
      }
    }
    [score, next] = [next, score];
  }
  let end = -1,
    endScore = -Infinity;
  for (let s = 0; s < S; s++)
    if ((score[L * S + s] as number) > endScore) {
      endScore = score[L * S + s] as number;
      end = s;
    }
  if (end < 0 || endScore === -Infinity) return null;
  const chars: string[] = [];
  const confidence = new Array<number>(L).fill(0);
  const margin = new Array<number>(L).fill(0);
  let n = L,
    s = end;
  for (let t = T - 1; t >= 0; t--) {
    const pointer = back[t * states + n * S + s] as number;
    // Frame t shows symbol s of the n-th character (s = 0: a blank between characters).
    if (s !== 0) {
      confidence[n - 1] = Math.max(confidence[n - 1] as number, Math.exp(ctc.logProbs[t * S + s] as number));
      margin[n - 1] = Math.max(margin[n - 1] as number, allowedShare(ctc, rivalMask, t, n - 1, s));
    }
    if (pointer >= S) {
      chars.push(ctc.alphabet[s - 1] as string);
      n--;
      s = pointer - S;
    } else s = pointer;
  }
  return { text: chars.reverse().join(""), confidence, margin };
}

/** Per position of a line of `length`, 1 where symbol k (1-based, 0 the blank) is in the position's set. */
function symbolMask(alphabet: string, length: number, sets: readonly string[] | undefined): Uint8Array {
  const S = alphabet.length + 1;
  const mask = new Uint8Array(length * S).fill(1);
  if (sets === undefined) return mask;
  for (let n = 0; n < length; n++) {
    const set = sets[n];
    if (set === undefined) continue;
    for (let k = 1; k < S; k++) mask[n * S + k] = set.includes(alphabet[k - 1] as string) ? 1 : 0;
  }
  return mask;
}

/**
 * In frame t, the probability of symbol s as a share of it and the likeliest other symbol the
 * position allows (blank left out): 1 when nothing else the position may hold competes, 0.5 when
 * another allowed symbol is as likely. Unlike the raw probability it does not fall when the
 * recogniser prefers a look-alike the position cannot hold (O read as 0 in a letter field).
 */
function allowedShare(ctc: CtcFrames, mask: Uint8Array, t: number, position: number, s: number): number {
  const S = ctc.alphabet.length + 1;
  const p = Math.exp(ctc.logProbs[t * S + s] as number);
  let rival = 0;
  for (let k = 1; k < S; k++)
    if (k !== s && mask[position * S + k] === 1) rival = Math.max(rival, Math.exp(ctc.logProbs[t * S + k] as number));
  return p / (p + rival);
}
