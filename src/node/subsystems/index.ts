/** The subsystems a federation node composes, in order (later ones may use earlier ones' services). */
import { gossipStateSubsystem } from './gossip-state.js'
import { healthSubsystem } from './health.js'
import { replicationSubsystem } from './replication.js'
import { raftSubsystem } from './raft.js'
import type { Subsystem } from './types.js'

export const SUBSYSTEMS: Subsystem[] = [gossipStateSubsystem, healthSubsystem, raftSubsystem, replicationSubsystem]
