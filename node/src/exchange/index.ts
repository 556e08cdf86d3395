/** Member-only record exchange over libp2p: the public surface the node's composition root wires. */
export { createExchangeHost, gaterFor, withPeerId, type ExchangeHost, type ExchangeHostOptions } from "./host.ts";
export { loadOrCreatePeerKey, peerKeyFile, identityOf, PEER_KEY_RECORD_ID, type PeerIdentity, type PeerKeyStorage } from "./identity.ts";
export { createMembershipWatcher, type MembershipWatcher, type MembershipWatcherOptions } from "./membership-watcher.ts";
export { createMembershipGate, type MembershipCheck, type MembershipGateOptions } from "./membership.ts";
export {
  createRecordServer, type OpenedRecord, type RecordServer, type RecordServerOptions, type RecordSource, type ServedEvent, type SourceRecord,
} from "./record-server.ts";
export { createRecordClient, peerIdOfMember, type FetchRecordInput, type FetchedRecord, type RecordClient, type RecordClientOptions } from "./record-client.ts";
export { RECORD_PROTOCOL, RECORD_STATUSES, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, type RecordStatus } from "./messages.ts";
export * from "./errors.ts";
