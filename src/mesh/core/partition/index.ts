/**
 * @packageDocumentation
 * Pure partition detection over the health view and the known membership (optionally the Raft voters),
 * with recovery decisions as data and a report per episode.
 *
 * ```ts
 * const partitions = new PartitionDetector({ self: myId, strategy: 'merge' })
 * partitions.setMembers(knownPeers)
 * for (const e of partitions.update(healthView, now)) {
 *   if (e.type === 'healed') runPlan(e.plan)   // e.g. anti-entropy with the affected nodes at once
 * }
 * partitions.current()  // { partitioned, type, affectedNodes, since }
 * ```
 */
export { PartitionDetector } from './partition-detector.js'
export { recoveryPlan } from './recovery.js'
export { buildPartitionReport, mergeDivergence } from './report.js'
export type { PartitionEpisode } from './report.js'
export { DEFAULT_PARTITION_OPTIONS } from './constants.js'
export { PartitionedError, UnknownPartitionError } from './errors.js'
export type {
  PartitionDetectorOptions, PartitionEvent, PartitionReport, PartitionResolution, PartitionState, PartitionStats,
  PartitionType, RecoveryAction, RecoveryPlan, RecoveryStrategy, StatusSource, SubsystemDivergence
} from './types.js'
