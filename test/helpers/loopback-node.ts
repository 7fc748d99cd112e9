/**
 * A real libp2p node for tests: TCP on loopback with Noise and yamux (the links every fedmesh node uses) and the
 * given services; no discovery, so tests dial each other themselves.
 */
import '../../src/util/polyfill.js'
import { gossipsub } from '@libp2p/gossipsub'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { MESH_PRESETS } from '../../src/mesh/core/gossip-state/index.js'
import type { Libp2p, ServiceMap } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'

export type ServiceFactories<T extends ServiceMap> = NonNullable<Libp2pOptions<T>['services']>

export async function loopbackNode<T extends ServiceMap> (services: ServiceFactories<T>, extra: Partial<Libp2pOptions<T>> = {}): Promise<Libp2p<T>> {
  return await createLibp2p<T>({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 1000 },
    ...extra,
    services
  })
}

/** Gossipsub tuned as the node composition does: small preset, no IP colocation penalty, no self delivery. */
export function meshGossipsub (): ReturnType<typeof gossipsub> {
  return gossipsub({ ...MESH_PRESETS.small.gossipsub, scoreParams: { IPColocationFactorWeight: 0 }, allowPublishToZeroTopicPeers: false, emitSelf: false })
}
