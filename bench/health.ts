/**
 * Failure-detection benchmark with real `fedmesh start` processes on loopback. Needs a build (`npm run build`):
 * the processes run bin/fedmesh.js. Run: `node dist/bench/health.js [--runs N] [--busy-seconds S] [--burners N] [--skip-busy] [--skip-detection]`.
 *
 *   (a) detection times in a 4-node mesh, medians over `runs` (default 5): a SIGKILLed node → dead at every
 *       survivor; a SIGSTOPped node → suspect and → dead at every other node; SIGCONT → alive at every other node;
 *       a new node that bootstraps from node 0 → alive at every other node (from its ready line; node 0 announces
 *       it to the others, which hold it alive on node 0's word until their own link is up, and peer exchange links
 *       them), and → alive over each observer's own link (its health row `connected`). Each figure is the slowest
 *       observer of a run.
 *       Compared with Serf's LAN figures (memberlist defaults): killed 5.6 s, frozen 6.1 s, thawed 20–120 ms,
 *       joined ~180 ms.
 *   (b) false deaths under load: 3 nodes for `busy-seconds` (default 60) while busy loops run in other processes
 *       (`--burners`, default one per core); counts dead and suspect transitions, against a quiet baseline (the
 *       same mesh before the load starts, for a sixth of that time, at least 5 s).
 *
 * Observers are polled over HTTP every 10 ms, so each figure carries up to ~10–20 ms of polling delay.
 */
import '../src/util/polyfill.js'
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { LocalMesh } from '../src/node/local-mesh.js'
import type { MeshProcess } from '../src/node/local-mesh.js'
import type { ChildProcess } from 'node:child_process'

type Health = 'alive' | 'suspect' | 'dead'

interface Status {
  peers: Array<{ peerId: string, connected: boolean }>
  health: { peers: Array<{ peerId: string, health: Health, connected: boolean | null }> }
  mesh: { transitions: { died: number, suspected: number } }
}

const SERF = { killedMs: 5_600, frozenMs: 6_100, thawedMs: [20, 120], joinedMs: 180 }

async function status (api: string): Promise<Status> {
  const res = await fetch(`${api}/v1/status`, { signal: AbortSignal.timeout(5_000) })
  return await res.json() as Status
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** The slowest observer's delay (ms from `since`) until it reports `peer` as `wanted`. */
async function slowest (observers: MeshProcess[], peer: string, wanted: Health, since: number, timeoutMs = 15_000): Promise<number> {
  const times = await Promise.all(observers.map(async (o) => {
    while (true) {
      const s = await status(o.api)
      if (s.health.peers.some(p => p.peerId === peer && p.health === wanted)) return performance.now() - since
      if (performance.now() - since > timeoutMs) throw new Error(`node ${o.index} did not see ${peer} ${wanted} within ${timeoutMs} ms`)
      await sleep(10)
    }
  }))
  const max = Math.max(...times)
  if (max > 1_000 && wanted !== 'dead') console.log(`  (slow: ${wanted} after ${list(times)} ms at nodes ${observers.map(o => o.index).join(', ')})`)
  if (max > 1_000 && wanted === 'dead' && times.some(t => t < 1_000)) console.log(`  (uneven: dead after ${list(times)} ms at nodes ${observers.map(o => o.index).join(', ')})`)
  return max
}

/** A full mesh of `nodes` processes started one after another, each bootstrapping from every node before it. */
async function startMesh (nodes: number): Promise<LocalMesh> {
  const mesh = await LocalMesh.start({ nodes: 1 })
  for (let i = 1; i < nodes; i++) await mesh.spawnNode(i, mesh.nodes.flatMap(n => ['--bootstrap', n.addresses[0] as string]))
  return mesh
}

/** Bootstrap flags naming every running node. */
function bootstrapAll (mesh: LocalMesh): string[] {
  return live(mesh).flatMap(n => ['--bootstrap', n.addresses[0] as string])
}

/** The mesh's processes that are still running. */
function live (mesh: LocalMesh): MeshProcess[] {
  return mesh.nodes.filter(n => n.child.exitCode == null && n.child.signalCode == null)
}

/** The slowest observer's delay (ms from `since`) until it holds `peer` alive over its own link (heartbeat stream or connection). */
async function slowestLinked (observers: MeshProcess[], peer: string, since: number, timeoutMs = 15_000): Promise<number> {
  const times = await Promise.all(observers.map(async (o) => {
    while (true) {
      const s = await status(o.api)
      if (s.health.peers.some(p => p.peerId === peer && p.health === 'alive' && p.connected === true)) return performance.now() - since
      if (performance.now() - since > timeoutMs) throw new Error(`node ${o.index} did not link to ${peer} within ${timeoutMs} ms`)
      await sleep(5)
    }
  }))
  return Math.max(...times)
}

/** The slowest observer's delay (ms from `since`) until it has a connection to `peer`. */
async function slowestConnected (observers: MeshProcess[], peer: string, since: number, timeoutMs = 15_000): Promise<number> {
  const times = await Promise.all(observers.map(async (o) => {
    while (true) {
      const s = await status(o.api)
      if (s.peers.some(p => p.peerId === peer && p.connected)) return performance.now() - since
      if (performance.now() - since > timeoutMs) throw new Error(`node ${o.index} did not connect to ${peer} within ${timeoutMs} ms`)
      await sleep(5)
    }
  }))
  return Math.max(...times)
}

async function allAlive (nodes: MeshProcess[]): Promise<boolean> {
  const all = await Promise.all(nodes.map(async n => status(n.api)))
  return all.every((s, i) => nodes.every((m, j) => i === j || s.health.peers.some(p => p.peerId === m.peerId && p.health === 'alive')))
}

async function untilAllAlive (nodes: MeshProcess[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await allAlive(nodes))) {
    if (Date.now() > deadline) throw new Error('the mesh did not become healthy')
    await sleep(50)
  }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const fmt = (ms: number): string => ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`
const list = (xs: number[]): string => xs.map(x => Math.round(x)).join(', ')

async function detectionTimes (runs: number): Promise<void> {
  console.log(`(a) detection times, 4 fedmesh processes, ${runs} run(s)`)
  const mesh = await startMesh(4)
  const killed: number[] = []; const suspect: number[] = []; const frozen: number[] = []; const thawed: number[] = []; const joined: number[] = []; const connected: number[] = []; const linked: number[] = []
  let joinFailures = 0
  try {
    await untilAllAlive(live(mesh))
    for (let run = 0; run < runs; run++) {
      // Killed: node 3 is SIGKILLed, then restarted (same identity) for the next run.
      const victim = mesh.node(3)
      let since = performance.now()
      await mesh.signal(3, 'SIGKILL')
      killed.push(await slowest(live(mesh), victim.peerId, 'dead', since))
      await mesh.spawnNode(3, bootstrapAll(mesh))
      await untilAllAlive(live(mesh))
      // Frozen and thawed: node 2 is SIGSTOPped until dead everywhere, then SIGCONTed.
      const ice = mesh.node(2)
      const others = live(mesh).filter(n => n.index !== 2)
      since = performance.now()
      await mesh.signal(2, 'SIGSTOP')
      const suspectP = slowest(others, ice.peerId, 'suspect', since)
      frozen.push(await slowest(others, ice.peerId, 'dead', since))
      suspect.push(await suspectP)
      since = performance.now()
      await mesh.signal(2, 'SIGCONT')
      thawed.push(await slowest(others, ice.peerId, 'alive', since))
      await untilAllAlive(live(mesh))
      // Joined: a new node (new identity) bootstraps from node 0 alone, as `serf join` names one member; the others
      // learn it by peer exchange. Time from its ready line until every other node holds it alive.
      const index = 10 + run
      const fresh = await mesh.spawnNode(index, ['--bootstrap', mesh.node(0).addresses[0] as string])
      since = performance.now()
      const observers = live(mesh).filter(n => n.index !== index)
      try {
        const [aliveMs, connectedMs, linkedMs] = await Promise.all([
          slowest(observers, fresh.peerId, 'alive', since, 5_000),
          slowestConnected(observers, fresh.peerId, since, 5_000),
          slowestLinked(observers, fresh.peerId, since, 5_000)
        ])
        joined.push(aliveMs)
        connected.push(connectedMs)
        linked.push(linkedMs)
      } catch (err) {
        joinFailures++
        console.log(`  run ${run + 1}: the new node did not reach every node within 5 s (${(err as Error).message})`)
      }
      await mesh.signal(index, 'SIGTERM')
      await untilAllAlive(live(mesh))
      console.log(`  run ${run + 1}: killed→dead ${fmt(killed.at(-1)!)}, frozen→suspect ${fmt(suspect.at(-1)!)}, frozen→dead ${fmt(frozen.at(-1)!)}, thawed→alive ${fmt(thawed.at(-1)!)}, joined→connected ${fmt(connected.at(-1) ?? NaN)}, joined→alive ${fmt(joined.at(-1) ?? NaN)}, joined→linked ${fmt(linked.at(-1) ?? NaN)}`)
    }
  } finally {
    await mesh.stop()
  }
  const row = (label: string, xs: number[], serf?: number, serfText?: string): void => {
    const ratio = serf === undefined ? '' : serf >= median(xs) ? `${(serf / median(xs)).toFixed(1)}× faster` : `${(median(xs) / serf).toFixed(1)}× slower`
    console.log(`  ${label.padEnd(42)} ${fmt(median(xs)).padEnd(10)} ${(serfText ?? (serf === undefined ? '-' : fmt(serf))).padEnd(11)} ${ratio.padEnd(13)} [${list(xs)}]`)
  }
  console.log(`  ${'medians (slowest observer per run)'.padEnd(42)} ${'fedmesh'.padEnd(10)} ${'Serf LAN'.padEnd(11)} ${'ratio'.padEnd(13)} runs`)
  row('killed → dead at all survivors', killed, SERF.killedMs)
  row('frozen → suspect at all others', suspect)
  row('frozen → dead at all others', frozen, SERF.frozenMs)
  row('thawed → alive at all others', thawed, undefined, `${SERF.thawedMs[0]}–${SERF.thawedMs[1]} ms`)
  row('joined → connected to all others (discovery)', connected)
  row('joined → alive at all others', joined, SERF.joinedMs)
  row('joined → alive over own link at all others', linked)
  if (joinFailures > 0) console.log(`  (${joinFailures} join(s) left out: peer exchange did not connect the new node to every node within 5 s)`)
}

async function transitions (nodes: MeshProcess[]): Promise<{ died: number, suspected: number }> {
  const all = await Promise.all(nodes.map(async n => (await status(n.api)).mesh.transitions))
  return { died: all.reduce((s, t) => s + t.died, 0), suspected: all.reduce((s, t) => s + t.suspected, 0) }
}

async function busyCpu (seconds: number, burnersWanted: number): Promise<void> {
  console.log(`\n(b) false deaths: 3 fedmesh processes, ${burnersWanted} busy loop(s) on ${availableParallelism()} core(s) for ${seconds} s`)
  const mesh = await startMesh(3)
  const burners: ChildProcess[] = []
  try {
    await untilAllAlive(mesh.nodes)
    const quietMs = Math.max(5_000, seconds * 1000 / 6)
    const t0 = await transitions(mesh.nodes)
    await sleep(quietMs)
    const t1 = await transitions(mesh.nodes)
    for (let i = 0; i < burnersWanted; i++) burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
    await sleep(seconds * 1000)
    for (const b of burners) b.kill('SIGKILL')
    const t2 = await transitions(mesh.nodes)
    console.log(`  quiet baseline, ${fmt(quietMs)}: ${t1.died - t0.died} dead, ${t1.suspected - t0.suspected} suspect transitions (3 observers × 2 peers)`)
    console.log(`  busy CPU, ${seconds} s:      ${t2.died - t1.died} dead, ${t2.suspected - t1.suspected} suspect transitions (3 observers × 2 peers)`)
    console.log(`  all alive at the end: ${await allAlive(mesh.nodes)}`)
  } finally {
    for (const b of burners) b.kill('SIGKILL')
    await mesh.stop()
  }
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'busy-seconds': { type: 'string', default: '60' },
    burners: { type: 'string', default: String(availableParallelism()) },
    'skip-busy': { type: 'boolean', default: false },
    'skip-detection': { type: 'boolean', default: false }
  }
})
if (!values['skip-detection']) await detectionTimes(Number(values.runs))
if (!values['skip-busy']) await busyCpu(Number(values['busy-seconds']), Number(values.burners))
process.exit(0)
