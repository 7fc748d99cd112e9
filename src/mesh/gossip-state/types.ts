import type { GossipStateView, MeshPresetName, PublishQueueOptions, StateChange } from '../core/gossip-state/index.js'
import type { ComponentLogger, Metrics, PeerId } from '@libp2p/interface'

export interface GossipStateInit {
  /** @default '/fedmesh/state/1' */
  topic?: string
  /** Source of the publish-queue defaults. @default 'small' */
  preset?: MeshPresetName
  /** Overrides of the preset's queue: capacity, ratePerSecond, burst. */
  publishQueue?: Partial<PublishQueueOptions>
  /** Largest value (JSON, UTF-8) accepted, locally or from peers. @default 65536 */
  maxValueBytes?: number
  /** Longest key (UTF-8) accepted, locally or from peers. @default 256 */
  maxKeyBytes?: number
  /** Name of the gossipsub service among the node's services. @default 'pubsub' */
  pubsubService?: string
  /**
   * Name of the anti-entropy service to register the view with (keyspace `keyspace`); when the node has no service
   * of that name, gossip state runs without repair. `false` never looks. @default 'antiEntropy'
   */
  antiEntropyService?: string | false
  /** @default 'state' */
  keyspace?: string
  /** A view to continue from (e.g. the one a stopped node held); its owner must be this node's peer id. */
  view?: GossipStateView
  /** While updates are held after a publish found no topic peer, how often to look again (ms). @default 1000 */
  holdRetryMs?: number
}

/** What the service needs from libp2p; the pubsub and anti-entropy services are looked up by name at start. */
export interface GossipStateComponents {
  peerId: PeerId
  logger: ComponentLogger
  metrics?: Metrics
  [service: string]: unknown
}

export interface GossipStateEvents {
  /** A change of the view: local writes, updates by gossip (`remote`) and repairs by anti-entropy (`sync`). */
  update: CustomEvent<StateChange>
}

export interface GossipStateStats {
  /** Local writes (updates and deletes). */
  localUpdates: number
  /** Gossip messages published; publishes that found no topic peer (the update was put back and held); other
   * publish failures (the update is left to anti-entropy). */
  published: number
  requeued: number
  publishFailures: number
  /** Times `update`/`delete` waited for room in the full publish queue. */
  backpressureWaits: number
  /** Gossip updates that changed the view, and those that did not (duplicates or older versions). */
  received: number
  duplicates: number
  /** Entries anti-entropy repaired into the view. */
  repaired: number
  /** Gossip messages the topic validator rejected, by reason. */
  rejectedMalformed: number
  rejectedForgedOwner: number
  rejectedOversized: number
  rejectedUnsigned: number
}
