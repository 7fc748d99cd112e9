import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { health } from '../../../src/mesh/health/index.js'
import { loopbackNode } from '../../helpers/loopback-node.js'
import type { HealthService } from '../../../src/mesh/health/index.js'
import type { Libp2p } from '@libp2p/interface'

type Node = Libp2p<{ identify: unknown, health: HealthService }>

async function healthNode (withIdentify = true): Promise<Node> {
  const node = await loopbackNode({
    ...(withIdentify ? { identify: identify() } : {}),
    health: health({ pingIntervalMs: 0, measureEventLoopLag: false })
  })
  return node as unknown as Node
}

async function waitFor (check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

describe('health service: heartbeat links without waiting for identify', () => {
  const nodes: Node[] = []
  after(async () => { await Promise.all(nodes.map(async n => n.stop())) })

  it('two nodes without identify see each other alive and connected over the streams opened on connect', async () => {
    const [a, b] = await Promise.all([healthNode(false), healthNode(false)])
    nodes.push(a, b)
    await a.dial(b.getMultiaddrs()[0] as never)
    await waitFor(() => a.services.health.statusOf(b.peerId) === 'alive' && b.services.health.statusOf(a.peerId) === 'alive', 3000, 'both alive')
    assert.equal(a.services.health.get(b.peerId)?.connected, true)
    assert.equal(b.services.health.get(a.peerId)?.connected, true)
    await waitFor(() => a.services.health.stats.heartbeatsReceived > 0 && b.services.health.stats.heartbeatsReceived > 0, 3000, 'heartbeats both ways')
  })

  it('a service started after its node connected links to the peers it already had', async () => {
    const [a, b] = await Promise.all([healthNode(), healthNode()])
    nodes.push(a, b)
    await a.services.health.stop()
    await a.dial(b.getMultiaddrs()[0] as never)
    await new Promise(resolve => setTimeout(resolve, 300))
    await a.services.health.start()
    await waitFor(() => a.services.health.statusOf(b.peerId) === 'alive' && b.services.health.statusOf(a.peerId) === 'alive', 3000, 'both alive')
    assert.equal(a.services.health.get(b.peerId)?.connected, true)
  })

  it('a peer that does not speak the protocol is not taken for a member', async () => {
    const a = await healthNode()
    const plain = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() }
    })
    nodes.push(a, plain as unknown as Node)
    await plain.dial(a.getMultiaddrs()[0] as never)
    await new Promise(resolve => setTimeout(resolve, 500))
    assert.equal(a.services.health.statusOf(plain.peerId), undefined)
    assert.equal(a.services.health.stats.streamFailures, 0, 'the refused early stream is no link failure')
  })
})
