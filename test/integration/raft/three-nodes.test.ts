import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LocalMesh } from '../../../src/node/local-mesh.js'
import { alive, byPeer, get, put, raftStatus, waitFor, waitForLeader } from './helpers.js'

const SNAPSHOT_THRESHOLD = 20

describe('Raft: a 3-node cluster of real processes', () => {
  let mesh: LocalMesh
  let leader: string
  const acknowledged = new Map<string, string>()
  /** The killed leader's last log index just before the kill. */
  let victimLastIndex = 0

  before(async () => {
    mesh = await LocalMesh.start({ nodes: 3, args: () => ['--raft-expect', '3'], env: { FEDMESH_RAFT_SNAPSHOT_THRESHOLD: String(SNAPSHOT_THRESHOLD), DEBUG: 'fedmesh:raft*' } })
  })

  after(async () => {
    await mesh?.stop()
  })

  it('forms exactly one cluster of 3 voters with --raft-expect 3', async () => {
    leader = await waitForLeader(mesh.nodes, 3)
    const all = await Promise.all(mesh.nodes.map(async n => raftStatus(n)))
    const voters = all[0]?.voters
    assert.deepEqual(voters, mesh.nodes.map(n => n.peerId).sort())
    for (const s of all) assert.deepEqual(s?.voters, voters)
    assert.equal(all.filter(s => s?.role === 'leader').length, 1)
  })

  it('accepts writes through every node, with revisions, CAS and linearizable reads', async () => {
    for (const n of mesh.nodes) {
      const res = await put(n, `k${n.index}`, `v${n.index}`)
      assert.equal(res.status, 200, await res.clone().text())
      const body = await res.json() as { revision: number }
      assert.equal(res.headers.get('etag'), `"${body.revision}"`)
      acknowledged.set(`k${n.index}`, `v${n.index}`)
    }
    for (const n of mesh.nodes) {
      const res = await get(n, 'k0')
      assert.equal(res.status, 200)
      assert.equal(await res.text(), 'v0')
    }
    const etag = (await get(mesh.node(1), 'k1')).headers.get('etag') as string
    assert.equal((await put(mesh.node(2), 'k1', 'stale', { 'If-Match': '"999"' })).status, 412)
    const swapped = await put(mesh.node(2), 'k1', 'v1b', { 'If-Match': etag })
    assert.equal(swapped.status, 200)
    acknowledged.set('k1', 'v1b')
    assert.equal((await put(mesh.node(0), 'k1', 'again', { 'If-Match': '"0"' })).status, 412, 'If-Match "0" only writes an absent key')
    assert.equal((await get(mesh.node(0), 'absent')).status, 404)
    const list = await (await fetch(`${mesh.node(1).api}/v1/kv?prefix=k`)).json() as Array<{ key: string }>
    assert.deepEqual(list.map(i => i.key), ['k0', 'k1', 'k2'])
    const lock = await fetch(`${mesh.node(0).api}/v1/locks/job?ttl=60000`, { method: 'POST' })
    assert.equal(lock.status, 200)
    const { token } = await lock.json() as { token: number }
    assert.equal((await fetch(`${mesh.node(1).api}/v1/locks/job?ttl=60000`, { method: 'POST' })).status, 409)
    assert.equal((await fetch(`${mesh.node(2).api}/v1/locks/job?token=${token}`, { method: 'DELETE' })).status, 200)
  })

  it('streams changes of a key as server-sent events (?watch=1)', async () => {
    const controller = new AbortController()
    const res = await fetch(`${mesh.node(2).api}/v1/kv/watched?watch=1`, { signal: controller.signal })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/)
    const reader = res.body!.getReader()
    const w = await put(mesh.node(0), 'watched', 'hello')
    const { revision } = await w.json() as { revision: number }
    let text = ''
    const deadline = Date.now() + 5_000
    while (!text.includes('event: put') && Date.now() < deadline) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    const data = /data: (.*)/.exec(text.slice(text.indexOf('event: put')))?.[1]
    assert.ok(data !== undefined, `an event arrived: ${text}`)
    assert.deepEqual(JSON.parse(data), { key: 'watched', revision, value: Buffer.from('hello').toString('base64') })
    acknowledged.set('watched', 'hello')
  })

  it('a watch resumes after Last-Event-ID with the changes it missed, and refuses a malformed one', async () => {
    const first = await (await put(mesh.node(0), 'resumed', 'one')).json() as { revision: number }
    await put(mesh.node(1), 'resumed', 'two')
    await put(mesh.node(0), 'resumed-not', 'other key')
    await put(mesh.node(2), 'resumed', 'three')
    acknowledged.set('resumed', 'three')
    acknowledged.set('resumed-not', 'other key')
    const controller = new AbortController()
    const res = await fetch(`${mesh.node(1).api}/v1/kv/resumed?watch=1`, { signal: controller.signal, headers: { 'Last-Event-ID': String(first.revision) } })
    assert.equal(res.status, 200)
    const reader = res.body!.getReader()
    let text = ''
    const deadline = Date.now() + 5_000
    while ((text.match(/event: put/g) ?? []).length < 2 && Date.now() < deadline) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    const values = [...text.matchAll(/data: (.*)/g)].map(m => Buffer.from((JSON.parse(m[1] as string) as { value: string }).value, 'base64').toString())
    assert.deepEqual(values, ['two', 'three'], text)
    const bad = await fetch(`${mesh.node(1).api}/v1/kv/resumed?watch=1&afterRevision=x`)
    assert.equal(bad.status, 400)
  })

  it('survives SIGKILL of the leader: a new leader, writes succeed, no acknowledged write lost', async () => {
    const victim = byPeer(mesh, leader)
    // Writes keep flowing while the leader dies; only acknowledged ones must survive.
    let writing = true
    let i = 0
    const writer = (async () => {
      const via = alive(mesh, [leader])[0]!
      while (writing) {
        const key = `w${i++}`
        const res = await put(via, key, key, {}, 5_000).catch(() => undefined)
        if (res?.status === 200) acknowledged.set(key, key)
      }
    })()
    const survivors = alive(mesh, [leader])
    try {
      await new Promise(resolve => setTimeout(resolve, 300))
      victimLastIndex = (await raftStatus(victim))?.lastIndex ?? 0
      const killedAt = Date.now()
      await mesh.signal(victim.index, 'SIGKILL')
      const next = await waitFor('a new leader among the survivors', async () => {
        const s = await raftStatus(survivors[0]!)
        return s?.leader != null && s.leader !== leader && s.role !== 'candidate' ? s.leader : undefined
      }).catch(async (err: Error) => {
        const states = await Promise.all(survivors.map(async n => JSON.stringify(await raftStatus(n).catch(e => String(e)))))
        throw new Error(`${err.message}\n${states.join('\n')}\n${survivors.map(n => n.stderr.slice(-25).join('\n')).join('\n-----\n')}`)
      })
      const res = await waitFor('a committed write after failover', async () => {
        const r = await put(survivors[1]!, 'after-failover', 'yes', {}, 3_000)
        return r.status === 200 ? r : undefined
      })
      const failoverMs = Date.now() - killedAt
      acknowledged.set('after-failover', 'yes')
      assert.equal(res.status, 200)
      assert.notEqual(next, leader)
      assert.ok(failoverMs < 5_000, `failover took ${failoverMs} ms`)
      for (let j = 0; j < 3 * SNAPSHOT_THRESHOLD; j++) {
        const r = await put(survivors[j % 2]!, `more${j}`, `m${j}`)
        assert.equal(r.status, 200)
        acknowledged.set(`more${j}`, `m${j}`)
      }
    } finally {
      // Stop the writer even when an assertion failed, or it would keep the test process alive.
      writing = false
      await writer
    }
    for (const [key, value] of acknowledged) {
      const r = await get(survivors[0]!, key)
      assert.equal(r.status, 200, `acknowledged ${key} is readable`)
      assert.equal(await r.text(), value)
    }
  })

  it('the killed node restarts from its durable log and catches up by snapshot', async () => {
    const victim = byPeer(mesh, leader)
    // Snapshots are amortized (due once the log holds about the state's size), so write until the survivors have
    // compacted well past the victim's log: it can only catch up by a snapshot then.
    const [s0, s1] = alive(mesh, [leader])
    let extra = 0
    await waitFor('the survivors to compact past the killed node\'s log', async () => {
      const statuses = await Promise.all([s0!, s1!].map(raftStatus))
      if (statuses.every(st => (st?.snapshotIndex ?? 0) > victimLastIndex + 50)) return true
      for (let j = 0; j < SNAPSHOT_THRESHOLD; j++, extra++) {
        const r = await put(extra % 2 === 0 ? s0! : s1!, `extra${extra}`, `x${extra}`)
        assert.equal(r.status, 200)
        acknowledged.set(`extra${extra}`, `x${extra}`)
      }
      return undefined
    }, 20_000)
    const restarted = await mesh.spawnNode(victim.index, ['--bootstrap', alive(mesh, [leader])[0]!.addresses[0] as string])
    assert.equal(restarted.peerId, leader)
    const s = await waitFor('the restarted node to catch up', async () => {
      const st = await raftStatus(restarted)
      const leaderStatus = await raftStatus(byPeer(mesh, st?.leader ?? alive(mesh, [leader])[0]!.peerId))
      return st != null && leaderStatus != null && st.appliedIndex >= leaderStatus.commitIndex - 1 && st.snapshotIndex > 0 ? st : undefined
    }, 20_000)
    assert.ok(s.snapshotIndex >= SNAPSHOT_THRESHOLD)
    const r = await get(restarted, `more${3 * SNAPSHOT_THRESHOLD - 1}`, 'serializable')
    assert.equal(r.status, 200)
    assert.equal(await r.text(), `m${3 * SNAPSHOT_THRESHOLD - 1}`)
    const metrics = await Promise.all(alive(mesh, [leader]).map(async n => (await fetch(`${n.api}/metrics`)).text()))
    assert.ok(metrics.some(m => /^fedmesh_raft_snapshots_sent_total [1-9]/m.test(m)), 'a snapshot was streamed')
    for (const m of metrics) {
      // Writes went through both survivors, so each counted commit latencies: +Inf bucket = count > 0.
      assert.match(m, /^# TYPE fedmesh_raft_commit_latency_seconds histogram$/m)
      const count = Number(/^fedmesh_raft_commit_latency_seconds_count (\d+)$/m.exec(m)?.[1])
      assert.ok(count > 0, 'commit latencies were counted')
      assert.match(m, new RegExp(`^fedmesh_raft_commit_latency_seconds_bucket\\{le="\\+Inf"\\} ${count}$`, 'm'))
    }
  })

  it('a node that lost its quorum (2 of 3 SIGSTOPped) refuses writes with 503 NoQuorum, then recovers', async () => {
    const [a, b, c] = mesh.nodes
    await mesh.signal(b!.index, 'SIGSTOP')
    await mesh.signal(c!.index, 'SIGSTOP')
    try {
      const res = await put(a!, 'lonely', 'x', {}, 10_000)
      assert.equal(res.status, 503)
      assert.equal((await res.json() as { error: string }).error, 'NoQuorum')
      assert.ok(res.headers.get('retry-after') !== null)
      const read = await get(a!, 'k0')
      assert.equal(read.status, 503, 'a linearizable read needs a quorum too')
      const stale = await get(a!, 'k0', 'serializable')
      assert.equal(stale.status, 200, 'a serializable read is served locally')
    } finally {
      await mesh.signal(b!.index, 'SIGCONT')
      await mesh.signal(c!.index, 'SIGCONT')
    }
    await waitFor('writes to succeed again', async () => (await put(a!, 'back', 'y', {}, 3_000)).status === 200)
  })
})
