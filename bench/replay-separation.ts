/**
 * bench:replay-separation: how far the frame memory's descriptor puts a replayed recording from
 * the recording (it must stay close) against another genuine session of the same person (it must
 * stay far), for the aligned low-frequency descriptor (liveness/frame-descriptor.ts) and, as the
 * baseline in the same run, the 256-bit difference hash it replaced (bench/lib/difference-hash.ts).
 *
 * Frames as bench:liveness makes them: genuine sessions from the eval photos (synthetic-frames.ts
 * `framesFor` with a session's light, roll, yaw and camera), each replayed once for a new challenge
 * (attacks.ts `sequenceReplay`: re-encoded, rescaled, re-ordered, re-timed, fresh noise).
 * - replay: each replayed frame's distance to the nearest frame of its recording;
 * - genuine: each genuine frame's distance to the nearest frame of every EARLIER session of the
 *   same photo (the closest a memory holding them would see);
 * per session: the smallest of its frames' (the memory refuses a session if any frame is within the limit),
 * the second smallest, and the smallest limit at which 2 (or 3) of its frames are each within it of a
 * different remembered frame (a rule that would let a new capture colliding on its neutral frames
 * alone pass: measured against the one-frame rule in the same run).
 * Also the descriptor's cost per frame and a lookup in a memory of 5,000 sessions.
 *
 * BENCH_REPLAY_SPLIT=dev (default; amy, bernadette, howard) or heldout (leonard, penny: report only,
 * never tune on it); BENCH_REPLAY_SESSIONS sessions per photo (default 8, as the limit was chosen with;
 * another count writes `replay-separation-<split>-<n>-sessions.json`, so the reference run stays).
 */
import { basename, extname } from "node:path";
import { readFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { listLabelledImages, DEFAULT_FACE_EVAL_DIR } from "../node/src/ekyc/biometrics/eval-set.ts";
import { readFace, DEFAULT_MIN_FACE_SIZE } from "../node/src/ekyc/biometrics/face-reader.ts";
import { decodeImage, type RgbImage } from "../node/src/ekyc/biometrics/image.ts";
import { ChallengeIssuer } from "../node/src/ekyc/biometrics/liveness/challenge.ts";
import { descriptorDistance, frameDescriptor } from "../node/src/ekyc/biometrics/liveness/frame-descriptor.ts";
import { FrameMemory } from "../node/src/ekyc/biometrics/liveness/frame-memory.ts";
import { loadThresholds } from "../node/src/ekyc/biometrics/matching.ts";
import { loadOnnxFaceModel } from "../node/src/ekyc/biometrics/onnx/onnx-face-model.ts";
import { sequenceReplay } from "../scripts/faces/attacks.ts";
import { framesFor, stillFace } from "../scripts/faces/synthetic-frames.ts";
import { differenceHash, hammingDistance } from "./lib/difference-hash.ts";
import { largestMatching } from "./lib/largest-matching.ts";
import { percentile, printTable, writeResults } from "./lib/report.ts";

const SPLITS = { dev: ["amy", "bernadette", "howard"], heldout: ["leonard", "penny"] } as const;
const split = (process.env.BENCH_REPLAY_SPLIT ?? "dev") as keyof typeof SPLITS;
if (!(split in SPLITS)) throw new Error(`BENCH_REPLAY_SPLIT must be dev or heldout`);
const DEFAULT_SESSIONS = 8;
const SESSIONS = Number(process.env.BENCH_REPLAY_SESSIONS ?? DEFAULT_SESSIONS);
const loadAtStart = loadavg()[0]!;

const model = await loadOnnxFaceModel({ intraOpThreads: 1 });
const thresholds = loadThresholds();
const images = (await listLabelledImages(DEFAULT_FACE_EVAL_DIR)).filter((i) =>
  (SPLITS[split] as readonly string[]).includes(i.person),
);

interface Frame {
  readonly descriptor: Float32Array;
  readonly hash: bigint;
}
/** The frames of a session in which one face was found. */
async function describe(frames: readonly RgbImage[]): Promise<Frame[]> {
  const analyses = await model.analyseFrames(frames, { minFaceSize: DEFAULT_MIN_FACE_SIZE, embed: [], passive: [] });
  return analyses.flatMap((a, i) =>
    a.face === "ONE"
      ? [{ descriptor: frameDescriptor(frames[i]!, a.landmarks), hash: differenceHash(frames[i]!, a.box) }]
      : [],
  );
}

type Measure = "descriptor" | "hash";
const nearest = (f: Frame, others: readonly Frame[], m: Measure): number =>
  Math.min(
    ...others.map((o) =>
      m === "descriptor" ? descriptorDistance(f.descriptor, o.descriptor) : hammingDistance(f.hash, o.hash),
    ),
  );
const perFrame: Record<"replay" | "genuine", Record<Measure, number[]>> = {
  replay: { descriptor: [], hash: [] },
  genuine: { descriptor: [], hash: [] },
};
const perSession: Record<"replay" | "genuine", Record<Measure, number[]>> = {
  replay: { descriptor: [], hash: [] },
  genuine: { descriptor: [], hash: [] },
};
/** Per session, the second-closest frame's distance: what a memory asking for two matching frames sees. */
const perSessionSecond: Record<"replay" | "genuine", Record<Measure, number[]>> = {
  replay: { descriptor: [], hash: [] },
  genuine: { descriptor: [], hash: [] },
};
const second = (d: readonly number[]): number => [...d].sort((a, b) => a - b)[1] ?? Infinity;
/**
 * Per session, the smallest limit at which `k` of its frames are each within it of a DIFFERENT
 * remembered frame (a rule measured against the memory's, which refuses on one frame): pairs are
 * added closest first until a largest matching holds k frames.
 */
const perSessionMatched: Record<"replay" | "genuine", Record<2 | 3, number[]>> = {
  replay: { 2: [], 3: [] },
  genuine: { 2: [], 3: [] },
};
function matchedAt(session: readonly Frame[], remembered: readonly Frame[], k: number): number {
  const pairs = session.flatMap((f, i) =>
    remembered.map((o, j) => ({ i, j, d: descriptorDistance(f.descriptor, o.descriptor) })),
  );
  pairs.sort((a, b) => a.d - b.d);
  const nearTo: number[][] = session.map(() => []);
  for (const p of pairs) {
    nearTo[p.i]!.push(p.j);
    if (largestMatching(nearTo).length >= k) return p.d;
  }
  return Infinity;
}
const recordMatched = (kind: "replay" | "genuine", session: readonly Frame[], remembered: readonly Frame[]) => {
  for (const k of [2, 3] as const) perSessionMatched[kind][k].push(matchedAt(session, remembered, k));
};
const genuineDescriptors: Float32Array[] = [];

let now = Date.now();
const issuer = new ChallengeIssuer({ clock: () => now });
let session = 1;
for (const [index, img] of images.entries()) {
  const photo = await decodeImage(new Uint8Array(await readFile(img.file)));
  const face = stillFace(photo, await readFace(model, photo));
  const earlier: Frame[][] = [];
  for (let k = 0; k < SESSIONS; k++) {
    now += 60_000;
    const script = issuer.create();
    const recording = framesFor(face, script, script.issuedAt + 20, { session: 100_000 * (index + 1) + session++ });
    const frames = await describe(recording.map((f) => f.image));
    for (const m of ["descriptor", "hash"] as const)
      if (earlier.length) {
        const d = frames.map((f) => nearest(f, earlier.flat(), m));
        perFrame.genuine[m].push(...d);
        perSession.genuine[m].push(Math.min(...d));
        perSessionSecond.genuine[m].push(second(d));
      }
    if (earlier.length) recordMatched("genuine", frames, earlier.flat());
    earlier.push(frames);
    genuineDescriptors.push(...frames.map((f) => f.descriptor));
    // the recording replayed for a new challenge
    const replayScript = issuer.create();
    const replayed = await sequenceReplay(
      { frames: recording.map((f) => f.image), steps: script.steps },
      replayScript,
      replayScript.issuedAt + 20,
      index * 10_000 + k,
    );
    const replayFrames = await describe(replayed.map((f) => f.image));
    recordMatched("replay", replayFrames, frames);
    for (const m of ["descriptor", "hash"] as const) {
      const d = replayFrames.map((f) => nearest(f, frames, m));
      perFrame.replay[m].push(...d);
      perSession.replay[m].push(Math.min(...d));
      perSessionSecond.replay[m].push(second(d));
    }
  }
  process.stdout.write(`  ${basename(img.file, extname(img.file))} done\n`);
}

async function decodeImageOf(file: string): Promise<RgbImage> {
  return decodeImage(new Uint8Array(await readFile(file)));
}

const quantiles = (xs: readonly number[], digits: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    min: s[0]!.toFixed(digits),
    p5: percentile(s, 5).toFixed(digits),
    median: percentile(s, 50).toFixed(digits),
    p95: percentile(s, 95).toFixed(digits),
    max: s.at(-1)!.toFixed(digits),
  };
};
const rows = (["hash", "descriptor"] as const).flatMap((m) =>
  (["replay", "genuine"] as const).flatMap((kind) => [
    { measure: m, pairs: `${kind} frames`, ...quantiles(perFrame[kind][m], m === "hash" ? 0 : 4) },
    { measure: m, pairs: `${kind} sessions (closest frame)`, ...quantiles(perSession[kind][m], m === "hash" ? 0 : 4) },
    {
      measure: m,
      pairs: `${kind} sessions (2nd closest)`,
      ...quantiles(perSessionSecond[kind][m], m === "hash" ? 0 : 4),
    },
  ]),
);
for (const kind of ["replay", "genuine"] as const)
  for (const k of [2, 3] as const)
    rows.push({
      measure: "descriptor",
      pairs: `${kind} sessions (${k} frames, distinct remembered)`,
      ...quantiles(perSessionMatched[kind][k], 4),
    });
// Each rule at the committed limit: the replays it lets through, the genuine sessions it refuses.
const limitNow = thresholds.liveness.memory.sameFrameDistance;
const statistics = {
  "closest frame (the memory's rule)": (kind: "replay" | "genuine") => perSession[kind].descriptor,
  "2nd closest frame": (kind: "replay" | "genuine") => perSessionSecond[kind].descriptor,
  "2 frames, distinct remembered": (kind: "replay" | "genuine") => perSessionMatched[kind][2],
  "3 frames, distinct remembered": (kind: "replay" | "genuine") => perSessionMatched[kind][3],
};
const atLimit = Object.entries(statistics).map(([rule, of]) => ({
  rule,
  limit: limitNow,
  "replays let through": `${of("replay").filter((d) => d > limitNow).length} of ${of("replay").length}`,
  "genuine refused": `${of("genuine").filter((d) => d <= limitNow).length} of ${of("genuine").length}`,
}));
printTable(`Replay separation, ${split} split (${images.length} photos x ${SESSIONS} sessions)`, rows);

// ---- cost: the descriptor per frame (the analysis above includes the models), and a lookup in a full memory
const frame = await decodeImageOf(images[0]!.file);
const read = await readFace(model, frame);
const t1 = performance.now();
const N = 200;
for (let i = 0; i < N; i++) frameDescriptor(frame, read.landmarks);
const descriptorMs = (performance.now() - t1) / N;
// The memory full (5,000 sessions of 7 frames): the run's genuine frames over and over, each moved a
// little so none repeats. Probed with genuine frames moved twice the limit away: near many remembered
// frames (the costliest case for the early-abandoning distance) without matching any.
const limit = thresholds.liveness.memory.sameFrameDistance;
const pool = genuineDescriptors;
let x = 1;
const rand = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
const moved = (d: Float32Array, by: number): Float32Array => {
  const step = d.map(() => rand());
  const norm = Math.hypot(...step);
  return d.map((v, i) => v + (step[i]! / norm) * by);
};
const memory = new FrameMemory(thresholds.liveness.memory.sessions);
for (let s = 0; s < thresholds.liveness.memory.sessions; s++)
  memory.remember(Array.from({ length: 7 }, (_, i) => moved(pool[(s * 7 + i) % pool.length]!, limit / 10)));
const probe = Array.from({ length: 7 }, (_, i) => moved(pool[(i * 13) % pool.length]!, 2 * limit));
const LOOKUPS = 20;
let found = 0;
const t2 = performance.now();
for (let i = 0; i < LOOKUPS; i++) found += memory.seenBefore(probe, limit).length;
const lookupMs = (performance.now() - t2) / LOOKUPS;
printTable(`Each rule at the limit ${limitNow}`, atLimit);
process.stdout.write(
  `\ndescriptor: ${descriptorMs.toFixed(3)} ms per frame; lookup of 7 frames in ${memory.sessions} sessions ` +
    `(${memory.sessions * 7} frames): ${lookupMs.toFixed(2)} ms (${found} matches)\n` +
    `CPU: ${cpus()[0]?.model ?? "?"}; load at start ${loadAtStart.toFixed(1)}\n`,
);

const file = writeResults(`replay-separation-${split}${SESSIONS === DEFAULT_SESSIONS ? "" : `-${SESSIONS}-sessions`}`, {
  split,
  photos: images.map((i) => basename(i.file, extname(i.file))),
  sessionsPerPhoto: SESSIONS,
  rows,
  perSession,
  perSessionSecond,
  perSessionMatched,
  atLimit,
  cost: {
    descriptorMsPerFrame: descriptorMs,
    lookupMs,
    rememberedSessions: memory.sessions,
    rememberedFrames: memory.sessions * 7,
  },
  cpu: cpus()[0]?.model ?? null,
  loadAtStart,
});
process.stdout.write(`results: ${file}\n`);
await model.close();
