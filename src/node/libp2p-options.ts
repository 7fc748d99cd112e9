/**
 * The libp2p composition of a federation node: TCP, Noise as the only encrypter, yamux, identify,
 * ping, gossipsub tuned for local meshes, discovery services, Prometheus metrics, a LevelDB
 * datastore. Every fedmesh subsystem is a service in `services`, so an app with its own libp2p node
 * can add the same factories to its own configuration instead.
 */
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { bootstrapRedial } from '../discovery/bootstrap-redial.js'
import { MESH_PRESETS } from '../mesh/core/gossip-state/index.js'
import { fastMessageId } from '../mesh/gossip-state/index.js'
import { dnsDiscovery } from '../discovery/dns/index.js'
import { peerExchange } from '../discovery/peer-exchange/index.js'
import { leanNoise } from './lean-noise.js'
import { lazyWindowUpdates } from './lazy-window-updates.js'
import type { ResolvedNodeOptions } from './config.js'
import type { PeerDirectory } from '../discovery/peer-directory.js'
import type { Verification, RefusalReason } from '../discovery/verification.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import type { Libp2pOptions, ServiceFactoryMap } from 'libp2p'
import type { Registry } from 'prom-client'

export const NODE_NAME = 'fedmesh'

export interface Libp2pOptionsInput {
  options: ResolvedNodeOptions
  privateKey: PrivateKey
  datastore: Datastore
  registry: Registry
  verification: Verification
  peers: PeerDirectory
  version: string
  onRefused(peer: PeerId, reason: RefusalReason): void
}

function isLoopback (addr: string): boolean {
  return addr.startsWith('/ip4/127.') || addr.startsWith('/ip6/::1/')
}

/**
 * Announce only what other hosts can reach: loopback addresses are dropped unless the node
 * listens on loopback alone.
 */
export function reachableAddresses<T extends { toString(): string }> (addrs: T[]): T[] {
  const external = addrs.filter(a => !isLoopback(a.toString()))
  return external.length > 0 ? external : addrs
}

export function buildLibp2pOptions (input: Libp2pOptionsInput): Libp2pOptions<Record<string, unknown>> {
  const { options, verification } = input
  const services: ServiceFactoryMap<Record<string, unknown>> = {
    identify: identify({ protocolPrefix: 'ipfs' }),
    // The connection monitor pings on the same protocol; room for it and for our own RTT probes.
    ping: ping({ protocolPrefix: 'ipfs', maxInboundStreams: 8, maxOutboundStreams: 8 }),
    pubsub: gossipsub({
      // Mesh degree and heartbeat per preset (small: 3-5 nodes, large: 100+).
      ...MESH_PRESETS[options.gossipPreset].gossipsub,
      // Duplicates are dropped before their signature is checked.
      fastMsgIdFn: fastMessageId,
      // One host may run many nodes: colocation scoring would otherwise starve their meshes.
      scoreParams: { IPColocationFactorWeight: 0 },
      allowPublishToZeroTopicPeers: false,
      emitSelf: false
    })
  }
  if (options.mdns.enabled) {
    services.mdns = mdns({ serviceTag: options.mdns.tag, interval: options.mdns.intervalMs })
  }
  if (options.bootstrap.length > 0) {
    // Validated: every entry has a /p2p/ component.
    const list = options.bootstrap.map(a => multiaddr(a).toString())
    services.bootstrap = bootstrap({ list, timeout: 0 })
    services.bootstrapRedial = bootstrapRedial({ list })
  }
  if (options.dnsSrv != null) {
    services.dns = dnsDiscovery({ name: options.dnsSrv.name, ...(options.dnsSrv.server != null ? { server: options.dnsSrv.server } : {}) })
  }
  services.exchange = peerExchange({
    // Background rounds repair what the exchange on connect missed (e.g. a busy peer timing out).
    interval: options.gossipPreset === 'small' ? 10_000 : 60_000,
    minConnections: options.connections.min,
    maxConnections: options.connections.max,
    // Share and accept only peers this node has verified.
    isVerified: (peer) => input.peers.isVerified(peer) && verification.isAllowed(peer)
  })
  const protector = verification.protector()
  return {
    privateKey: input.privateKey,
    datastore: input.datastore,
    nodeInfo: { name: NODE_NAME, version: input.version },
    addresses: {
      listen: options.listen,
      announceFilter: reachableAddresses
    },
    transports: [tcp()],
    connectionEncrypters: [leanNoise(noise())],
    streamMuxers: [lazyWindowUpdates(yamux())],
    ...(protector != null ? { connectionProtector: protector } : {}),
    connectionGater: {
      // Loopback and private addresses are where local meshes live.
      denyDialMultiaddr: () => false,
      ...verification.gater(input.onRefused)
    },
    connectionManager: {
      maxConnections: options.connections.max,
      // A local mesh of many nodes on one host would hit the default of 5 per second per IP.
      inboundConnectionThreshold: 1_000,
      maxIncomingPendingConnections: 64,
      dialTimeout: 10_000
    },
    connectionMonitor: { pingInterval: 5_000 },
    metrics: prometheusMetrics({
      registry: input.registry,
      collectDefaultMetrics: true,
      // @libp2p/prometheus-metrics keeps metric objects in one module-wide map; clearing it here
      // gives each node in a process its own metric objects in its own registry (it also clears
      // prom-client's global default registry, which fedmesh does not use).
      preserveExistingMetrics: false,
      statfsLocation: options.dataDir
    }),
    services,
    start: false
  }
}
