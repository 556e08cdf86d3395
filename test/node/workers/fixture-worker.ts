/** A worker for rpc.test.ts: echoes, fails with a typed error, or dies, as asked. */
import { KycnetError } from "@kycnet/sdk/errors";
import { serveRpc } from "../../../node/src/workers/rpc.ts";

await serveRpc(async (options: { failLoad?: boolean; greeting: string }) => {
  if (options.failLoad === true)
    throw new KycnetError<string>("FIXTURE_LOAD_FAILED", "could not load", { details: { why: "asked to" } });
  return {
    info: { greeting: options.greeting },
    methods: {
      echo: async (value: unknown) => value,
      fail: async (code: string) => {
        throw new KycnetError<string>(code, "failed as asked", { details: { code } });
      },
      die: async () => process.exit(3),
      slow: async (ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)),
    },
  };
});
