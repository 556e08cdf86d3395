/**
 * The registry's side of the face question (seed 003 §2.4): it holds a face template of each
 * citizen's photo and compares a portrait the bank sends with it, answering only MATCH or
 * MISMATCH, so the photo never leaves the registry. Shared by the in-memory fake and the simulator
 * so both give the same answers; the face model is given (the node's `FaceModel`, the real ONNX
 * model in tests).
 *
 * Threshold: a registry answers yes or no, with no human review band, so it takes the biometrics
 * stage's calibrated accept threshold (thresholds.json, `match.accept` = 0.39 on the eval set:
 * FMR 0/250 impostor pairs, normal-fit aim 0.01 %; FNMR 2/50 genuine pairs). A false MATCH would
 * lift an impostor to level 2, a false MISMATCH only sends a customer to review, so the false-match
 * side sets it. Seed 003's "> 95 %" is the registry's accuracy claim, not a score: read as 95 on
 * the seed's 0-100 scale (similarity 0.695) it would refuse 56 % of the eval set's genuine pairs
 * (FNMR at 0.70, `kycnet face calibrate ../shared/eval/faces`).
 */
import { isKycnetError } from "@kycnet/sdk/errors";
import { cosineSimilarity, loadThresholds, readFace, type FaceModel } from "../../biometrics/index.ts";
import type { FaceOutcome } from "./citizen.ts";

export interface CitizenPhotosOptions {
  /** Cosine similarity at or above which the faces are the same person (default: thresholds.json accept). */
  threshold?: number;
}

export interface CitizenPhotosStats {
  /** Portraits compared with a held photo, and how many of them matched. */
  readonly compared: number;
  readonly matched: number;
}

export class CitizenPhotos {
  readonly #model: FaceModel;
  readonly #threshold: number;
  readonly #templates = new Map<string, Float32Array>();
  #compared = 0;
  #matched = 0;

  constructor(model: FaceModel, options: CitizenPhotosOptions = {}) {
    const threshold = options.threshold ?? loadThresholds().match.accept;
    if (!Number.isFinite(threshold) || threshold <= 0 || threshold >= 1)
      throw new RangeError("threshold must be in (0, 1)");
    this.#model = model;
    this.#threshold = threshold;
  }

  get threshold(): number {
    return this.#threshold;
  }

  /** Files (or replaces) the photo of a citizen, by 12-digit id; the photo must show one face. */
  async enrol(idNumber: string, photo: Uint8Array): Promise<void> {
    const reading = await readFace(this.#model, photo);
    this.#templates.set(idNumber, reading.embedding);
  }

  /** Forgets a citizen's photo: portraits sent for them are then not compared (NO_PHOTO). */
  remove(idNumber: string): void {
    this.#templates.delete(idNumber);
  }

  /**
   * Compares a portrait with the citizen's photo. A portrait in which no single face can be read
   * cannot be confirmed, so it is a MISMATCH, never a pass.
   */
  async compare(idNumber: string, portrait: Uint8Array): Promise<FaceOutcome> {
    const template = this.#templates.get(idNumber);
    if (template === undefined) return "NO_PHOTO";
    let embedding: Float32Array;
    try {
      embedding = (await readFace(this.#model, portrait)).embedding;
    } catch (error) {
      if (!isKycnetError(error)) throw error;
      this.#compared++;
      return "MISMATCH";
    }
    this.#compared++;
    const same = cosineSimilarity(template, embedding) >= this.#threshold;
    if (same) this.#matched++;
    return same ? "MATCH" : "MISMATCH";
  }

  stats(): CitizenPhotosStats {
    return { compared: this.#compared, matched: this.#matched };
  }
}
