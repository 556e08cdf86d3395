/**
 * Back-pressure for the heavy routes (image uploads, the decision): at most `max` of them in flight;
 * the next one is refused at once with 503 SERVER_BUSY and Retry-After instead of queueing. Memory
 * stays bounded (uploads are buffered whole) and the light routes (status reads, health) stay fast
 * while the pipeline is saturated. Routes opt in with `config.heavy: true`.
 */
import type { FastifyRequest } from "fastify";
import { ApiError } from "./errors.ts";
import type { ApiInstance } from "./route-context.ts";

const HOLDS = Symbol("kycnet.heavySlot");

export interface InFlightGauge {
  readonly inFlight: number;
  readonly max: number;
}

export function registerBackpressure(app: ApiInstance, max: number): InFlightGauge {
  let inFlight = 0;
  const release = (request: FastifyRequest) => {
    const r = request as FastifyRequest & { [HOLDS]?: boolean };
    if (r[HOLDS]) {
      r[HOLDS] = false;
      inFlight--;
    }
  };
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config.heavy !== true) return;
    if (inFlight >= max)
      throw new ApiError("SERVER_BUSY", `the node is processing ${max} heavy requests; retry shortly`);
    inFlight++;
    (request as FastifyRequest & { [HOLDS]?: boolean })[HOLDS] = true;
  });
  // A slot is given back exactly once, whether the request completed or the client went away.
  app.addHook("onResponse", async (request) => release(request));
  app.addHook("onRequestAbort", async (request) => release(request));
  return {
    get inFlight() {
      return inFlight;
    },
    max,
  };
}
