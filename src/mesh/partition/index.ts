/**
 * @packageDocumentation
 *
 * Partition detection and recovery on a libp2p node, driving the pure `PartitionDetector`
 * (src/mesh/core/partition) from the health service's view.
 *
 * Contract: after every health tick (100 ms) the detector is re-evaluated with membership = the peers the health
 * view knows (verified peers that took part and have not left; dead ones stay members until forgotten) plus the
 * Raft voters from the pluggable `voters` source. A partition is declared once it has held for `detectAfterMs`
 * (750 ms, debouncing transient suspicions) and healed once it has been gone for `healAfterMs` (200 ms); each is
 * published as `partition:detected` / `partition:changed` / `partition:healed`. On heal the recovery plan of the
 * configured `strategy` runs: its anti-entropy actions call `syncWith(peer)` on the node's `antiEntropy` service
 * (duck-typed; skipped with a note when there is none) for every affected peer; `adopt-state` and `alert-operator`
 * are left to an operator. The episode's report (duration, side, affected nodes, divergence, resolution) is then
 * published as `partition:report` and kept in `reports()`.
 *
 * Needs the health service under the name `health`:
 *
 * @example
 * ```TypeScript
 * const node = await createLibp2p({
 *   // transports, connectionEncrypters, streamMuxers ...
 *   services: { identify: identify(), ping: ping(), health: health(), partition: partitionDetection({ strategy: 'merge' }) }
 * })
 * node.services.partition.addEventListener('partition:detected', (evt) => { console.info(evt.detail.affectedNodes) })
 * ```
 */
import { PartitionService } from './partition-service.js'
import type { PartitionComponents, PartitionInit } from './types.js'

export { PartitionService } from './partition-service.js'
export { MissingHealthServiceError } from './errors.js'
export * as partitionDefaults from './constants.js'
export type {
  HealthSource, PartitionComponents, PartitionHealedDetail, PartitionInit, PartitionServiceEvents, SyncCapable
} from './types.js'

/** The libp2p service factory: `services: { partition: partitionDetection() }` (after `health`). */
export function partitionDetection (init: PartitionInit = {}): (components: PartitionComponents) => PartitionService {
  return (components) => new PartitionService(components, init)
}
