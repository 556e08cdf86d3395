/**
 * Why synthetic genuine sessions fail the liveness challenge, on the DEVELOPMENT split only (amy,
 * bernadette, howard: the held-out split is never looked at here). Runs `DIAG_SESSIONS` genuine
 * sessions per photo (default 6) through verifyChallenge without a frame memory (re-used frames
 * are the replay memory's question, not this one), and for each failed session prints every
 * frame's readings: the yaw change from the first frame on each model, the eyes, the smile score and
 * the state they gave. Ends with the failures counted by code.
 *   npx tsx scripts/faces/diagnose-genuine.ts
 */
import { readFile } from "node:fs/promises";
import { listLabelledImages, DEFAULT_FACE_EVAL_DIR } from "../../node/src/ekyc/biometrics/eval-set.ts";
import { readFace } from "../../node/src/ekyc/biometrics/face-reader.ts";
import { decodeImage } from "../../node/src/ekyc/biometrics/image.ts";
import { ChallengeIssuer, verifyChallenge } from "../../node/src/ekyc/biometrics/liveness/challenge.ts";
import { landmarkYaw } from "../../node/src/ekyc/biometrics/liveness/head-yaw.ts";
import { loadThresholds } from "../../node/src/ekyc/biometrics/matching.ts";
import { loadOnnxFaceModel } from "../../node/src/ekyc/biometrics/onnx/onnx-face-model.ts";
import { framesFor, stillFace } from "./synthetic-frames.ts";

const DEVELOPMENT = new Set(["amy", "bernadette", "howard"]);
const SESSIONS = Number(process.env.DIAG_SESSIONS ?? 6);
const model = await loadOnnxFaceModel({ intraOpThreads: 1 });
const thresholds = loadThresholds();
let now = Date.now();
const issuer = new ChallengeIssuer({ clock: () => now });
const counts: Record<string, number> = {};
let sessions = 0,
  failed = 0,
  session = 1;
const fmt = (v: number | null | undefined, digits = 2): string => (v == null ? "-" : v.toFixed(digits));

for (const img of (await listLabelledImages(DEFAULT_FACE_EVAL_DIR)).filter((i) => DEVELOPMENT.has(i.person))) {
  const image = await decodeImage(new Uint8Array(await readFile(img.file)));
  const face = stillFace(image, await readFace(model, image));
  for (let k = 0; k < SESSIONS; k++) {
    now += 60_000;
    const challenge = issuer.consume(issuer.create().nonce);
    const frames = framesFor(face, challenge, challenge.issuedAt + 20, { session: session++ });
    now = challenge.issuedAt + 4_500;
    const result = await verifyChallenge(model, challenge, frames, thresholds, { now });
    sessions++;
    if (result.passed) continue;
    failed++;
    for (const f of result.failures) counts[f] = (counts[f] ?? 0) + 1;
    process.stdout.write(
      `${img.file.split("/").pop()} session ${session - 1}: ${result.failures.join(",")}; ` +
        `asked ${challenge.steps.join(" ")}, saw ${result.observed.join(" ") || "nothing"}\n`,
    );
    // the per-model readings behind each frame's state
    const analyses = await model.analyseFrames(
      frames.map((f) => f.image),
      { minFaceSize: 40, embed: [], passive: [] },
    );
    const a0 = analyses[0]?.face === "ONE" ? analyses[0] : null;
    analyses.forEach((a, i) => {
      const e = result.frames[i]!;
      if (a.face !== "ONE" || a0 === null) {
        process.stdout.write(`   ${i} ${e.state}\n`);
        return;
      }
      const lyaw = landmarkYaw(a.landmarks),
        lyaw0 = landmarkYaw(a0.landmarks);
      process.stdout.write(
        `   ${i} ${e.state.padEnd(12)} dPose ${fmt(a.pose.yaw - a0.pose.yaw, 1).padStart(6)} ` +
          `dLandm ${fmt(lyaw !== null && lyaw0 !== null ? lyaw - lyaw0 : null, 1).padStart(6)} ` +
          `eyes ${fmt(a.eyes.leftOpen)}/${fmt(a.eyes.rightOpen)} smile ${fmt(e.smile, 3)} ` +
          `box ${fmt(a.box.x2 - a.box.x1, 0)}px\n`,
      );
    });
  }
}
process.stdout.write(
  `\ndevelopment split: ${failed} of ${sessions} genuine sessions failed; ${JSON.stringify(counts)}\n`,
);
await model.close();
