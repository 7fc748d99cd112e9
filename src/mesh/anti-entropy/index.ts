/**
 * @packageDocumentation
 *
 * `/fedmesh/sync/1.0.0`: anti-entropy between two peers, the libp2p driver of the pure core in
 * src/mesh/core/anti-entropy. Several keyspaces share the protocol: `register(name, store)` makes a `SyncStore`
 * reconcilable under a name, and the first frame of every stream names the keyspace.
 *
 * Wire: length-prefixed frames (`lpStream`, at most `maxFrameBytes`, 1 MiB by default). The initiator sends the
 * keyspace name (UTF-8, 1 to 128 bytes) and the first turn of a `SyncSession`; then both sides send the encoded
 * `SyncMessage`s (src/mesh/pb/sync.proto) their sessions return, apply the entries they receive through the store's
 * own merge rule, and close their write end once their session is done. A responder that will not take part answers
 * with an empty frame followed by a reason (`busy`, `unknown-keyspace`, `unverified`) and closes; an empty frame is
 * never a session message. A malformed or oversized frame, or a message the session rejects, resets the stream and
 * is counted in `stats.malformed`; the service keeps serving. An interrupted session leaves applied entries applied,
 * so the next one moves only the remaining differences.
 *
 * When sessions run: when a peer that speaks the protocol connects, and every `intervalMs` (±25 % jitter) with up to
 * `peersPerRound` random peers. On both occasions the side with the smaller peer id starts, so a link gets one
 * session, not two. `syncWith(peer)` starts one at once from either side (e.g. when a partition heals). Sessions
 * with one peer on one keyspace never overlap: a responder already in one refuses as `busy`, and `syncWith` waits
 * for a running session before starting its own and retries a `busy` refusal.
 *
 * Trust: entries travel unsigned and the XOR fingerprints are not collision resistant, so sessions are for peers
 * that trust each other; pass `isVerified` to keep them to verified members.
 *
 * @example
 * ```TypeScript
 * import '../../util/polyfill.js'
 * import { createLibp2p } from 'libp2p'
 * import { MemorySyncStore } from '../core/anti-entropy/index.js'
 * import { antiEntropy } from './index.js'
 *
 * const node = await createLibp2p({
 *   // transports, connectionEncrypters, streamMuxers, identify ...
 *   services: { antiEntropy: antiEntropy({ preset: 'small' }) }
 * })
 * const store = new MemorySyncStore()
 * node.services.antiEntropy.register('inventory', store, { onApplied: (entries) => { console.info(entries.length) } })
 * await node.services.antiEntropy.syncWith(otherPeerId, 'inventory')
 * ```
 */
import { AntiEntropy } from './anti-entropy.js'
import type { AntiEntropyComponents, AntiEntropyInit } from './types.js'

export { AntiEntropy } from './anti-entropy.js'
export {
  AntiEntropyStoppedError, InvalidAntiEntropyConfigError, InvalidKeyspaceError, MalformedSyncError, SyncRefusedError,
  UnknownKeyspaceError, UnverifiedPeerError
} from './errors.js'
export { PROTOCOL as ANTI_ENTROPY_PROTOCOL } from './constants.js'
export * as antiEntropyDefaults from './constants.js'
export type { AntiEntropyComponents, AntiEntropyInit, AntiEntropyStats, KeyspaceOptions, SyncOptions, SyncResult } from './types.js'

/** The libp2p service factory: `services: { antiEntropy: antiEntropy() }`. */
export function antiEntropy (init: AntiEntropyInit = {}): (components: AntiEntropyComponents) => AntiEntropy {
  return (components) => new AntiEntropy(components, init)
}
