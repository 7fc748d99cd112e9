/**
 * Raft benchmark: real `fedmesh start` processes on loopback with durable (fsynced LevelDB) logs, measured in
 * steady state: every measured path runs before it is measured (2,000 puts from 16 clients, then `--warm-sequential`
 * sequential puts through the leader and through a follower, default 2,000 each; the 64-client load runs
 * `--warm-seconds` unmeasured before its measured `--seconds`), and etcd gets the same warm-up.
 * The warm-up matters for fedmesh: V8 optimises the one-put-at-a-time path only after about 1,500 such puts (with
 * `--no-opt` the latency stays where it starts, about twice the warm figure), and under 64 clients it is still
 * compiling functions (hundreds per node) during the first seconds.
 * - sequential put latency (one client, to the leader and through a follower), p50/p99
 * - throughput with 64 concurrent HTTP clients spread over all nodes (followers forward), for 3 and 5 nodes. For 3
 *   nodes, fedmesh and etcd take turns for `--rounds` rounds in alternating order (fedmesh first, then etcd first,
 *   ...), each on a cluster of its own started for the round and warmed up as above (only one system runs at a
 *   time: an idle cluster's background work would load the other's measurement); the ratio is the median of the
 *   rounds' ratios, so a drift in the shared machine's speed hits both systems alike. The first round's clusters
 *   also give the latency and failover figures.
 * - failover: SIGKILL of the leader until the next committed write (through a survivor)
 * Baseline in the same run: a 3-node etcd cluster (Debian's etcd-server, default settings) measured with the
 * same HTTP load generator through its JSON gateway (`POST /v3/kv/put`, base64 key and value), when installed.
 * Run: `npx tsc -p tsconfig.json && node dist/bench/raft.js [--seconds S] [--warm-seconds S] [--failovers N] [--sequential N] [--warm-sequential N] [--five 0]
 * [--rounds N] [--node-args "FLAGS"]` (node flags of the fedmesh processes instead of NODE_PROCESS_FLAGS; "" for none).
 */
import '../src/util/polyfill.js'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalMesh } from '../src/node/local-mesh.js'
import type { ChildProcess } from 'node:child_process'

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const SECONDS = arg('--seconds', 5)
const WARM_SECONDS = arg('--warm-seconds', 5)
const FAILOVERS = arg('--failovers', 3)
const SEQUENTIAL = arg('--sequential', 300)
const WARM_SEQUENTIAL = arg('--warm-sequential', 2_000)
const CONCURRENCY = 64
const WITH_FIVE = arg('--five', 1) !== 0
const ROUNDS = Math.max(1, arg('--rounds', 3))
const NODE_ARGS = process.argv.includes('--node-args') ? (process.argv[process.argv.indexOf('--node-args') + 1] ?? '').split(' ').filter(a => a !== '') : undefined

const agent = new Agent({ keepAlive: true, maxSockets: 256 })

interface HttpResult { status: number, body: string }

async function http (url: string, method: string, body: string | undefined, timeoutMs = 5_000): Promise<HttpResult> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { method, agent, timeout: timeoutMs, headers: body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }) })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error('timeout')) })
    req.on('error', reject)
    req.end(body)
  })
}

/** A cluster under test: how to write a key through node i, and who leads. */
interface Target {
  name: string
  endpoints: string[]
  put(endpoint: string, key: string, value: string, timeoutMs?: number): Promise<boolean>
  leaderIndex(): Promise<number>
  kill(index: number): Promise<void>
  restart(index: number): Promise<void>
  stop(): Promise<void>
}

function pct (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN
}

const VALUE = 'x'.repeat(100)

async function sequential (t: Target, endpoint: string, count = SEQUENTIAL, prefix = 'seq'): Promise<{ p50: number, p99: number }> {
  const lat: number[] = []
  for (let i = 0; i < count; i++) {
    const t0 = performance.now()
    if (!await t.put(endpoint, `${prefix}/${i}`, VALUE)) throw new Error(`${t.name}: sequential put ${i} failed`)
    lat.push(performance.now() - t0)
  }
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99) }
}

async function throughput (t: Target, seconds = SECONDS): Promise<{ opsPerSec: number, p50: number, p99: number, failed: number }> {
  const lat: number[] = []
  let failed = 0
  const end = performance.now() + seconds * 1000
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, c) => {
    let i = 0
    const endpoint = t.endpoints[c % t.endpoints.length] as string
    while (performance.now() < end) {
      const t0 = performance.now()
      const ok = await t.put(endpoint, `load/${c}/${i++}`, VALUE).catch(() => false)
      if (ok) lat.push(performance.now() - t0)
      else failed++
    }
  }))
  return { opsPerSec: lat.length / seconds, p50: pct(lat, 0.5), p99: pct(lat, 0.99), failed }
}

async function failover (t: Target): Promise<number[]> {
  const times: number[] = []
  for (let run = 0; run < FAILOVERS; run++) {
    const leader = await t.leaderIndex()
    const survivor = t.endpoints[(leader + 1) % t.endpoints.length] as string
    // The survivor may be the node restarted in the previous run, still waiting to hear from the leader.
    const warmUntil = performance.now() + 15_000
    while (!await t.put(survivor, 'failover/warm', VALUE, 1_000).catch(() => false)) {
      if (performance.now() > warmUntil) throw new Error(`${t.name}: no write through the survivor before failover ${run + 1}`)
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    const t0 = performance.now()
    await t.kill(leader)
    let i = 0
    while (!await t.put(survivor, `failover/${run}/${i++}`, VALUE, 1_000).catch(() => false)) {
      if (performance.now() - t0 > 30_000) throw new Error(`${t.name}: no write within 30 s of the death of leader ${leader} (run ${run + 1})`)
      await new Promise(resolve => setTimeout(resolve, 5))
    }
    times.push(performance.now() - t0)
    process.stdout.write(`  ${t.name}: failover ${run + 1}: ${(performance.now() - t0).toFixed(0)} ms\n`)
    await t.restart(leader)
    await new Promise(resolve => setTimeout(resolve, 2_000))
  }
  return times
}

// ---------------------------------------------------------------- fedmesh

async function fedmesh (nodes: number): Promise<Target> {
  const mesh = await LocalMesh.start({ nodes, args: () => ['--raft-expect', String(nodes)], ...(NODE_ARGS !== undefined ? { nodeArgs: NODE_ARGS } : {}) })
  const status = async (api: string): Promise<{ leader: string | null, voters: string[] } | null> =>
    (JSON.parse((await http(`${api}/v1/status`, 'GET', undefined, 2_000)).body) as { raft: { leader: string | null, voters: string[] } | null }).raft
  const deadline = Date.now() + 30_000
  for (;;) {
    const all = await Promise.all(mesh.nodes.map(async n => status(n.api).catch(() => null)))
    if (all.every(s => s?.leader != null && s.leader === all[0]?.leader && s.voters.length === nodes)) break
    if (Date.now() > deadline) throw new Error('the fedmesh cluster did not form')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  const target: Target = {
    name: `fedmesh ${nodes} nodes`,
    endpoints: mesh.nodes.map(n => n.api),
    put: async (endpoint, key, value, timeoutMs) => (await http(`${endpoint}/v1/kv/${encodeURIComponent(key)}`, 'PUT', value, timeoutMs)).status === 200,
    leaderIndex: async () => {
      for (const n of mesh.nodes) {
        if (n.child.exitCode != null || n.child.signalCode != null) continue
        const s = await status(n.api).catch(() => null)
        const i = mesh.nodes.findIndex(m => m.peerId === s?.leader)
        if (i >= 0) return i
      }
      throw new Error('no fedmesh leader')
    },
    kill: async (index) => { await mesh.signal(mesh.nodes[index]!.index, 'SIGKILL') },
    restart: async (index) => {
      const n = mesh.nodes[index]!
      const other = mesh.nodes.find(m => m !== n)!
      await mesh.spawnNode(n.index, ['--bootstrap', other.addresses[0] as string])
      mesh.nodes.sort((a, b) => a.index - b.index)
      target.endpoints[index] = mesh.node(n.index).api
    },
    stop: async () => { await mesh.stop() }
  }
  return target
}

// ---------------------------------------------------------------- etcd

function etcdAvailable (): boolean {
  return spawnSync('etcd', ['--version']).status === 0
}

async function etcd (nodes: number): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'fedmesh-bench-etcd-'))
  const base = 24000 + Math.floor(Math.random() * 1000) * 2
  const names = Array.from({ length: nodes }, (_, i) => `e${i}`)
  const clientUrl = (i: number): string => `http://127.0.0.1:${base + i * 2}`
  const peerUrl = (i: number): string => `http://127.0.0.1:${base + i * 2 + 1}`
  const cluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',')
  const procs: Array<ChildProcess | undefined> = []
  const startOne = (i: number, state: 'new' | 'existing'): void => {
    procs[i] = spawn('etcd', [
      '--name', names[i] as string, '--data-dir', join(dir, names[i] as string),
      '--listen-client-urls', clientUrl(i), '--advertise-client-urls', clientUrl(i),
      '--listen-peer-urls', peerUrl(i), '--initial-advertise-peer-urls', peerUrl(i),
      '--initial-cluster', cluster, '--initial-cluster-state', state, '--initial-cluster-token', 'fedmesh-bench',
      '--log-level', 'error'
    ], { stdio: 'ignore' })
  }
  for (let i = 0; i < nodes; i++) startOne(i, 'new')
  const b64 = (s: string): string => Buffer.from(s).toString('base64')
  const put = async (endpoint: string, key: string, value: string, timeoutMs?: number): Promise<boolean> =>
    (await http(`${endpoint}/v3/kv/put`, 'POST', JSON.stringify({ key: b64(key), value: b64(value) }), timeoutMs)).status === 200
  const deadline = Date.now() + 30_000
  while (!await put(clientUrl(0), 'ready', 'x', 1_000).catch(() => false)) {
    if (Date.now() > deadline) throw new Error('the etcd cluster did not form')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  const endpoints = names.map((_, i) => clientUrl(i))
  return {
    name: `etcd ${nodes} nodes`,
    endpoints,
    put,
    leaderIndex: async () => {
      for (let i = 0; i < nodes; i++) {
        if (procs[i]?.exitCode != null || procs[i]?.signalCode != null) continue
        const r = await http(`${clientUrl(i)}/v3/maintenance/status`, 'POST', '{}', 2_000).catch(() => undefined)
        if (r?.status !== 200) continue
        const s = JSON.parse(r.body) as { header: { member_id: string }, leader: string }
        if (s.header.member_id === s.leader) return i
      }
      throw new Error('no etcd leader')
    },
    kill: async (i) => {
      const p = procs[i]
      if (p === undefined) return
      const exited = new Promise(resolve => p.once('exit', resolve))
      p.kill('SIGKILL')
      await exited
    },
    restart: async (i) => { startOne(i, 'existing') },
    stop: async () => {
      await Promise.all(procs.map(async p => {
        if (p === undefined || p.exitCode != null || p.signalCode != null) return
        const exited = new Promise(resolve => p.once('exit', resolve))
        p.kill('SIGTERM')
        await exited
      }))
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

// ---------------------------------------------------------------- run

type Load = Awaited<ReturnType<typeof throughput>>
interface Row { name: string, seqLeader: { p50: number, p99: number }, seqFollower: { p50: number, p99: number }, rounds: Load[], failover?: number[] }

/**
 * Steady state, not start-up (the same for every system): 2,000 puts from 16 clients, then sequential puts through
 * each endpoint the sequential figures use.
 */
async function warmUp (t: Target, sequentialEndpoints: string[]): Promise<void> {
  await Promise.all(Array.from({ length: 16 }, async (_, c) => {
    for (let i = 0; i < 125; i++) await t.put(t.endpoints[c % t.endpoints.length] as string, `warm/${c}/${i}`, VALUE).catch(() => false)
  }))
  for (const [n, endpoint] of sequentialEndpoints.entries()) await sequential(t, endpoint, WARM_SEQUENTIAL, `warm-seq/${n}`)
}

/** The whole warm-up, sequential paths included; returns the leader's index and the two sequential endpoints. */
async function fullWarmUp (t: Target): Promise<{ leader: number, viaLeader: string, viaFollower: string }> {
  const leader = await t.leaderIndex()
  const viaLeader = t.endpoints[leader] as string
  const viaFollower = t.endpoints[(leader + 1) % t.endpoints.length] as string
  await warmUp(t, [viaLeader, viaFollower])
  return { leader, viaLeader, viaFollower }
}

/** Warm-up, then sequential latency through the leader and through a follower. */
async function latency (t: Target): Promise<Pick<Row, 'name' | 'seqLeader' | 'seqFollower'>> {
  const { leader, viaLeader, viaFollower } = await fullWarmUp(t)
  if (await t.leaderIndex() !== leader) throw new Error(`${t.name}: the leader changed during the warm-up`)
  return { name: t.name, seqLeader: await sequential(t, viaLeader), seqFollower: await sequential(t, viaFollower) }
}

/** One round of 64-client load: unmeasured warm-up, then the measured seconds. */
async function loadRound (t: Target): Promise<Load> {
  if (WARM_SECONDS > 0) await throughput(t, WARM_SECONDS)
  const load = await throughput(t)
  process.stdout.write(`  ${t.name}: ${load.opsPerSec.toFixed(0)} writes/s\n`)
  return load
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** The round with the median throughput stands for the system's figures. */
const medianLoad = (rounds: Load[]): Load => [...rounds].sort((a, b) => a.opsPerSec - b.opsPerSec)[Math.floor((rounds.length - 1) / 2)] as Load

const f = (n: number): string => n.toFixed(2)
process.stdout.write(`Raft benchmark: ${SEQUENTIAL} sequential puts (after ${WARM_SEQUENTIAL} unmeasured ones per path), ${CONCURRENCY} concurrent clients for ${SECONDS} s (after ${WARM_SECONDS} s unmeasured; ${ROUNDS} rounds for 3 nodes), ${FAILOVERS} failovers; 100-byte values\n`)
const rows: Row[] = []
type Start = () => Promise<Target>
const systems: Array<{ start: Start, rounds: Load[], row?: Row }> = [{ start: async () => await fedmesh(3), rounds: [] }]
if (etcdAvailable()) systems.push({ start: async () => await etcd(3), rounds: [] })
else process.stdout.write('etcd is not installed (apt-get install etcd-server): no baseline\n')
for (let r = 0; r < ROUNDS; r++) {
  for (const system of r % 2 === 0 ? systems : [...systems].reverse()) {
    const t = await system.start()
    try {
      if (r === 0) {
        const seq = await latency(t)
        system.rounds.push(await loadRound(t))
        system.row = { ...seq, rounds: system.rounds, failover: await failover(t) }
      } else {
        // The same warm-up as the first round's: without its sequential part, fedmesh's later rounds ran about 4%
        // slower than with it (10 runs of fedmesh alone), so rounds differed in more than the machine's drift.
        await fullWarmUp(t)
        system.rounds.push(await loadRound(t))
      }
    } finally {
      await t.stop()
    }
  }
}
for (const system of systems) rows.push(system.row as Row)
if (WITH_FIVE) {
  const five = await fedmesh(5)
  try {
    const fiveLatency = await latency(five)
    rows.splice(1, 0, { ...fiveLatency, rounds: [await loadRound(five)] })
  } finally {
    await five.stop()
  }
}
const fmRow = systems[0]?.row as Row
const etcdRow = systems[1]?.row
process.stdout.write('\n| cluster | seq put via leader p50 / p99 ms | seq put via follower p50 / p99 ms | 64 clients ops/s (median round; each round) | p50 / p99 ms | failed | failover ms (each) |\n|---|---|---|---|---|---|---|\n')
for (const r of rows) {
  const load = medianLoad(r.rounds)
  process.stdout.write(`| ${r.name} | ${f(r.seqLeader.p50)} / ${f(r.seqLeader.p99)} | ${f(r.seqFollower.p50)} / ${f(r.seqFollower.p99)} | ${load.opsPerSec.toFixed(0)}${r.rounds.length > 1 ? ` (${r.rounds.map(x => x.opsPerSec.toFixed(0)).join(', ')})` : ''} | ${f(load.p50)} / ${f(load.p99)} | ${r.rounds.reduce((n, x) => n + x.failed, 0)} | ${r.failover?.map(x => x.toFixed(0)).join(', ') ?? '-'} |\n`)
}
if (etcdRow !== undefined) {
  const ratios = fmRow.rounds.map((x, i) => x.opsPerSec / (etcdRow.rounds[i] as Load).opsPerSec)
  process.stdout.write(`\nratios fedmesh-3 / etcd-3: seq p50 via leader ${f(fmRow.seqLeader.p50 / etcdRow.seqLeader.p50)}x, ` +
    `throughput ${f(median(ratios))}x (median of the rounds' ratios: ${ratios.map(f).join(', ')}), ` +
    `failover median ${f(pct(fmRow.failover ?? [], 0.5) / pct(etcdRow.failover ?? [], 0.5))}x\n`)
}
agent.destroy()
