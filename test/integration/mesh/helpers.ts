import '../../../src/util/polyfill.js'
import { antiEntropy } from '../../../src/mesh/anti-entropy/index.js'
import { gossipState } from '../../../src/mesh/gossip-state/index.js'
import { createTestNode } from '../../unit/mesh/anti-entropy-service/helpers.js'
import type { AntiEntropy, AntiEntropyInit } from '../../../src/mesh/anti-entropy/index.js'
import type { GossipState, GossipStateInit } from '../../../src/mesh/gossip-state/index.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

export { connect, waitFor } from '../../unit/mesh/anti-entropy-service/helpers.js'

export type MeshNode = Libp2p<{ state: GossipState, antiEntropy: AntiEntropy, pubsub: GossipSub, identify: unknown }>

export interface MeshNodeOptions {
  state?: GossipStateInit
  antiEntropy?: AntiEntropyInit
  privateKey?: PrivateKey
}

/** A node composed as the federation node composes one: gossipsub as `pubsub`, anti-entropy, gossip state. */
export async function createMeshNode (options: MeshNodeOptions = {}): Promise<MeshNode> {
  const node = await createTestNode({
    antiEntropy: antiEntropy(options.antiEntropy),
    state: gossipState(options.state)
  }, { pubsub: true, privateKey: options.privateKey })
  return node as unknown as MeshNode
}
