import { SYNC_DEFAULTS } from '../anti-entropy/session.js'
import type { PublishQueueOptions } from './publish-queue.js'

/** Gossipsub mesh parameters (names as in @libp2p/gossipsub's options). Invariants: Dout < Dlo <= D <= Dhi,
 * Dout <= D / 2, Dscore <= D. */
export interface GossipsubParameters {
  D: number
  Dlo: number
  Dhi: number
  Dlazy: number
  Dscore: number
  Dout: number
  heartbeatInterval: number
  fanoutTTL: number
}

/** Session options (see `SyncSessionOptions`) plus how often to start a session. */
export interface AntiEntropyParameters {
  /** Pause between anti-entropy sessions, each with one peer. */
  intervalMs: number
  branching: number
  itemThreshold: number
  maxMessageBytes: number
  maxItemsPerMessage: number
  maxTurns: number
}

export interface MeshPreset {
  name: MeshPresetName
  gossipsub: GossipsubParameters
  publishQueue: PublishQueueOptions
  antiEntropy: AntiEntropyParameters
}

export type MeshPresetName = 'small' | 'large'

/**
 * `small` (3 to 5 nodes): every peer is in the mesh (D = 4 covers all of a 5-node mesh), a faster heartbeat
 * repairs the mesh sooner, a generous publish rate since few publishers share each subscriber, and frequent
 * anti-entropy (cheap at this size).
 * `large` (100+ nodes): a wider mesh degree for resilience, the default heartbeat, and a per-node publish rate low
 * enough that 100 publishers stay below what one subscriber can verify (about 1,400 signed msg/s measured here);
 * anti-entropy less often since each round reconciles with one peer and differences spread epidemically.
 */
export const MESH_PRESETS: Readonly<Record<MeshPresetName, Readonly<MeshPreset>>> = Object.freeze({
  small: Object.freeze({
    name: 'small',
    gossipsub: Object.freeze({ D: 4, Dlo: 2, Dhi: 6, Dlazy: 2, Dscore: 2, Dout: 1, heartbeatInterval: 500, fanoutTTL: 30_000 }),
    publishQueue: Object.freeze({ capacity: 1024, ratePerSecond: 100, burst: 50 }),
    antiEntropy: Object.freeze({ intervalMs: 5_000, ...SYNC_DEFAULTS })
  }),
  large: Object.freeze({
    name: 'large',
    gossipsub: Object.freeze({ D: 8, Dlo: 6, Dhi: 12, Dlazy: 8, Dscore: 4, Dout: 3, heartbeatInterval: 1_000, fanoutTTL: 60_000 }),
    publishQueue: Object.freeze({ capacity: 4096, ratePerSecond: 10, burst: 20 }),
    antiEntropy: Object.freeze({ intervalMs: 30_000, ...SYNC_DEFAULTS })
  })
})

/** The preset for a mesh of about `expectedNodes` nodes: `small` up to 20, `large` beyond. */
export function presetFor (expectedNodes: number): Readonly<MeshPreset> {
  return expectedNodes <= 20 ? MESH_PRESETS.small : MESH_PRESETS.large
}
