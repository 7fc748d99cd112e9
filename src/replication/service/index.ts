/**
 * @packageDocumentation
 *
 * Multi-master replication as a libp2p service: a durable replica (src/replication/store) that every node writes
 * locally, spread by gossip, pulls and anti-entropy.
 *
 * - Gossip: each local write's delta is queued on its keyspace's topic (`/fedmesh/replication/1.0.0/<keyspace>`,
 *   keyspace = the key's first path segment when configured in `keyspaces`, else `_`). A queue publishes batches of
 *   deltas (up to 1000 or 256 KiB per message) within a token bucket (50 messages/s per topic), holds while the
 *   topic has no peer and backs off (100 ms doubling to 2 s) on `NoPeersSubscribedToTopic`; a full queue drops its
 *   oldest deltas (counted) and leaves them to pulls. Every message carries the sender's summary clock, its
 *   acknowledgement for tombstone collection; an empty message is a pure acknowledgement.
 * - Receipt: the topic validator accepts signed messages from verified peers whose sender is the signer; each
 *   delta's checksum is verified by the core, and a mismatch is refused and counted (pulls and anti-entropy then
 *   carry the good version). A gap in a sender's events triggers a pull from it.
 * - Pull (`/fedmesh/replication/1.0.0`, length-prefixed JSON frames): the caller sends its summary clock, the
 *   responder answers `getUpdatesSince(clock)` in pages of at most 256 KiB and ends with its own summary, which the
 *   caller adopts when it accepted every delta. Pulls run when a replica peer connects, every 10 s with one random
 *   peer, after a gap, and on `replicateFrom(peer)`.
 * - Anti-entropy: when the node has an `antiEntropy` service, the replica is registered with it as the keyspace
 *   `replication` (`ReplicaSyncStore`).
 * - Reset-to-known-good (`adoptFrom(peer)`, run by partition recovery on the minority side): the caller pulls the
 *   peer's whole state and, for every key whose resolved value differs from the peer's, writes the peer's value (or
 *   deletes the key) with a context covering both sides; the correction replicates like any write, so every replica
 *   converges on the peer's value rather than merging.
 * - Tombstones: every 10 s, `collectGarbage` over this node, the connected replica peers and every replica heard from
 *   in the last 2 minutes, with their latest acknowledgements (nothing is collected while a member has not
 *   acknowledged the delete).
 *
 * @example
 * ```TypeScript
 * const node = await createLibp2p({ ..., services: { pubsub: gossipsub(), replication: replication({ persistence }) } })
 * await node.services.replication.write('cart/1', ['apple'])
 * await node.services.replication.counter('visits').increment()
 * ```
 */
import { ReplicationService } from './replication-service.js'
import type { ReplicationComponents, ReplicationInit } from './types.js'

export { ReplicationService } from './replication-service.js'
export type { CounterHandle, MapHandle, RegisterHandle, SetHandle, WriteOptions } from './replication-service.js'
export type { AdoptResult, DataChange, PullResult, ReplicationComponents, ReplicationInit, ReplicationStats } from './types.js'
export { AdoptionIncompleteError, InvalidReplicationConfigError, ReplicaWithheldError, MalformedReplicationMessageError, ReplicationNotStartedError, UnverifiedReplicaError } from './errors.js'
export { PROTOCOL as REPLICATION_PROTOCOL, TOPIC_PREFIX as REPLICATION_TOPIC_PREFIX } from './constants.js'
export * as replicationDefaults from './constants.js'

/** The libp2p service factory: `services: { replication: replication() }`. */
export function replication (init: ReplicationInit = {}): (components: ReplicationComponents) => ReplicationService {
  return (components) => new ReplicationService(components, init)
}
