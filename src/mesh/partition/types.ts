import type {
  PartitionReport, PartitionState, RecoveryPlan, RecoveryStrategy, StatusSource
} from '../core/partition/index.js'
import type { AbortOptions, ComponentLogger, Metrics, PeerId, TypedEventTarget } from '@libp2p/interface'

export interface PartitionInit {
  /** What to do with diverged state when a partition heals. @default 'merge' */
  strategy?: RecoveryStrategy
  /** @default 750 */
  detectAfterMs?: number
  /** @default 200 */
  healAfterMs?: number
  /** On the quorum side, this many unreachable members make a `majority` partition. @default 2 */
  majoritySideMinUnreachable?: number
  /** Keep serving local requests on the minority side. @default false */
  serveLocalWhilePartitioned?: boolean
  /** Finished reports kept. @default 32 */
  maxReports?: number
  /** Each recovery action may take this long (ms). @default 30000 */
  recoveryTimeoutMs?: number
  /**
   * The Raft voter set, read on every evaluation (keep it cheap); undefined when there is none. Voters count as
   * members, and a partition is also declared when the reachable voters are not a quorum.
   */
  voters?: () => Iterable<string> | undefined
}

/** The health service as the partition service reads it (the `health` service of this node). */
export interface HealthSource extends TypedEventTarget<{ tick: CustomEvent<number> }> {
  readonly view: StatusSource & { peers(): Array<{ peer: string }> }
  peerIdOf(peer: string): PeerId
}

/** The anti-entropy service as recovery uses it (duck-typed: any service with this method). */
export interface SyncCapable {
  syncWith(peer: PeerId, keyspace?: string, options?: AbortOptions): Promise<unknown>
}

/**
 * The replication service as reset-to-known-good recovery uses it (duck-typed): makes this node take the peer's
 * state and resolves with the number of keys it reset.
 */
export interface StateAdopter {
  adoptFrom(peer: PeerId, options?: AbortOptions): Promise<{ keys: number }>
}

export interface PartitionComponents {
  peerId: PeerId
  logger: ComponentLogger
  metrics?: Metrics
  /** The health service (a service named `health`; required, checked at start). */
  health?: HealthSource
  /** The anti-entropy service, when the node has one (a service named `antiEntropy`). */
  antiEntropy?: SyncCapable
  /** The replication service, when the node has one (a service named `replication`). */
  replication?: StateAdopter
}

export interface PartitionHealedDetail {
  episode: number
  durationMs: number
  plan: RecoveryPlan
}

export interface PartitionServiceEvents {
  'partition:detected': CustomEvent<PartitionState>
  'partition:changed': CustomEvent<PartitionState>
  'partition:healed': CustomEvent<PartitionHealedDetail>
  /** A healed episode's recovery has run; its report. */
  'partition:report': CustomEvent<PartitionReport>
}
