import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { createFederationNode, newPreSharedKey } from '../../../src/index.js'
import type { FederationNode } from '../../../src/index.js'

let dir = ''
const nodes: FederationNode[] = []
async function node (name: string, extra: Parameters<typeof createFederationNode>[0] = {}): Promise<FederationNode> {
  const n = await createFederationNode({ dataDir: join(dir, name), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, ...extra })
  await n.start()
  nodes.push(n)
  return n
}
async function metric (n: FederationNode, pattern: string): Promise<number> {
  const m = new RegExp(`^${pattern} (\\d+)$`, 'm').exec(await n.metrics.render())
  return Number(m?.[1] ?? 0)
}
async function settle (): Promise<void> { await new Promise(resolve => setTimeout(resolve, 300)) }

describe('verified peers', () => {
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'fedmesh-verify-')) })
  after(async () => {
    await Promise.all(nodes.map(async n => n.stop()))
    await rm(dir, { recursive: true, force: true })
  })

  it('a peer with another pre-shared key is refused at the connection and counted', async () => {
    const key = newPreSharedKey()
    const a = await node('psk-a', { psk: key })
    const same = await node('psk-same', { psk: key })
    await same.libp2p.dial(multiaddr(a.addresses()[0] as string))
    assert.equal(a.status().peers.find(p => p.peerId === same.peerId.toString())?.verified, true)

    const other = await node('psk-other', { psk: newPreSharedKey() })
    await assert.rejects(other.libp2p.dial(multiaddr(a.addresses()[0] as string), { signal: AbortSignal.timeout(5_000) }))
    const none = await node('psk-none')
    await assert.rejects(none.libp2p.dial(multiaddr(a.addresses()[0] as string), { signal: AbortSignal.timeout(5_000) }))
    await settle()
    assert.ok(!a.status().peers.some(p => p.peerId === other.peerId.toString() || p.peerId === none.peerId.toString()))
    // A different key (or none) garbles the handshake: libp2p counts failed inbound upgrades by error name.
    const text = (await a.metrics.render()).split('\n').filter(l => l.startsWith('libp2p_connection_manager_dials_inbound_errors_total')).join('\n')
    const failed = [...text.matchAll(/ (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0)
    assert.ok(failed >= 2, `the PSK node counted both refusals: ${text}`)
  })

  it('a peer outside the allowlist is refused in both directions and counted', async () => {
    const friend = await node('allow-friend')
    const stranger = await node('allow-stranger')
    const a = await node('allow-a', { allow: [friend.peerId.toString()] })
    await friend.libp2p.dial(multiaddr(a.addresses()[0] as string))
    // The dialer may see its dial complete a moment before the allowlisting side closes it.
    await stranger.libp2p.dial(multiaddr(a.addresses()[0] as string), { signal: AbortSignal.timeout(5_000) }).catch(() => {})
    await assert.rejects(a.libp2p.dial(multiaddr(stranger.addresses()[0] as string), { signal: AbortSignal.timeout(5_000) }))
    await settle()
    assert.equal(stranger.libp2p.getConnections(a.peerId).length, 0, 'the stranger holds no connection to the allowlisting node')
    const s = a.status()
    assert.equal(s.peers.find(p => p.peerId === friend.peerId.toString())?.verified, true)
    assert.ok(!s.peers.some(p => p.peerId === stranger.peerId.toString() && p.connected))
    assert.ok(await metric(a, 'fedmesh_connections_refused_total\\{reason="allowlist"\\}') >= 2)
  })
})
