import '../../../../src/util/polyfill.js'
import { identify } from '@libp2p/identify'
import { loopbackNode, meshGossipsub } from '../../../helpers/loopback-node.js'
import type { ServiceFactories } from '../../../helpers/loopback-node.js'
import type { Libp2p, PrivateKey, ServiceMap } from '@libp2p/interface'

export interface TestNodeOptions {
  /** Add gossipsub as `pubsub` (tuned as the node composition does: small preset, no IP colocation penalty). */
  pubsub?: boolean
  privateKey?: PrivateKey
}

/** A real libp2p node on loopback TCP with Noise, yamux and identify, plus the given services. */
export async function createTestNode<T extends ServiceMap> (services: ServiceFactories<T>, options: TestNodeOptions = {}): Promise<Libp2p<T & { identify: unknown }>> {
  const all: Record<string, unknown> = { identify: identify() }
  if (options.pubsub === true) all.pubsub = meshGossipsub()
  Object.assign(all, services)
  return await loopbackNode<T & { identify: unknown }>(all as unknown as ServiceFactories<T & { identify: unknown }>, options.privateKey != null ? { privateKey: options.privateKey } : {})
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
