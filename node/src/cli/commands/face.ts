/**
 * `kycnet face compare <a> <b> [--json]`: one face per image, cosine similarity, three-band decision.
 * `kycnet face calibrate <dir> [--json]`: genuine/impostor scores over a folder of per-person
 * sub-folders, the ROC/threshold table and the thresholds the calibration rule picks.
 * Exit codes (exit-codes.ts): compare exits 0 on "accept", 1 on "review" or "reject"; a bad image
 * (no face, several, unreadable) is bad input (2); missing models are the environment (3).
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { FaceError } from "../../ekyc/biometrics/errors.ts";
import { loadOnnxFaceModel } from "../../ekyc/biometrics/onnx/onnx-face-model.ts";
import { readFace, type FaceReading } from "../../ekyc/biometrics/face-reader.ts";
import { cosineSimilarity } from "../../ekyc/biometrics/geometry.ts";
import { loadThresholds, matchBand, seedScore } from "../../ekyc/biometrics/matching.ts";
import { allPairs, listLabelledImages } from "../../ekyc/biometrics/eval-set.ts";
import { calibrate } from "../../ekyc/biometrics/calibration.ts";
import type { FaceModel } from "../../ekyc/biometrics/face-model.ts";
import { answer } from "../exit-codes.ts";
import { printJson, progress, progressDone, renderTable } from "../output.ts";

async function readOne(model: FaceModel, file: string, label: string): Promise<FaceReading> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new InvalidArgumentError(label, `cannot read ${file}`, { cause });
  }
  try {
    return await readFace(model, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    if (error instanceof FaceError && error.code !== "FACE_MODEL_UNAVAILABLE" && error.code !== "FACE_MODEL_CLOSED") {
      throw new InvalidArgumentError(label, `${error.code}: ${error.message} (${file})`, { cause: error });
    }
    throw error;
  }
}

function describe(r: FaceReading): Record<string, unknown> {
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    box: { x1: round(r.box.x1), y1: round(r.box.y1), x2: round(r.box.x2), y2: round(r.box.y2) },
    detectionScore: Math.round(r.box.score * 1000) / 1000,
    image: { width: r.image.width, height: r.image.height, sha256: r.bytesSha256 },
  };
}

export function register(program: Command): void {
  const face = program.command("face").description("face matching with the pinned ONNX models");

  face
    .command("compare <imageA> <imageB>")
    .description("similarity and accept/review/reject decision for the faces in two images")
    .option("--json", "machine-readable output")
    .action(async (a: string, b: string, opts: { json?: boolean }) => {
      const model = await loadOnnxFaceModel();
      try {
        const t = loadThresholds();
        const ra = await readOne(model, a, "imageA");
        const rb = await readOne(model, b, "imageB");
        const similarity = cosineSimilarity(ra.embedding, rb.embedding);
        const out = {
          similarity: Math.round(similarity * 10000) / 10000,
          decision: matchBand(similarity, t.match),
          score: seedScore(similarity, t.match),
          thresholds: t.match,
          model: { id: model.info.id, version: model.info.version },
          faces: { a: describe(ra), b: describe(rb) },
        };
        if (opts.json) printJson(out);
        else process.stdout.write(`similarity ${out.similarity}  score ${out.score}/100  decision ${out.decision}\n`);
        answer(out.decision === "accept");
      } finally {
        await model.close();
      }
    });

  face
    .command("calibrate <dir>")
    .description("ROC/threshold table over a folder with one sub-folder of images per person")
    .option("--json", "machine-readable output")
    .action(async (dir: string, opts: { json?: boolean }) => {
      let images;
      try {
        images = await listLabelledImages(dir);
      } catch (cause) {
        throw new InvalidArgumentError("dir", `cannot list ${dir}`, { cause });
      }
      if (images.length < 3)
        throw new InvalidArgumentError("dir", "needs per-person sub-folders with at least 3 images in all");
      const model = await loadOnnxFaceModel();
      try {
        const embeddings: Array<Float32Array | null> = [];
        const failures: string[] = [];
        for (const [i, img] of images.entries()) {
          progress(`face calibrate: ${i + 1}/${images.length} images`);
          try {
            embeddings.push((await readOne(model, img.file, "image")).embedding);
          } catch (error) {
            embeddings.push(null);
            failures.push(`${img.file}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        progressDone();
        const pairs = allPairs(images).flatMap((p) => {
          const ea = embeddings[p.a],
            eb = embeddings[p.b];
          return ea && eb ? [{ genuine: p.genuine, similarity: cosineSimilarity(ea, eb) }] : [];
        });
        const c = calibrate(pairs);
        if (opts.json) {
          printJson({ ...c, detectionFailures: failures, committed: loadThresholds().match });
          return;
        }
        const rows = c.table.map((r) => ({ threshold: r.threshold.toFixed(2), FMR: pct(r.fmr), FNMR: pct(r.fnmr) }));
        process.stdout.write(`${renderTable(rows, ["threshold", "FMR", "FNMR"])}\n`);
        process.stdout.write(
          `pairs: ${c.genuine.count} genuine, ${c.impostor.count} impostor; detection failures: ${failures.length}\n` +
            `genuine  mean ${c.genuine.mean.toFixed(3)} sd ${c.genuine.sd.toFixed(3)} min ${c.genuine.min.toFixed(3)}\n` +
            `impostor mean ${c.impostor.mean.toFixed(3)} sd ${c.impostor.sd.toFixed(3)} max ${c.impostor.max.toFixed(3)}\n` +
            `chosen: accept >= ${c.accept} (FMR ${pct(c.fmrAtAccept)}, FNMR ${pct(c.fnmrAtAccept)}), ` +
            `review >= ${c.review} (FMR ${pct(c.fmrAtReview)}, FNMR ${pct(c.fnmrAtReview)})\n` +
            `committed thresholds.json: accept ${loadThresholds().match.accept}, review ${loadThresholds().match.review}\n`,
        );
        for (const f of failures) process.stderr.write(`detection failure: ${f}\n`);
      } finally {
        await model.close();
      }
    });
}

const pct = (v: number) => (Number.isNaN(v) ? "n/a" : `${(v * 100).toFixed(1)} %`);
