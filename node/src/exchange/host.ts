/**
 * The node's libp2p host: TCP, Noise, Yamux and nothing else — no discovery, relays, UPnP,
 * autoNAT, identify/ping services or DHT — so the only traffic is what kycnet dials or accepts.
 * The connection gater asks the membership gate after the Noise handshake (when the remote peer id
 * is authenticated), in both directions: a non-member's connection is dropped before any stream
 * is opened. Protocol handlers re-check per request (see record-server.ts). Every refusal is
 * reported to `onRefused` (the node logs it with the peer id and counts it), so a probing peer or
 * a member whose key rotated badly is seen, not just dropped.
 */
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { tcp } from "@libp2p/tcp";
import type {
  ConnectionGater,
  Ed25519PrivateKey,
  PeerId,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
} from "@libp2p/interface";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { createLibp2p, type Libp2p } from "libp2p";
import { ExchangeDialError, ExchangeTimeoutError } from "./errors.ts";
import type { MembershipCheck } from "./membership.ts";

export interface ExchangeHostOptions {
  readonly privateKey: Ed25519PrivateKey;
  /** Multiaddrs to listen on, e.g. ["/ip4/127.0.0.1/tcp/0"] (port 0: any free port). */
  readonly listen: readonly string[];
  readonly membership: MembershipCheck;
  /** Open connections at most (inbound + outbound). Default 64. */
  readonly maxConnections?: number;
  /** Noise + Yamux handshake deadline for inbound connections, ms. Default 5,000. */
  readonly upgradeTimeoutMs?: number;
  /** Dial deadline, ms. Default 5,000. */
  readonly dialTimeoutMs?: number;
  /** Called for each connection the gate refuses. */
  readonly onRefused?: (refusal: RefusedPeer) => void;
}

/** A connection the member gate refused after the Noise handshake authenticated the peer id. */
export interface RefusedPeer {
  readonly peerId: string;
  readonly direction: "inbound" | "outbound";
  /** not_member: no active member owns this peer id on chain; membership_unavailable: the chain could not say. */
  readonly reason: "not_member" | "membership_unavailable";
  readonly error?: unknown;
}

export interface ExchangeHost {
  readonly peerId: PeerId;
  /** Binary multihash, as published in ConsortiumRegistry. */
  readonly peerIdBytes: Uint8Array;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Listening addresses, each ending in /p2p/<peer id>. */
  multiaddrs(): Multiaddr[];
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>;
  unhandle(protocol: string): Promise<void>;
  /** Dials (or reuses a connection to) `address`, which must end in /p2p/<peer id>, and opens `protocol`. */
  openStream(address: Multiaddr, protocol: string, signal: AbortSignal): Promise<Stream>;
  /** Closes every connection whose peer is no longer an active member; returns how many. Call after invalidate(). */
  revalidateConnections(): Promise<number>;
  /** Open connections (for tests and metrics). */
  connectionCount(): number;
  /** Peers with an open connection. */
  connectedPeers(): PeerId[];
  /** Streams open on all connections (for leak checks and metrics). */
  openStreamCount(): number;
}

export function gaterFor(membership: MembershipCheck, onRefused?: (refusal: RefusedPeer) => void): ConnectionGater {
  const deniedOn =
    (direction: RefusedPeer["direction"]) =>
    async (peerId: PeerId): Promise<boolean> => {
      const peer = peerId.toString();
      try {
        if ((await membership.activeMemberOf(peerId.toMultihash().bytes)) !== null) return false;
        onRefused?.({ peerId: peer, direction, reason: "not_member" });
      } catch (error) {
        // Fail closed: a peer is let in only when the chain says it is a member.
        onRefused?.({ peerId: peer, direction, reason: "membership_unavailable", error });
      }
      return true;
    };
  return {
    denyDialPeer: async () => false,
    denyDialMultiaddr: async () => false,
    denyInboundConnection: async () => false,
    denyOutboundConnection: async () => false,
    denyInboundEncryptedConnection: deniedOn("inbound"),
    denyOutboundEncryptedConnection: deniedOn("outbound"),
    denyInboundUpgradedConnection: async () => false,
    denyOutboundUpgradedConnection: async () => false,
    filterMultiaddrForPeer: async () => true,
  };
}

export async function createExchangeHost(options: ExchangeHostOptions): Promise<ExchangeHost> {
  const node: Libp2p = await createLibp2p({
    privateKey: options.privateKey,
    start: false,
    addresses: { listen: [...options.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services: {},
    connectionGater: gaterFor(options.membership, options.onRefused),
    connectionMonitor: { enabled: false },
    connectionManager: {
      maxConnections: options.maxConnections ?? 64,
      inboundUpgradeTimeout: options.upgradeTimeoutMs ?? 5_000,
      dialTimeout: options.dialTimeoutMs ?? 5_000,
    },
  });
  const peerIdBytes = node.peerId.toMultihash().bytes;

  return {
    peerId: node.peerId,
    peerIdBytes,
    start: async () => {
      await node.start();
    },
    stop: async () => {
      await node.stop();
    },
    multiaddrs: () => node.getMultiaddrs(),
    handle: (protocol, handler, handlerOptions) => node.handle(protocol, handler, handlerOptions),
    unhandle: (protocol) => node.unhandle(protocol),
    async openStream(address, protocol, signal) {
      try {
        return await node.dialProtocol(address, protocol, { signal });
      } catch (cause) {
        if (signal.aborted) throw new ExchangeTimeoutError("opening the stream", { cause });
        throw new ExchangeDialError(address.toString(), { cause });
      }
    },
    async revalidateConnections() {
      let closed = 0;
      for (const connection of node.getConnections()) {
        if ((await options.membership.activeMemberOf(connection.remotePeer.toMultihash().bytes)) === null) {
          connection.abort(new Error("peer is no longer an active consortium member"));
          closed++;
        }
      }
      return closed;
    },
    connectionCount: () => node.getConnections().length,
    connectedPeers: () => node.getConnections().map((c) => c.remotePeer),
    openStreamCount: () => node.getConnections().reduce((n, c) => n + c.streams.length, 0),
  };
}

/** `address` with /p2p/<peerId> appended, or checked when already present. */
export function withPeerId(address: string | Multiaddr, peerId: PeerId): Multiaddr {
  const ma = typeof address === "string" ? multiaddr(address) : address;
  const present = ma
    .getComponents()
    .filter((c) => c.name === "p2p")
    .map((c) => c.value);
  if (present.length === 0) return ma.encapsulate(`/p2p/${peerId.toString()}`);
  if (present.length !== 1 || present[0] !== peerId.toString()) {
    throw new ExchangeDialError(ma.toString(), {
      cause: new Error(`address names another peer than the issuer's on-chain peer id ${peerId.toString()}`),
    });
  }
  return ma;
}
