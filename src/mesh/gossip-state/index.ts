/**
 * @packageDocumentation
 *
 * Gossip state: every node publishes its own keys (`update`, `delete`) and holds everyone's,
 * `{ [peerId]: { [key]: value } }`. The libp2p driver of the pure core in src/mesh/core/gossip-state.
 *
 * - Dissemination: gossipsub topic `/fedmesh/state/1`, one message per update (src/mesh/pb/gossip-codec.ts). Messages
 *   are signed (gossipsub's default StrictSign policy). A topic validator rejects — and counts — unsigned messages,
 *   malformed ones, updates whose owner is not the message's signer (`message.from`) and keys or values over the
 *   limits; gossipsub then neither delivers nor forwards them.
 * - Order and duplicates: an update changes the view only when its version is newer than the held one for that
 *   (owner, key), so duplicates and reordered deliveries do nothing and all views converge.
 * - Flow control (gossipsub has none): writes go through a bounded, coalescing, rate-limited `PublishQueue` (sizes
 *   from the preset). `update()` waits while the queue is full. Updates are held until the topic has a subscriber; a
 *   publish that finds none (`NoPeersSubscribedToTopic`) is put back and held, and the queue looks again on every
 *   subscription change and every `holdRetryMs`.
 * - Repair: at start the view registers as keyspace `state` with the node's anti-entropy service (looked up by name,
 *   `antiEntropy` by default), so updates missed while disconnected or dropped by gossip arrive by `/fedmesh/sync`.
 *   Without that service gossip state still works, with no repair. Anti-entropy entries are not signed: repairs are
 *   trusted as far as the anti-entropy service trusts its peers (its `isVerified`).
 * - Events: `update` (DOM-style, detail a `StateChange` with `origin` local, remote or sync), or `onUpdate(cb)`.
 *
 * The gossipsub service is looked up by name (`pubsub` by default) when the service starts, so it must be in the same
 * node's `services`; the node's order of services does not matter.
 *
 * @example
 * ```TypeScript
 * import '../../util/polyfill.js'
 * import { createLibp2p } from 'libp2p'
 * import { gossipsub } from '@libp2p/gossipsub'
 * import { antiEntropy } from '../anti-entropy/index.js'
 * import { gossipState } from './index.js'
 *
 * const node = await createLibp2p({
 *   // transports, connectionEncrypters, streamMuxers, identify ...
 *   services: { pubsub: gossipsub(), antiEntropy: antiEntropy(), state: gossipState({ preset: 'small' }) }
 * })
 * node.services.state.onUpdate((change) => { console.info(change.owner, change.key, change.value) })
 * await node.services.state.update('load', { cpu: 0.3 })
 * console.info(node.services.state.all())
 * ```
 */
import { GossipState } from './gossip-state.js'
import type { GossipStateComponents, GossipStateInit } from './types.js'

export { GossipState } from './gossip-state.js'
export { fastMessageId } from './fast-message-id.js'
export type { RawGossipMessage } from './fast-message-id.js'
export { GossipStateStoppedError, InvalidGossipStateConfigError, InvalidStateKeyError } from './errors.js'
export { InvalidStateValueError, StateValueTooLargeError, GossipStateView } from '../core/gossip-state/index.js'
export type { JsonValue, StateChange, ChangeOrigin } from '../core/gossip-state/index.js'
export { TOPIC as GOSSIP_STATE_TOPIC, KEYSPACE as GOSSIP_STATE_KEYSPACE } from './constants.js'
export * as gossipStateDefaults from './constants.js'
export type { GossipStateComponents, GossipStateEvents, GossipStateInit, GossipStateStats } from './types.js'

/** The libp2p service factory: `services: { pubsub: gossipsub(), antiEntropy: antiEntropy(), state: gossipState() }`. */
export function gossipState (init: GossipStateInit = {}): (components: GossipStateComponents) => GossipState {
  return (components) => new GossipState(components, init)
}
