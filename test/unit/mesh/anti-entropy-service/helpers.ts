import '../../../../src/util/polyfill.js'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { MESH_PRESETS } from '../../../../src/mesh/core/gossip-state/index.js'
import type { Libp2p, PrivateKey, ServiceMap } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'

type ServiceFactories<T extends ServiceMap> = NonNullable<Libp2pOptions<T>['services']>

export interface TestNodeOptions {
  /** Add gossipsub as `pubsub` (tuned as the node composition does: small preset, no IP colocation penalty). */
  pubsub?: boolean
  privateKey?: PrivateKey
}

/** A real libp2p node on loopback TCP with Noise, yamux and identify, plus the given services. */
export async function createTestNode<T extends ServiceMap> (services: ServiceFactories<T>, options: TestNodeOptions = {}): Promise<Libp2p<T & { identify: unknown }>> {
  const all: Record<string, unknown> = { identify: identify() }
  if (options.pubsub === true) {
    all.pubsub = gossipsub({ ...MESH_PRESETS.small.gossipsub, scoreParams: { IPColocationFactorWeight: 0 }, allowPublishToZeroTopicPeers: false, emitSelf: false })
  }
  Object.assign(all, services)
  return createLibp2p<T & { identify: unknown }>({
    ...(options.privateKey != null ? { privateKey: options.privateKey } : {}),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 1000 },
    services: all as unknown as ServiceFactories<T & { identify: unknown }>
  })
}

export async function connect (a: Libp2p, b: Libp2p): Promise<void> {
  await a.dial(b.getMultiaddrs()[0] as never)
}

/** Resolves when `check` holds (polled), rejects after `ms`. */
export async function waitFor (check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
