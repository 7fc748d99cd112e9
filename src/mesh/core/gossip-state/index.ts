/**
 * Gossip state, pure core: each node owns its keys and publishes versioned updates; every node holds the view
 * `{ [owner]: { [key]: value } }`. The view accepts only newer versions, exposes itself as an anti-entropy
 * `SyncStore`, and reports changes as records. A publish queue adds the flow control gossipsub lacks.
 *
 * @example
 * ```ts
 * const view = new GossipStateView(myPeerId)
 * const queue = new PublishQueue(MESH_PRESETS.small.publishQueue)
 * queue.offer(view.update('load', 0.3, Date.now()))
 * queue.setHasPeers(true)
 * for (const u of queue.poll(Date.now())) publish(u)
 * ```
 */
export * from './types.js'
export { GossipStateView, GOSSIP_STATE_DEFAULTS, toSyncEntry, fromSyncEntry } from './view.js'
export type { GossipStateViewOptions } from './view.js'
export { PublishQueue } from './publish-queue.js'
export type { PublishQueueOptions, OfferResult, QueueState } from './publish-queue.js'
export { MESH_PRESETS, presetFor } from './presets.js'
export type { MeshPreset, MeshPresetName, GossipsubParameters, AntiEntropyParameters } from './presets.js'
