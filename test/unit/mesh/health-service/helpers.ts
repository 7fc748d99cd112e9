import '../../../../src/util/polyfill.js'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { health } from '../../../../src/mesh/health/index.js'
import { partitionDetection } from '../../../../src/mesh/partition/index.js'
import { loopbackNode } from '../../../helpers/loopback-node.js'
import type { HealthInit, HealthService, PeerHealthEventDetail } from '../../../../src/mesh/health/index.js'
import type { PartitionInit, PartitionService } from '../../../../src/mesh/partition/index.js'
import type { Libp2p } from '@libp2p/interface'

export type HealthNode = Libp2p<{ identify: unknown, ping: unknown, health: HealthService, partition: PartitionService }>

export interface HealthNodeOptions {
  health?: HealthInit
  partition?: PartitionInit
  /** Extra services (e.g. a stand-in `antiEntropy`). */
  services?: Record<string, unknown>
}

/** A real libp2p node on loopback TCP (Noise, yamux, identify, ping) with the health and partition services. */
export async function createHealthNode (options: HealthNodeOptions = {}): Promise<HealthNode> {
  const node = await loopbackNode({
    identify: identify(),
    ping: ping(),
    ...options.services,
    health: health(options.health),
    partition: partitionDetection(options.partition)
  } as never)
  return node as unknown as HealthNode
}

/** A plain libp2p node (identify only) for playing a misbehaving peer. */
export async function createPlainNode (): Promise<Libp2p<{ identify: unknown }>> {
  return loopbackNode({ identify: identify() })
}

export async function connect (a: Libp2p, b: Libp2p): Promise<void> {
  await a.dial(b.getMultiaddrs()[0] as never)
}

/** Resolves when `check` holds (polled every 10 ms), rejects after `ms`. */
export async function waitFor (check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Records the service's health events. */
export function recordEvents (service: HealthService): PeerHealthEventDetail[] {
  const out: PeerHealthEventDetail[] = []
  for (const type of ['joined', 'alive', 'suspect', 'dead', 'left'] as const) {
    service.addEventListener(type, (evt) => { out.push(evt.detail) })
  }
  return out
}

/** Every node sees every other as alive. */
export function allAlive (nodes: HealthNode[]): boolean {
  return nodes.every(n => nodes.every(m => m === n || n.services.health.statusOf(m.peerId) === 'alive'))
}
