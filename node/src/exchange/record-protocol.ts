/**
 * Framing of `/kycnet/record/1.0.0`: one request and one response per stream, each a single
 * varint-length-prefixed JSON message (messages.ts). This file holds what both sides share: reading
 * one bounded message under an AbortSignal and writing one message; the serving side is
 * record-server.ts, the requesting side record-client.ts.
 */
import type { Stream } from "@libp2p/interface";
import { lpStream, type LengthPrefixedStream } from "@libp2p/utils";

export { RECORD_PROTOCOL } from "./messages.ts";

/** Why reading one message failed, in terms both sides map to a status or an error. */
export type ReadFailure = "TOO_LARGE" | "TIMEOUT" | "CLOSED" | "MALFORMED";

export class FrameReadError extends Error {
  constructor(
    readonly failure: ReadFailure,
    options: { cause?: unknown } = {},
  ) {
    super(`record protocol frame: ${failure}`, options);
  }
}

/** A length-prefixed view of `stream` that refuses frames over `maxBytes` before buffering them. */
export function framed(stream: Stream, maxBytes: number): LengthPrefixedStream<Stream> {
  // The read buffer bound keeps a peer that floods the stream from growing memory: an overflow
  // aborts the stream (the only case the peer gets no answer: it did not wait for one).
  return lpStream(stream, { maxDataLength: maxBytes, maxBufferSize: Math.max(64 * 1024, maxBytes + 16) });
}

export async function readFrame(lp: LengthPrefixedStream<Stream>, signal: AbortSignal): Promise<Uint8Array> {
  try {
    return (await lp.read({ signal })).subarray();
  } catch (cause) {
    if (signal.aborted) throw new FrameReadError("TIMEOUT", { cause });
    const name = (cause as { name?: string }).name ?? "";
    if (name === "InvalidDataLengthError") throw new FrameReadError("TOO_LARGE", { cause });
    if (name === "InvalidDataLengthLengthError" || name === "InvalidMessageLengthError")
      throw new FrameReadError("MALFORMED", { cause });
    throw new FrameReadError("CLOSED", { cause });
  }
}
