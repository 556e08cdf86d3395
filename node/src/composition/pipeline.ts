/**
 * The eKYC pipeline's engines: the document reader (OCR engines loaded once), the face model on its
 * worker thread, the national-ID registry client and the sanctions lists. Each may be supplied instead.
 */
import { readFile } from "node:fs/promises";
import type { NodeConfig } from "../config.ts";
import { startWorkerFaceModel, type FaceModel } from "../ekyc/biometrics/index.ts";
import { HttpNationalIdRegistry } from "../ekyc/checks/national-id/http-adapter.ts";
import type { NationalIdRegistry } from "../ekyc/checks/national-id/port.ts";
import type { SanctionsList } from "../ekyc/checks/sanctions/port.ts";
import { loadSanctions, type LoadedSanctions } from "./sanctions.ts";
import {
  createDocumentEngines,
  readDocument,
  type DocumentImages,
  type DocumentResult,
} from "../ekyc/document/index.ts";
import { loadTrustStore, type CscaTrustStore } from "../ekyc/document/chip/index.ts";
import type { Logger } from "../observability/logger.ts";
import type { Startup } from "./startup.ts";

export type DocumentReader = (images: DocumentImages) => Promise<DocumentResult>;

/** Pipeline engines a test (or an unusual deployment) may supply instead of building them from config. */
export interface PipelineOverrides {
  readonly faceModel?: FaceModel;
  readonly registry?: NationalIdRegistry;
  readonly sanctions?: SanctionsList | null;
  readonly readDocument?: DocumentReader;
}

export interface PipelineEngines {
  readonly readDocument: DocumentReader;
  readonly faceModel: FaceModel;
  readonly registry: NationalIdRegistry;
  /** null when no list is configured: decisions then say SANCTIONS_NOT_SCREENED. */
  readonly sanctions: SanctionsList | null;
  /** The lists as loaded from the configured files (null when supplied by `overrides` or none configured). */
  readonly sanctionsFromFiles: LoadedSanctions | null;
  /** The CSCA trust list for chip verification; null when none is configured (level 1 only). */
  readonly chipTrust: CscaTrustStore | null;
}

export async function openPipelineEngines(
  config: NodeConfig,
  overrides: PipelineOverrides,
  startup: Startup,
  logger: Logger,
): Promise<PipelineEngines> {
  const readDocumentWith = overrides.readDocument ?? (await openDocumentReader(startup));
  // The node's own model runs on a worker thread so inferences never stall the event loop.
  const faceModel = overrides.faceModel ?? (await startup.step("face model", () => startWorkerFaceModel()));
  if (overrides.faceModel === undefined) startup.onClose(() => faceModel.close());
  const registry = overrides.registry ?? (await openRegistry(config, startup));
  const loaded = overrides.sanctions !== undefined ? null : await loadSanctions(config, startup);
  const sanctions = overrides.sanctions !== undefined ? overrides.sanctions : (loaded?.list ?? null);
  if (sanctions === null) logger.warn("no sanctions list loaded: every decision will say SANCTIONS_NOT_SCREENED");
  const chipTrust = await loadChipTrust(config, startup);
  if (chipTrust === null) logger.warn("no chip trust list configured: chip uploads are refused, level 1 only");
  return { readDocument: readDocumentWith, faceModel, registry, sanctions, sanctionsFromFiles: loaded, chipTrust };
}

/** Loaded once at start: a broken list stops the node (CHIP_TRUST_LIST_INVALID) rather than refusing every chip later. */
async function loadChipTrust(config: NodeConfig, startup: Startup): Promise<CscaTrustStore | null> {
  const chip = config.chip;
  if (chip === undefined) return null;
  return startup.step("chip trust list", async () => {
    const store = await loadTrustStore(chip.trustList);
    for (const crl of chip.crls ?? []) await loadTrustStore(crl, store);
    return store;
  });
}

/** The registry's HTTP client; its TLS files are read here, so a missing one stops the start naming it. */
async function openRegistry(config: NodeConfig, startup: Startup): Promise<NationalIdRegistry> {
  const { url, deadlineMs, tls } = config.registry;
  return startup.step("registry client", async () => {
    const read = async (setting: string, file: string | undefined) =>
      file === undefined ? {} : { [setting]: await readFile(file) };
    const files =
      tls === undefined
        ? undefined
        : {
            ...(await read("ca", tls.caFile)),
            ...(await read("cert", tls.certFile)),
            ...(await read("key", tls.keyFile)),
          };
    return new HttpNationalIdRegistry({ baseUrl: url, deadlineMs, ...(files === undefined ? {} : { tls: files }) });
  });
}

async function openDocumentReader(startup: Startup): Promise<DocumentReader> {
  const engines = await startup.step("document engines", () => createDocumentEngines());
  startup.onClose(() => engines.close());
  return (images) => readDocument(images, { engines });
}
