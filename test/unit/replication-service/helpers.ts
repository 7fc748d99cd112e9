import '../../../src/util/polyfill.js'
import { identify } from '@libp2p/identify'
import { replication } from '../../../src/replication/service/index.js'
import { loopbackNode, meshGossipsub } from '../../helpers/loopback-node.js'
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
  if (options.pubsub !== false) services.pubsub = meshGossipsub()
  services.replication = replication(init)
  const node = await loopbackNode(services as never, { ...(options.privateKey != null ? { privateKey: options.privateKey } : {}), start: false })
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
