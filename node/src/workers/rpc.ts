/**
 * Calls into a worker thread that serves named async methods. For work that would block the
 * event loop: onnxruntime-node runs an inference on the calling thread, so a model run on the
 * main thread stalls every other request (HTTP, the tesseract.js workers waiting for their next
 * line) for its whole duration. The MRZ reader and the face model each get a worker of their own.
 *
 * The worker loads (models, sessions) and then says it is ready, with whatever the caller should
 * know (model info). Answers come back by request id. Typed errors cross as plain data
 * (name, code, message, details) and the caller rebuilds its own error classes from them. When
 * the worker dies, the calls in flight fail and the next call starts a new worker.
 *
 * Not `piscina` (5.3.2), measured against it with one worker each (minThreads = maxThreads = 1,
 * idleTimeout Infinity), Node 22, 2 shared cores:
 * - overhead per call (echo of a small object, 3,000 calls): 23 µs here vs 48 µs (atomics "sync")
 *   or 40 µs ("disabled") one after another; 9 µs vs 74 / 47 µs 3,000 at once;
 * - a real call (face model on a 150 × 150 eval photo): the same within the machine's noise
 *   (detect 12 / 22 ms here vs 10 / 18 ms, embed 95 / 153 ms vs 89 / 156 ms, two runs), and the
 *   same memory with the models loaded (process RSS 191–218 MB vs 206–216 MB over four runs);
 * - errors: a KycnetError thrown in a task arrives as a plain Error without code or details, so
 *   the wire-error step below would stay anyway;
 * - no ready handshake: a pool has no start that waits for the models and returns their info; a
 *   failed load only rejects the first task (after 622 ms in the probe), where start() here fails
 *   the node at start-up with the typed load error;
 * - a crash: both fail the task in flight and start a new worker.
 * Its real strengths (many threads, a task queue) are not wanted: each model set gets exactly one
 * worker because each holds its models (≈ 110–130 MB for the face model) in memory.
 */
import { parentPort, Worker, workerData } from "node:worker_threads";
import { isKycnetError } from "@kycnet/sdk/errors";

export interface WireError {
  name: string;
  code: string | null;
  message: string;
  details: Record<string, unknown>;
}

interface Request {
  id: number;
  method: string;
  args: unknown[];
}

type Reply =
  | { kind: "ready"; info: unknown }
  | { kind: "failed"; error: WireError }
  | { kind: "result"; id: number; value: unknown }
  | { kind: "error"; id: number; error: WireError };

export function toWireError(error: unknown): WireError {
  if (isKycnetError(error))
    return { name: error.name, code: error.code, message: error.message, details: { ...error.details } };
  if (error instanceof Error) return { name: error.name, code: null, message: error.message, details: {} };
  return { name: "Error", code: null, message: String(error), details: {} };
}

/** Served methods; each declares its own parameters (checked by the proxy that calls it). */
export type Methods = Record<string, (...args: never[]) => Promise<unknown>>;

/** Worker side: runs `load` with the worker's data, then answers calls to the methods it returns. */
export async function serveRpc<Options>(
  load: (options: Options) => Promise<{ info: unknown; methods: Methods }>,
): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error("serveRpc must run in a worker thread");
  let served: { info: unknown; methods: Methods };
  try {
    served = await load(workerData as Options);
  } catch (error) {
    port.postMessage({ kind: "failed", error: toWireError(error) } satisfies Reply);
    return;
  }
  port.on("message", (request: Request) => {
    const method = Object.hasOwn(served.methods, request.method) ? served.methods[request.method] : undefined;
    const answer =
      method === undefined
        ? Promise.reject(new Error(`no method ${request.method}`))
        : Promise.resolve().then(() => (method as (...args: unknown[]) => Promise<unknown>)(...request.args));
    answer.then(
      (value) => port.postMessage({ kind: "result", id: request.id, value } satisfies Reply),
      (error: unknown) =>
        port.postMessage({ kind: "error", id: request.id, error: toWireError(error) } satisfies Reply),
    );
  });
  port.postMessage({ kind: "ready", info: served.info } satisfies Reply);
}

export interface RpcWorkerOptions {
  /** What the worker's `load` receives (structured-cloneable). */
  workerData?: unknown;
  /** Turns an error from the worker (a failed load or call) into the caller's typed error. */
  rebuild(error: WireError): Error;
  /** The error for calls lost because the worker died. */
  lost(reason: string): Error;
  /** The error for calls after `close()`. */
  closed(): Error;
}

/**
 * The worker runs our TypeScript through tsx, as the main thread does. Only that loader is passed:
 * a worker refuses process-wide options (V8 flags, --title) its parent may have been started with.
 */
const WORKER_EXEC_ARGV = ["--import", import.meta.resolve("tsx")];

/** Caller side of one worker serving the methods of `entry` (a module that calls `serveRpc`). */
export class RpcWorker<Info> {
  readonly #entry: URL;
  readonly #options: RpcWorkerOptions;
  #worker: Promise<Worker> | null = null;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #closed = false;
  #info: Info | undefined;

  private constructor(entry: URL, options: RpcWorkerOptions) {
    this.#entry = entry;
    this.#options = options;
  }

  /** Starts the worker and waits until it is ready (rejects with the rebuilt load error). */
  static async start<Info>(entry: URL, options: RpcWorkerOptions): Promise<RpcWorker<Info>> {
    const rpc = new RpcWorker<Info>(entry, options);
    await rpc.#spawn();
    return rpc;
  }

  /** What the worker said when it became ready. */
  get info(): Info {
    return this.#info as Info;
  }

  /** `transfer`: buffers in `args` to move to the worker instead of copying (they are detached here). */
  async call<T>(method: string, args: unknown[], transfer: readonly ArrayBuffer[] = []): Promise<T> {
    if (this.#closed) throw this.#options.closed();
    const worker = await this.#spawn();
    if (this.#closed) throw this.#options.closed(); // closed while the worker was starting
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.ref(); // keeps the process alive while an answer is due
      try {
        worker.postMessage({ id, method, args } satisfies Request, [...transfer]);
      } catch (error) {
        // e.g. a DataCloneError: the call fails, the worker stays up
        this.#pending.delete(id);
        if (this.#pending.size === 0) worker.unref();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    for (const call of this.#pending.values()) call.reject(this.#options.closed());
    this.#pending.clear();
    if (worker !== null) await (await worker.catch(() => null))?.terminate();
  }

  #spawn(): Promise<Worker> {
    this.#worker ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(this.#entry, { execArgv: WORKER_EXEC_ARGV, workerData: this.#options.workerData });
      let ready = false;
      worker.on("message", (reply: Reply) => {
        switch (reply.kind) {
          case "ready":
            ready = true;
            this.#info = reply.info as Info;
            // An idle worker does not keep the process alive: a script that forgets close() still ends.
            worker.unref();
            resolve(worker);
            return;
          case "failed":
            this.#worker = null;
            reject(this.#options.rebuild(reply.error));
            void worker.terminate();
            return;
          case "result":
          case "error": {
            const call = this.#pending.get(reply.id);
            if (call === undefined) return;
            this.#pending.delete(reply.id);
            if (this.#pending.size === 0) worker.unref();
            if (reply.kind === "result") call.resolve(reply.value);
            else call.reject(this.#options.rebuild(reply.error));
          }
        }
      });
      const lost = (reason: string): void => {
        if (this.#closed) return;
        this.#worker = null;
        if (!ready) reject(this.#options.lost(`${reason} before it was ready`));
        for (const call of this.#pending.values()) call.reject(this.#options.lost(reason));
        this.#pending.clear();
      };
      worker.on("error", (error) => lost(`crashed: ${error.message}`));
      worker.on("exit", (code) => lost(`exited with code ${code}`));
    });
    return this.#worker;
  }
}
