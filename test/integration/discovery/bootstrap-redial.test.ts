import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, describe, it } from 'node:test'
import { LocalMesh } from '../../../src/node/local-mesh.js'
import type { NodeStatus } from '../../../src/node/federation-node.js'

async function freePort (): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => { resolve(port) })
    })
  })
}

async function connectedTo (api: string, peer: string): Promise<boolean> {
  try {
    const s = await (await fetch(`${api}/v1/status`)).json() as NodeStatus
    return s.peers.some(p => p.peerId === peer && p.connected)
  } catch { return false }
}

describe('bootstrap redial', () => {
  let mesh: LocalMesh | undefined
  after(async () => { await mesh?.stop() })

  it('a node redials its bootstrap peer after that peer restarts', async () => {
    const port = await freePort()
    const fixed = ['--listen', `/ip4/127.0.0.1/tcp/${port}`]
    mesh = await LocalMesh.start({ nodes: 2, args: (i) => i === 0 ? fixed : [] })
    const boot = mesh.node(0)
    const bootAddr = boot.addresses.find(a => a.includes(`/tcp/${port}/`)) as string
    assert.ok(bootAddr != null, 'the bootstrap node listens on the fixed port')
    const joiner = await mesh.spawnNode(2, ['--bootstrap', bootAddr])
    const deadline = (ms: number): number => Date.now() + ms
    let until = deadline(10_000)
    while (!await connectedTo(joiner.api, boot.peerId)) { assert.ok(Date.now() < until, 'joined'); await new Promise(resolve => setTimeout(resolve, 100)) }

    assert.equal(await mesh.signal(0, 'SIGTERM'), 0)
    await new Promise(resolve => setTimeout(resolve, 1_500))
    const again = await mesh.spawnNode(0, [])
    assert.equal(again.peerId, boot.peerId)
    until = deadline(20_000)
    const t0 = Date.now()
    while (!await connectedTo(joiner.api, boot.peerId)) { assert.ok(Date.now() < until, 'the joiner redialed the restarted bootstrap node'); await new Promise(resolve => setTimeout(resolve, 100)) }
    console.log(`# reconnected ${Date.now() - t0} ms after the bootstrap node was ready again`)
  })
})
