/**
 * Replication benchmarks. Run: `npx tsx bench/replication.ts` (needs `npx tsc -p tsconfig.json` first: the process
 * part runs `bin/fedmesh.js`, i.e. dist/); `npx tsx bench/replication.ts --in-process` runs parts (1) and (2) only,
 * from the sources; `--processes` part (3) only, and `--node-args "FLAGS"` gives its processes these node flags instead
 * of NODE_PROCESS_FLAGS ("" for none).
 *
 *   (1) writes per second on one node through the library (`node.data.write`, LevelDB with synced batches, gossip to
 *       one connected peer), against the pure core (`ReplicaState.write`, no IO) in the same run
 *   (2) time until 10,000 writes made on one node are visible on all 3 nodes, in one process (library writes)
 *   (3) with 3 `fedmesh start` processes: HTTP writes per second on one node (32 concurrent clients), time until its
 *       10,000 writes are visible on all 3 nodes, replication payload bytes per write, RSS per process
 *
 * Peer to beat (OrbitDB 4.0, measured on this machine): ~450 writes/s, 68 s until 10,000 writes reach a second
 * peer, 380 MB RSS per process. Targets: >= 20,000 writes/s, 10,000 writes visible on all 3 within 1 s, < 110 MB RSS.
 */
import '../src/util/polyfill.js'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalMesh } from '../src/node/local-mesh.js'
import { ReplicaState } from '../src/replication/core/index.js'
import { REPLICATION_TOPIC_PREFIX } from '../src/replication/service/index.js'
import { LevelReplicaPersistence } from '../src/replication/store/index.js'
import { connect, createReplicaNode } from '../test/unit/replication-service/helpers.js'
import type { ReplicaNode } from '../test/unit/replication-service/helpers.js'

const WRITES = 10_000
const ORBITDB = { writesPerSecond: 450, secondsTo10k: 68, rssMb: 380 }

function fmt (n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

async function until (check: () => boolean | Promise<boolean>, timeoutMs: number, pollMs = 5): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise(resolve => setTimeout(resolve, pollMs))
  }
  return false
}

async function topicPeers (a: ReplicaNode): Promise<void> {
  const ps = a.services.pubsub as { getSubscribers(t: string): unknown[] }
  await until(() => ps.getSubscribers(REPLICATION_TOPIC_PREFIX + '_').length > 0, 5000)
}

async function inProcess (): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'fedmesh-bench-replication-'))
  const nodes: ReplicaNode[] = []
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(await createReplicaNode({ persistence: new LevelReplicaPersistence({ location: join(base, `n${i}`) }) }))
    }
    await Promise.all(nodes.map(async n => n.start()))
    const [a, b, c] = nodes as [ReplicaNode, ReplicaNode, ReplicaNode]

    // (1) library writes on one node (peer b connected so gossip runs), and the pure core as a baseline.
    await connect(a, b)
    await topicPeers(a)
    const core = new ReplicaState({ nodeId: a.peerId.toString() })
    let t = performance.now()
    for (let i = 0; i < 20_000; i++) core.write(`core/${i}`, { i, payload: 'x'.repeat(32) }, Date.now())
    const coreRate = 20_000 / ((performance.now() - t) / 1000)
    t = performance.now()
    for (let i = 0; i < 20_000; i++) await a.services.replication.write(`lib/${i}`, { i, payload: 'x'.repeat(32) })
    const acked = performance.now() - t
    await a.services.replication.flush()
    const durable = performance.now() - t
    console.log('(1) writes on one node, library (LevelDB synced batches, gossip on)')
    console.log(`    pure core ReplicaState.write:       ${fmt(coreRate)} writes/s (baseline, no IO)`)
    console.log(`    node.data.write, acknowledged:       ${fmt(20_000 / (acked / 1000))} writes/s (${fmt(100 * (20_000 / (acked / 1000)) / coreRate, 0)}% of the core)`)
    console.log(`    node.data.write, durable (flushed):  ${fmt(20_000 / (durable / 1000))} writes/s; ${a.services.replication.replica.stats().flushes} synced batches`)
    console.log(`    vs OrbitDB 4.0 (~${ORBITDB.writesPerSecond}/s): x${fmt((20_000 / (durable / 1000)) / ORBITDB.writesPerSecond, 0)}; target >= 20,000/s`)

    // (2) 10,000 library writes on a, until visible on b and c.
    await connect(a, c)
    await connect(b, c)
    await topicPeers(c)
    const ok = await until(() => nodes.every(n => n.services.replication.checksum() === a.services.replication.checksum()), 30_000, 20)
    if (!ok) console.log('    (the three nodes had not converged before part 2)')
    const sentBefore = a.services.replication.stats().bytesReplicated.sent
    t = performance.now()
    for (let i = 0; i < WRITES; i++) await a.services.replication.write(`vis/${i}`, { i, payload: 'x'.repeat(32) })
    const written = performance.now() - t
    const last = `vis/${WRITES - 1}`
    // Cheap check first (the last key), then the checksums once (each is a SHA-256 over every entry).
    let visible = await until(() => [b, c].every(n => n.services.replication.read(last) !== undefined), 60_000, 2)
    const seen = performance.now() - t
    visible = visible && await until(() => [b, c].every(n => n.services.replication.checksum() === a.services.replication.checksum()), 10_000, 50)
    const bytes = a.services.replication.stats().bytesReplicated.sent - sentBefore
    console.log('(2) 10,000 writes on one node until visible on all 3 (one process)')
    console.log(`    writes took ${fmt(written)} ms; the last write visible on both peers after ${visible ? fmt(seen) + ' ms' : 'TIMEOUT'} from the first write (checksums then equal)`)
    console.log(`    gossip payload published by the writer: ${fmt(bytes / WRITES, 1)} bytes per write (${a.services.replication.stats().messages.published} messages in all)`)
    const pulls = nodes.map(n => n.services.replication.stats({ keys: false }).pulls.made)
    const memory = process.memoryUsage()
    console.log(`    this process (3 nodes, ${fmt(a.services.replication.stats({ keys: false }).entries)} entries each): RSS ${fmt(memory.rss / 2 ** 20)} MB, V8 heap used ${fmt(memory.heapUsed / 2 ** 20)} MB; pulls made per node ${pulls.join('/')}`)
  } finally {
    await Promise.all(nodes.map(async n => { await n.stop() }))
    rmSync(base, { recursive: true, force: true })
  }
}

interface Section { keys: number, checksum: string, bytesSent: number, bytesReceived: number }

async function status (api: string): Promise<Section> {
  const res = await fetch(`${api}/v1/status`)
  return (await res.json() as { replication: Section }).replication
}

async function has (api: string, key: string): Promise<boolean> {
  return await call(api, 'GET', `/v1/data/${encodeURIComponent(key)}`) === 200
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 })

/** One request over a keep-alive node:http agent (lighter than fetch, so the client is not the bottleneck). */
async function call (api: string, method: string, path: string, body?: string): Promise<number> {
  const url = new URL(path, api)
  return await new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method, agent, headers: body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume()
      res.on('end', () => { resolve(res.statusCode ?? 0) })
    })
    req.on('error', reject)
    req.end(body)
  })
}

function argValue (flag: string): string | undefined {
  const i = process.argv.indexOf(flag)
  return i >= 0 ? process.argv[i + 1] : undefined
}

/** A process's resident set (`VmRSS`), or its peak since it started (`VmHWM`), in MB. */
function rssMb (pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find(l => l.startsWith(`${field}:`)) ?? ''
  return Number(line.replace(/\D+/g, '')) / 1024
}

async function processes (): Promise<void> {
  const nodeArgs = argValue('--node-args')?.split(' ').filter(a => a !== '')
  const mesh = await LocalMesh.start({ nodes: 3, ...(nodeArgs !== undefined ? { nodeArgs } : {}) })
  try {
    const [n0, n1, n2] = mesh.nodes as [typeof mesh.nodes[0], typeof mesh.nodes[0], typeof mesh.nodes[0]]
    await until(async () => {
      await fetch(`${n0.api}/v1/data/probe`, { method: 'PUT', body: '1' }).then(async r => r.arrayBuffer())
      return (await has(n1.api, 'probe')) && (await has(n2.api, 'probe'))
    }, 20_000, 100)
    const idleRss = mesh.nodes.map(n => rssMb(n.child.pid as number))
    const before = await status(n0.api)
    const concurrency = 32
    let next = 0
    let t = performance.now()
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < 5_000) {
        next++
        await call(n0.api, 'GET', '/healthz')
      }
    }))
    const healthzRate = 5_000 / ((performance.now() - t) / 1000)
    next = 0
    t = performance.now()
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < WRITES) {
        const i = next++
        const status = await call(n0.api, 'PUT', `/v1/data/http%2F${i}`, JSON.stringify({ i, payload: 'x'.repeat(32) }))
        if (status !== 200) throw new Error(`PUT failed with ${status}`)
      }
    }))
    const written = performance.now() - t
    const last = `http/${WRITES - 1}`
    const target = (await status(n0.api)).checksum
    let visible = await until(async () => (await has(n1.api, last)) && (await has(n2.api, last)), 120_000, 5)
    const seen = performance.now() - t
    visible = visible && await until(async () => {
      const [s1, s2] = await Promise.all([status(n1.api), status(n2.api)])
      return s1.checksum === target && s2.checksum === target
    }, 20_000, 100)
    const after = await status(n0.api)

    // 10,000 writes in 10 batch requests (POST /v1/data), so the HTTP rate does not hide the replication time.
    const tb = performance.now()
    for (let b = 0; b < 10; b++) {
      const put: Record<string, unknown> = {}
      for (let i = 0; i < WRITES / 10; i++) put[`batch/${b * (WRITES / 10) + i}`] = { i, payload: 'x'.repeat(32) }
      const code = await call(n0.api, 'POST', '/v1/data', JSON.stringify({ put }))
      if (code !== 200) throw new Error(`POST /v1/data failed with ${code}`)
    }
    const batchWritten = performance.now() - tb
    const lastBatch = `batch/${WRITES - 1}`
    let batchVisible = await until(async () => (await has(n1.api, lastBatch)) && (await has(n2.api, lastBatch)), 60_000, 5)
    const batchSeen = performance.now() - tb
    const batchTarget = (await status(n0.api)).checksum
    batchVisible = batchVisible && await until(async () => {
      const [s1, s2] = await Promise.all([status(n1.api), status(n2.api)])
      return s1.checksum === batchTarget && s2.checksum === batchTarget
    }, 20_000, 100)
    const rss = mesh.nodes.map(n => rssMb(n.child.pid as number))
    // And once the burst is over: V8's memory reducer returns heap to the system when a process goes quiet.
    await new Promise(resolve => setTimeout(resolve, 15_000))
    const settled = mesh.nodes.map(n => rssMb(n.child.pid as number))
    const peak = mesh.nodes.map(n => rssMb(n.child.pid as number, 'VmHWM'))
    const idle = idleRss
    console.log('(3) 3 fedmesh processes, HTTP')
    console.log(`    HTTP PUT on one node, ${concurrency} concurrent clients: ${fmt(WRITES / (written / 1000))} writes/s (vs OrbitDB ~${ORBITDB.writesPerSecond}/s; GET /healthz on the same node and client: ${fmt(healthzRate)} requests/s)`)
    console.log(`    10,000 HTTP writes visible on all 3 (${last} readable on both peers; checksums then equal): ${visible ? fmt(seen) + ' ms after the first write, ' + fmt(seen - written) + ' ms after the last was acknowledged' : 'TIMEOUT'} (OrbitDB: ${ORBITDB.secondsTo10k} s to one peer; target 1 s)`)
    console.log(`    10,000 writes in 10 POST /v1/data batches (written in ${fmt(batchWritten)} ms) visible on all 3: ${batchVisible ? fmt(batchSeen) + ' ms after the first write' : 'TIMEOUT'} (target 1 s)`)
    console.log(`    replication payload sent by the writer: ${fmt((after.bytesSent - before.bytesSent) / WRITES, 1)} bytes per write (gossip JSON, before gossipsub/noise/yamux framing)`)
    console.log(`    RSS per process: ${rss.map(r => fmt(r, 0) + ' MB').join(', ')} right after the writes; ${settled.map(r => fmt(r, 0) + ' MB').join(', ')} 15 s later; ${idle.map(r => fmt(r, 0) + ' MB').join(', ')} when idle before them; peak over the whole run ${peak.map(r => fmt(r, 0) + ' MB').join(', ')} (OrbitDB ${ORBITDB.rssMb} MB; target < 110 MB)`)
  } finally {
    agent.destroy()
    await mesh.stop()
  }
}

if (!process.argv.includes('--processes')) await inProcess()
if (!process.argv.includes('--in-process')) await processes()
process.exit(0)
