import '../../../src/util/polyfill.js'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { MESH_PRESETS } from '../../../src/mesh/core/gossip-state/index.js'
import { replication } from '../../../src/replication/service/index.js'
import type { ReplicationInit, ReplicationService } from '../../../src/replication/service/index.js'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

export type ReplicaNode = Libp2p<{ replication: ReplicationService, pubsub?: unknown, identify: unknown, antiEntropy?: unknown }>

export interface ReplicaNodeOptions {
  /** Add gossipsub as `pubsub` (default true). */
  pubsub?: boolean
  /** Extra services (e.g. antiEntropy). */
  services?: Record<string, unknown>
  /** The node's identity (to restart "the same" node). */
  privateKey?: PrivateKey
}

/** A real libp2p node on loopback TCP with Noise, yamux, identify, gossipsub (tuned as the node does) and replication. */
export async function createReplicaNode (init: ReplicationInit = {}, options: ReplicaNodeOptions = {}): Promise<ReplicaNode> {
  const services: Record<string, unknown> = { identify: identify(), ...options.services }
  if (options.pubsub !== false) {
    services.pubsub = gossipsub({ ...MESH_PRESETS.small.gossipsub, scoreParams: { IPColocationFactorWeight: 0 }, allowPublishToZeroTopicPeers: false, emitSelf: false })
  }
  services.replication = replication(init)
  const node = await createLibp2p({
    ...(options.privateKey != null ? { privateKey: options.privateKey } : {}),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 1000 },
    services: services as never,
    start: false
  })
  return node as unknown as ReplicaNode
}

export async function connect (a: Libp2p, b: Libp2p): Promise<void> {
  await a.dial(b.getMultiaddrs()[0] as never)
}

/** Resolves when `check` holds (polled), rejects after `ms`. */
export async function waitFor (check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
