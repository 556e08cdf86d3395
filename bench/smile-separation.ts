/**
 * bench:smile-separation: how well the smile score separates smiling from neutral frames. For
 * `BENCH_SMILE_SESSIONS` genuine sessions per photo (default 6) answering
 * SMILE, TURN_LEFT, BLINK, it scores every frame near frontal against the session's first frame:
 * the smile frames, the neutral frames after the first (camera drift, exposure and noise between
 * them) and the blink frames; and the flat attacks' frames answering the same SMILE prompt (a
 * photo of the same person printed, tilted, on a screen, or warped: what they can make of a smile).
 * Prints percentiles of both measures: the landmark geometry the check used until 2026-12-07
 * (mouth width and corner lift from fr_landmark's points) and the corners tracked in the pixels
 * (mouth-motion.ts, the check's measure now), and the new measure's cost per frame.
 * BENCH_SMILE_SPLIT=dev (default; amy, bernadette, howard: the threshold is chosen here) or heldout
 * (leonard, penny: report only). Writes bench/results/smile-separation-<split>.json.
 */
import { readFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { listLabelledImages, DEFAULT_FACE_EVAL_DIR } from "../node/src/ekyc/biometrics/eval-set.ts";
import { readFace } from "../node/src/ekyc/biometrics/face-reader.ts";
import { decodeImage } from "../node/src/ekyc/biometrics/image.ts";
import type { FaceLandmarks, FrameAnalysis } from "../node/src/ekyc/biometrics/face-model.ts";
import { mouthPatch, mouthSmile } from "../node/src/ekyc/biometrics/liveness/mouth-motion.ts";
import { loadThresholds } from "../node/src/ekyc/biometrics/matching.ts";
import { loadOnnxFaceModel } from "../node/src/ekyc/biometrics/onnx/onnx-face-model.ts";
import { ATTACK_TYPES, photoAttack, type AttackType } from "../scripts/faces/attacks.ts";
import { framesFor, stillFace } from "../scripts/faces/synthetic-frames.ts";
import { percentile, printTable, writeResults } from "./lib/report.ts";

const split = process.env.BENCH_SMILE_SPLIT === "heldout" ? "heldout" : "dev";
const PEOPLE = new Set(split === "dev" ? ["amy", "bernadette", "howard"] : ["leonard", "penny"]);
const SESSIONS = Number(process.env.BENCH_SMILE_SESSIONS ?? 6);
const loadAtStart = loadavg()[0]!;
const model = await loadOnnxFaceModel({ intraOpThreads: 1 });
const steps = ["SMILE", "TURN_LEFT", "BLINK"];
const script = { steps, promptsAtMs: [600, 1800, 3000] };
const labels = ["NEUTRAL0", "SMILE", "NEUTRAL", "TURN", "NEUTRAL", "BLINK", "NEUTRAL"];
const scores: Record<string, { landmarks: number[]; pixels: number[]; untracked: number }> = {};

/** The measure used until 2026-12-07: mouth width / eye distance and corner lift, as the change from the first frame. */
function landmarkSmile(first: FaceLandmarks, frame: FaceLandmarks): number {
  const geometry = (p: NonNullable<FaceLandmarks["points68"]>) => {
    const eyes = Math.hypot(
      (p[42]!.x + p[45]!.x - p[36]!.x - p[39]!.x) / 2,
      (p[42]!.y + p[45]!.y - p[36]!.y - p[39]!.y) / 2,
    );
    return {
      width: Math.hypot(p[54]!.x - p[48]!.x, p[54]!.y - p[48]!.y) / eyes,
      lift: ((p[51]!.y + p[57]!.y) / 2 - (p[48]!.y + p[54]!.y) / 2) / eyes,
    };
  };
  const a = geometry(first.points68!),
    b = geometry(frame.points68!);
  return b.width / a.width - 1 + (b.lift - a.lift);
}

function score(label: string, a0: FrameAnalysis | undefined, a: FrameAnalysis | undefined): void {
  if (a0?.face !== "ONE" || a?.face !== "ONE" || a0.mouth === null || a.mouth === null) return;
  const s = (scores[label] ??= { landmarks: [], pixels: [], untracked: 0 });
  s.landmarks.push(landmarkSmile(a0.landmarks, a.landmarks));
  const p = mouthSmile(a0.mouth, a.mouth);
  if (p === null) s.untracked++;
  else s.pixels.push(p);
}

const plan = { minFaceSize: 40, embed: [], passive: [] };
const development = (await listLabelledImages(DEFAULT_FACE_EVAL_DIR)).filter((i) => PEOPLE.has(i.person));
const photos = await Promise.all(development.map(async (i) => decodeImage(new Uint8Array(await readFile(i.file)))));
let session = 1;
for (const [index, img] of development.entries()) {
  const image = photos[index]!;
  const face = stillFace(image, await readFace(model, image));
  for (let k = 0; k < SESSIONS; k++) {
    const frames = framesFor(face, script, 0, { session: session++ });
    const analyses = await model.analyseFrames(
      frames.map((f) => f.image),
      plan,
    );
    analyses.forEach((a, i) => {
      if (i > 0 && labels[i] !== "TURN") score(labels[i]!, analyses[0], a);
    });
    // the attacker holds another photo of the same person; frame 1 answers the SMILE prompt
    const others = development.flatMap((o, j) => (o.person === img.person && j !== index ? [photos[j]!] : []));
    for (const type of ATTACK_TYPES.filter(
      (t): t is Exclude<AttackType, "SEQUENCE_REPLAY"> => t !== "SEQUENCE_REPLAY",
    )) {
      const attack = photoAttack(
        type,
        others[k % others.length]!,
        script,
        0,
        index * 1000 + k * 10 + ATTACK_TYPES.indexOf(type),
      );
      const read = await model.analyseFrames(
        attack.slice(0, 3).map((f) => f.image),
        plan,
      );
      score(type, read[0], read[1]);
      score(type, read[0], read[2]);
    }
  }
}
const smileAbove = loadThresholds().liveness.smileAbove;
const rows = Object.entries(scores).flatMap(([frames, s]) =>
  (["landmarks", "pixels"] as const).map((measure) => {
    const v = s[measure];
    const q = (p: number): number => percentile(v, p);
    return {
      frames,
      measure,
      n: v.length,
      min: Math.min(...v),
      p5: q(5),
      p50: q(50),
      p95: q(95),
      max: Math.max(...v),
      untracked: measure === "pixels" ? s.untracked : 0,
    };
  }),
);
printTable(`Smile separation, ${split} split (${development.length} photos x ${SESSIONS} sessions)`, rows);

// ---- cost of the new measure per frame: the patch (on the face worker) and the corners' search (main thread)
const probe = await readFace(model, photos[0]!);
const N = 200;
const t1 = performance.now();
for (let i = 0; i < N; i++) mouthPatch(photos[0]!, probe.landmarks);
const patchMs = (performance.now() - t1) / N;
const patch = mouthPatch(photos[0]!, probe.landmarks)!;
const t2 = performance.now();
for (let i = 0; i < N; i++) mouthSmile(patch, patch);
const trackMs = (performance.now() - t2) / N;
process.stdout.write(
  `\nsmileAbove ${smileAbove}; cost per frame: patch ${patchMs.toFixed(3)} ms, corners ${trackMs.toFixed(3)} ms\n` +
    `CPU: ${cpus()[0]?.model ?? "?"}; load at start ${loadAtStart.toFixed(1)}\n`,
);
writeResults(`smile-separation-${split}`, {
  split,
  sessionsPerPhoto: SESSIONS,
  smileAbove,
  rows,
  cost: { patchMsPerFrame: patchMs, cornersMsPerFrame: trackMs },
  cpu: cpus()[0]?.model ?? null,
  loadAtStart,
  note: "frames as bench:liveness makes them (synthetic-frames.ts framesFor with session variation; attacks.ts photoAttack with another photo of the same person); landmarks = the smile measure used until 2026-12-07 (fr_landmark mouth width / eye distance + corner lift), pixels = liveness/mouth-motion.ts",
});
await model.close();
