import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { plaintext } from '@libp2p/plaintext'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { fedmeshBin, LocalMesh } from '../../../src/node/local-mesh.js'
import type { NodeStatus } from '../../../src/node/federation-node.js'

async function status (api: string): Promise<NodeStatus> {
  const res = await fetch(`${api}/v1/status`)
  assert.equal(res.status, 200)
  return await res.json() as NodeStatus
}

async function waitFor (what: string, fn: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await fn()) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  assert.fail(`timed out waiting for ${what}`)
}

function cli (args: string[], opts: { input?: string } = {}): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [fedmeshBin(), ...args], { encoding: 'utf8', timeout: 20_000, input: opts.input })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('fedmesh nodes as real processes', () => {
  let mesh: LocalMesh

  before(async () => {
    mesh = await LocalMesh.start({ nodes: 3 })
  })

  after(async () => {
    await mesh?.stop()
  })

  it('three nodes started through the CLI connect to each other', async () => {
    const ids = mesh.nodes.map(n => n.peerId)
    await waitFor('a full mesh of 3', async () => {
      const all = await Promise.all(mesh.nodes.map(async n => status(n.api)))
      return all.every((s, i) => ids.filter((_, j) => j !== i).every(id => s.peers.some(p => p.peerId === id && p.connected)))
    })
    const s = await status(mesh.node(1).api)
    const first = s.peers.find(p => p.peerId === mesh.node(0).peerId)
    assert.ok(first?.discoveredBy.includes('bootstrap'), 'node 2 found node 1 through bootstrap')
    assert.equal(first?.verified, true)
  })

  it('a restarted node keeps its peer id and rejoins', async () => {
    const before = mesh.node(2)
    assert.equal(await mesh.signal(2, 'SIGTERM'), 0, 'SIGTERM stops the node gracefully with exit code 0')
    const again = await mesh.spawnNode(2, ['--bootstrap', mesh.node(0).addresses[0] as string])
    assert.equal(again.peerId, before.peerId)
    await waitFor('the restarted node to reconnect', async () => (await status(again.api)).peers.some(p => p.connected))
  })

  it('a libp2p node that offers only plaintext cannot connect', async () => {
    const intruder = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [plaintext()],
      streamMuxers: [yamux()],
      connectionGater: { denyDialMultiaddr: () => false }
    })
    try {
      const target = multiaddr(mesh.node(0).addresses[0] as string)
      await assert.rejects(intruder.dial(target, { signal: AbortSignal.timeout(5_000) }))
      assert.equal(intruder.getConnections().length, 0)
      const s = await status(mesh.node(0).api)
      assert.ok(!s.peers.some(p => p.peerId === intruder.peerId.toString()), 'the fedmesh node never saw the plaintext peer')
    } finally {
      await intruder.stop()
    }
  })

  it('the HTTP API answers 404, 405, 400 and 413 as JSON errors', async () => {
    const api = mesh.node(0).api
    const notFound = await fetch(`${api}/v1/nothing-here`)
    assert.equal(notFound.status, 404)
    assert.deepEqual(Object.keys(await notFound.json() as object).sort(), ['error', 'message'])
    const wrongMethod = await fetch(`${api}/v1/status`, { method: 'DELETE' })
    assert.equal(wrongMethod.status, 405)
    assert.equal((await wrongMethod.json() as { error: string }).error, 'MethodNotAllowed')
    const bad = await fetch(`${api}/v1/status/%E0%A4%A`)
    assert.equal(bad.status, 400)
    assert.equal((await bad.json() as { error: string }).error, 'MalformedRequest')
    const big = await fetch(`${api}/v1/state/x`, { method: 'PUT', body: new Uint8Array(2 * 1024 * 1024) })
    assert.equal(big.status, 413)
    assert.equal((await big.json() as { error: string }).error, 'BodyTooLarge')
    const health = await fetch(`${api}/healthz`)
    assert.equal(health.status, 200)
    const metrics = await (await fetch(`${api}/metrics`)).text()
    assert.match(metrics, /^fedmesh_peers_connected \d+$/m)
    assert.match(metrics, /^libp2p_connection_manager_connections\{/m)
  })

  it('gossip state set through one node\'s API is seen through the others', async () => {
    const put = await fetch(`${mesh.node(0).api}/v1/state/load`, { method: 'PUT', body: '{"cpu":0.3}' })
    assert.equal(put.status, 200)
    await waitFor('the update on every node', async () => {
      const views = await Promise.all(mesh.nodes.map(async n => await (await fetch(`${n.api}/v1/state`)).json() as Record<string, Record<string, unknown>>))
      return views.every(v => JSON.stringify(v[mesh.node(0).peerId]?.load) === '{"cpu":0.3}')
    })
    const bad = await fetch(`${mesh.node(0).api}/v1/state/load`, { method: 'PUT', body: '{nope' })
    assert.equal(bad.status, 400)
  })

  it('fedmesh status and peers print what the API says', () => {
    const api = mesh.node(0).api.replace('http://', '')
    const peers = cli(['peers', '--api', api])
    assert.equal(peers.code, 0, peers.stderr)
    assert.match(peers.stdout, /DISCOVERED BY/)
    assert.ok(peers.stdout.includes(mesh.node(1).peerId))
    const st = cli(['status', '--api', api, '--json'])
    assert.equal(st.code, 0, st.stderr)
    assert.equal((JSON.parse(st.stdout) as NodeStatus).peerId, mesh.node(0).peerId)
  })
})

describe('fedmesh CLI errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedmesh-cli-'))
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('a bad flag value exits 2 naming the flag', () => {
    const r = cli(['start', '--data-dir', join(dir, 'a'), '--listen', 'not-a-multiaddr'])
    assert.equal(r.code, 2)
    assert.match(r.stderr.trim(), /^fedmesh: --listen \(listen\[0\]\): expected a multiaddr/)
    assert.equal(r.stderr.trim().split('\n').length, 1)
  })

  it('a bad config file field exits 2 naming the field', () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ listen: ['/ip4/127.0.0.1/tcp/0'], raftExpect: 'three' }))
    const r = cli(['start', '--config', file, '--data-dir', join(dir, 'b')])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--raft-expect: expected a whole number/)
    writeFileSync(file, JSON.stringify({ lisen: [] }))
    const r2 = cli(['start', '--config', file])
    assert.equal(r2.code, 2)
    assert.match(r2.stderr, /unknown field "lisen"/)
    const r3 = cli(['start', '--bootstrap', '/ip4/127.0.0.1/tcp/4001'])
    assert.equal(r3.code, 2)
    assert.match(r3.stderr, /--bootstrap \(bootstrap\[0\]\): expected a multiaddr with a peer id/)
  })

  it('unknown commands and flags exit 2; --help exits 0', () => {
    assert.equal(cli(['frobnicate']).code, 2)
    assert.equal(cli(['start', '--frob']).code, 2)
    for (const c of ['start', 'status', 'peers', 'demo', 'psk', 'kv', 'data', 'raft']) {
      const r = cli([c, '--help'])
      assert.equal(r.code, 0, `${c} --help`)
      assert.match(r.stdout, /Usage: fedmesh/)
    }
  })

  it('fedmesh psk prints a key that start accepts, and a malformed key file exits 2', () => {
    const r = cli(['psk'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}\n$/)
    const bad = join(dir, 'bad.key')
    writeFileSync(bad, 'not a key')
    const s = cli(['start', '--psk', bad, '--data-dir', join(dir, 'c')])
    assert.equal(s.code, 2)
    assert.match(s.stderr, /--psk: expected the first line/)
  })

  it('a client command with no node to reach exits 1', () => {
    const r = cli(['status', '--api', '127.0.0.1:1'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /cannot reach the node API/)
  })
})
