/**
 * @packageDocumentation
 *
 * fedmesh: a peer-to-peer federation mesh on js-libp2p.
 *
 * @example
 * ```ts
 * import { createFederationNode } from 'fedmesh'
 *
 * const peers = new Set<string>()
 * const node = await createFederationNode({ dataDir: './data', listen: ['/ip4/127.0.0.1/tcp/0'] })
 * await node.start()
 * node.addEventListener('peer:connect', (evt) => { peers.add(evt.detail.toString()) })
 * await node.stop()
 * ```
 */
import './util/polyfill.js'

export { createFederationNode, DataDirInUseError } from './node/create-node.js'
export { FederationNode, NodeStateError } from './node/federation-node.js'
export type { FederationNodeEvents, NodeStatus, PeerStatus, PeerDiscoveryDetail } from './node/federation-node.js'
export { ConfigError, parseNodeOptions, defaultDataDir } from './node/config.js'
export type { FederationNodeOptions, ResolvedNodeOptions } from './node/config.js'
export { MESH_PRESETS } from './mesh/core/gossip-state/index.js'
export { newPreSharedKey, InvalidPreSharedKeyError } from './discovery/verification.js'
export type { DiscoverySource } from './discovery/peer-directory.js'
export { VERSION } from './node/version.js'
