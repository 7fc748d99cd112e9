/**
 * Mesh benchmarks. Run: `npx tsx bench/mesh.ts [section...]` (sections: a, b, c; default all).
 * Each section prints its figures against a baseline measured in the same run.
 *
 *   (a) gossip-state dissemination: time until every node of a 10- and a 30-node mesh (one process, loopback) has an
 *       update, p50 / p99, against the targets and Serf's user events measured on this machine
 *   (b) anti-entropy: bytes and time of a sync session vs a full-state transfer
 *   (c) gossip-state throughput (signed, through the publish queue, validator and view) vs raw gossipsub publishing
 *       (signed) between the same nodes
 */
import '../src/util/polyfill.js'
import { MemorySyncStore, syncInMemory, FULL_RANGE, bytesEqual } from '../src/mesh/core/anti-entropy/index.js'
import type { SyncEntry, SyncMessage } from '../src/mesh/core/anti-entropy/index.js'
import { decodeSyncMessage, encodeSyncMessage } from '../src/mesh/pb/sync-codec.js'
import { seededRandom } from '../src/util/pure/random.js'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { antiEntropy } from '../src/mesh/anti-entropy/index.js'
import { MESH_PRESETS, presetFor } from '../src/mesh/core/gossip-state/index.js'
import { fastMessageId, gossipState, GOSSIP_STATE_TOPIC } from '../src/mesh/gossip-state/index.js'
import type { AntiEntropy } from '../src/mesh/anti-entropy/index.js'
import type { MeshPresetName } from '../src/mesh/core/gossip-state/index.js'
import type { GossipState, StateChange } from '../src/mesh/gossip-state/index.js'
import type { GossipSub, Message } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'

// ---------------------------------------------------------------------------------------------------------------
// (b) anti-entropy
// ---------------------------------------------------------------------------------------------------------------

const AE_KEYS = 100_000
const AE_DIFFS = 10
const AE_PAYLOAD_BYTES = 32
const AE_MAX_MESSAGE_BYTES = 64 * 1024

function versionBytes (counter: number): Uint8Array {
  const v = new Uint8Array(8)
  new DataView(v.buffer).setBigUint64(0, BigInt(counter))
  return v
}

function makeEntry (key: string, counter: number, random: ReturnType<typeof seededRandom>): SyncEntry {
  const payload = new Uint8Array(AE_PAYLOAD_BYTES)
  for (let i = 0; i < payload.length; i++) payload[i] = random.int(0, 255)
  return { key, version: versionBytes(counter), payload }
}

/** Two stores of `keys` entries that differ in `diffs` keys: changed on either side, or present on one side only. */
function buildDivergedStores (keys: number, diffs: number, seed: number): { a: MemorySyncStore, b: MemorySyncStore } {
  const random = seededRandom(seed)
  const a = new MemorySyncStore()
  const b = new MemorySyncStore()
  const names: string[] = []
  for (let i = 0; i < keys; i++) names.push(`peer-${random.int(0, 99)}/item-${i.toString(36).padStart(5, '0')}`)
  for (const name of names) {
    const e = makeEntry(name, 1, random)
    a.set(e)
    b.set(e)
  }
  const chosen = random.shuffle(names).slice(0, diffs)
  chosen.forEach((name, i) => {
    switch (i % 4) {
      case 0: a.set(makeEntry(name, 2, random)); break // newer on a
      case 1: b.set(makeEntry(name, 2, random)); break // newer on b
      case 2: b.delete(name); break // only on a
      default: a.delete(name) // only on b
    }
  })
  return { a, b }
}

interface AntiEntropyRun { bytes: number, ms: number, messages: number, turns: number, repaired: number, converged: boolean }

function runSession (a: MemorySyncStore, b: MemorySyncStore): AntiEntropyRun {
  let bytes = 0
  const transport = (m: SyncMessage): SyncMessage => {
    const wire = encodeSyncMessage(m)
    bytes += wire.length
    return decodeSyncMessage(wire)
  }
  const t0 = performance.now()
  const result = syncInMemory(a, b, { transport, maxMessageBytes: AE_MAX_MESSAGE_BYTES })
  const ms = performance.now() - t0
  const fa = a.fingerprint(FULL_RANGE)
  const fb = b.fingerprint(FULL_RANGE)
  return {
    bytes,
    ms,
    messages: result.messagesDelivered,
    turns: result.initiator.turns,
    repaired: result.appliedByInitiator + result.appliedByResponder,
    converged: result.completed && fa.count === fb.count && bytesEqual(fa.hash, fb.hash)
  }
}

/** The baseline: every entry of one store, encoded with the same codec in messages of the same size limit. */
function fullTransfer (store: MemorySyncStore): { bytes: number, ms: number, messages: number } {
  const t0 = performance.now()
  let bytes = 0
  let messages = 0
  let batch: SyncEntry[] = []
  let batchBytes = 0
  const flush = (endOfTurn: boolean): void => {
    bytes += encodeSyncMessage({ ranges: [], wants: [], entries: batch, endOfTurn }).length
    messages++
    batch = []
    batchBytes = 0
  }
  for (const e of store.entries()) {
    const size = e.key.length + e.version.length + e.payload.length + 12
    if (batchBytes + size > AE_MAX_MESSAGE_BYTES && batch.length > 0) flush(false)
    batch.push(e)
    batchBytes += size
  }
  flush(true)
  return { bytes, ms: performance.now() - t0, messages }
}

async function benchAntiEntropy (): Promise<void> {
  console.log(`\n(b) anti-entropy: ${AE_KEYS.toLocaleString('en')} keys per store, ${AE_DIFFS} differ, ${AE_PAYLOAD_BYTES} B payloads, codec round trip on every message`)
  const tb = performance.now()
  const { a, b } = buildDivergedStores(AE_KEYS, AE_DIFFS, 1)
  console.log(`  built two stores in ${(performance.now() - tb).toFixed(0)} ms`)

  const full = fullTransfer(a)
  const session = runSession(a, b)
  const again = runSession(a, b)
  const ratio = session.bytes / full.bytes
  console.log(`  full-state transfer : ${full.bytes.toLocaleString('en')} B in ${full.messages} messages, encode ${full.ms.toFixed(0)} ms`)
  console.log(`  sync session        : ${session.bytes.toLocaleString('en')} B in ${session.messages} messages, ${session.turns} turns, ${session.ms.toFixed(1)} ms, ${session.repaired} entries accepted, converged=${session.converged}`)
  console.log(`  ratio               : ${(ratio * 100).toFixed(3)} % of the full transfer's bytes (target < 1 %); time ${(session.ms / full.ms * 100).toFixed(1)} % of encoding the full state (target < 1 s: ${session.ms < 1000 ? 'met' : 'MISSED'})`)
  console.log(`  re-sync (equal)     : ${again.bytes} B in ${again.messages} messages, ${again.ms.toFixed(2)} ms`)

  console.log('  scaling (same run): bytes vs store size and difference size')
  console.log('    keys      diffs   bytes       ms     turns')
  for (const [keys, diffs] of [[1_000, 10], [10_000, 10], [100_000, 10], [100_000, 100], [100_000, 1_000]] as const) {
    const s = buildDivergedStores(keys, diffs, 7)
    const r = runSession(s.a, s.b)
    if (!r.converged) throw new Error(`stores did not converge (${keys} keys, ${diffs} diffs)`)
    console.log(`    ${String(keys).padEnd(9)} ${String(diffs).padEnd(7)} ${String(r.bytes).padEnd(11)} ${r.ms.toFixed(1).padEnd(6)} ${r.turns}`)
  }
  if (!session.converged) throw new Error('anti-entropy session did not converge')
}

// ---------------------------------------------------------------------------------------------------------------
// shared: a mesh of real libp2p nodes in this process
// ---------------------------------------------------------------------------------------------------------------

type BenchNode = Libp2p<{ pubsub: GossipSub, antiEntropy: AntiEntropy, state: GossipState, identify: unknown }>

/** Publishing is not paced by the preset's token bucket here: the sections measure gossip, not the rate limit. */
const UNPACED = { capacity: 4096, ratePerSecond: 1_000_000, burst: 1_000_000 }

async function benchNode (preset: MeshPresetName, fastIds = false): Promise<BenchNode> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 10_000, maxConnections: 1000 },
    services: {
      identify: identify(),
      pubsub: gossipsub({ ...MESH_PRESETS[preset].gossipsub, ...(fastIds ? { fastMsgIdFn: fastMessageId } : {}), scoreParams: { IPColocationFactorWeight: 0 }, allowPublishToZeroTopicPeers: false, emitSelf: false }),
      antiEntropy: antiEntropy({ preset }),
      state: gossipState({ preset, publishQueue: UNPACED })
    }
  })
  return node as unknown as BenchNode
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

async function until (check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

/** `n` nodes, each linked to a random earlier one (so the graph is connected) and dialing `extra` more at random. */
async function benchMesh (n: number, extra: number, seed: number, preset: MeshPresetName, fastIds: boolean): Promise<BenchNode[]> {
  const random = seededRandom(seed)
  const nodes: BenchNode[] = []
  for (let i = 0; i < n; i++) nodes.push(await benchNode(preset, fastIds))
  const links = new Set<string>()
  const link = async (i: number, j: number): Promise<void> => {
    const key = `${Math.min(i, j)}-${Math.max(i, j)}`
    if (i === j || links.has(key)) return
    links.add(key)
    await (nodes[i] as BenchNode).dial((nodes[j] as BenchNode).getMultiaddrs()[0] as never)
  }
  for (let i = 1; i < n; i++) await link(i, random.int(0, i - 1))
  for (let i = 0; i < n; i++) for (let k = 0; k < extra; k++) await link(i, random.int(0, n - 1))
  // The class has getMeshPeers; the exported GossipSub interface does not declare it.
  const meshPeers = (x: BenchNode): number => (x.services.pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(GOSSIP_STATE_TOPIC).length
  await until(() => nodes.every(x => meshPeers(x) > 0), 10_000, 'gossipsub meshes')
  // Let a few heartbeats shape the meshes.
  await sleep(2 * MESH_PRESETS[preset].gossipsub.heartbeatInterval)
  return nodes
}

function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number
}

// ---------------------------------------------------------------------------------------------------------------
// (a) gossip-state dissemination
// ---------------------------------------------------------------------------------------------------------------

const DISSEMINATION_UPDATES = 300

interface Dissemination { full: number[], perNode: number[], lost: number, links: number, preset: string }

/** Publishes one update at a time from the nodes in turn; for each, the time until the last node has it. */
async function disseminate (n: number, preset: MeshPresetName, fastIds: boolean): Promise<Dissemination> {
  const nodes = await benchMesh(n, 2, n, preset, fastIds)
  try {
    const arrivals = new Map<number, number[]>()
    for (const node of nodes) {
      node.services.state.onUpdate((c: StateChange) => {
        if (c.origin === 'local' || c.key !== 'seq') return
        arrivals.get(c.value as number)?.push(performance.now())
      })
    }
    const full: number[] = []
    const perNode: number[] = []
    let lost = 0
    for (let i = 0; i < DISSEMINATION_UPDATES; i++) {
      const times: number[] = []
      arrivals.set(i, times)
      const publisher = nodes[i % n] as BenchNode
      const t0 = performance.now()
      await publisher.services.state.update('seq', i)
      try {
        await until(() => times.length >= n - 1, 2000, 'dissemination')
        full.push(Math.max(...times) - t0)
        for (const t of times) perNode.push(t - t0)
      } catch {
        lost++
      }
      arrivals.delete(i)
      await sleep(3)
    }
    const links = nodes.reduce((sum, x) => sum + x.getConnections().length, 0) / 2
    return { full: full.sort((a, b) => a - b), perNode: perNode.sort((a, b) => a - b), lost, links, preset }
  } finally {
    await Promise.all(nodes.map(async x => { await x.stop() }))
  }
}

async function benchDissemination (): Promise<void> {
  console.log(`\n(a) gossip-state dissemination: ${DISSEMINATION_UPDATES} updates, one at a time, publishers in turn; time from update() until the last node's 'update' event`)
  const serf = { p50: 289, p99: 486 }
  const targets: Record<number, { p50?: number, p99: number }> = { 10: { p50: 20, p99: 60 }, 30: { p99: 100 } }
  // The preset each size gets (presetFor), then variations: gossipsub's fastMsgIdFn, and the small preset at 30.
  const runs: Array<[number, MeshPresetName, boolean]> = [
    [10, presetFor(10).name, false], [30, presetFor(30).name, false], [30, presetFor(30).name, true], [30, 'small', false]
  ]
  for (const [n, preset, fastIds] of runs) {
    const r = await disseminate(n, preset, fastIds)
    const p50 = percentile(r.full, 0.5)
    const p99 = percentile(r.full, 0.99)
    const t = targets[n] as { p50?: number, p99: number }
    const verdict = (v: number, target: number | undefined): string => target === undefined ? '' : ` (target ≤ ${target} ms: ${v <= target ? 'met' : 'MISSED'}, ${(v / target).toFixed(2)}x)`
    console.log(`  ${n} nodes, ${r.links} links, preset ${r.preset}, ${fastIds ? 'with' : 'without'} fastMessageId: all nodes p50 ${p50.toFixed(1)} ms${verdict(p50, t.p50)}, p99 ${p99.toFixed(1)} ms${verdict(p99, t.p99)}, max ${(r.full.at(-1) ?? NaN).toFixed(1)} ms, not everywhere within 2 s: ${r.lost}`)
    console.log(`      per node reached: p50 ${percentile(r.perNode, 0.5).toFixed(1)} ms, p99 ${percentile(r.perNode, 0.99).toFixed(1)} ms`)
    if (n === 10) console.log(`      vs Serf user events to 10 agents (p50 ${serf.p50} ms, p99 ${serf.p99} ms): ${(serf.p50 / p50).toFixed(0)}x faster at p50, ${(serf.p99 / p99).toFixed(0)}x at p99`)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// (c) gossip-state throughput vs raw gossipsub
// ---------------------------------------------------------------------------------------------------------------

const THROUGHPUT_MESSAGES = 3000
const PAYLOAD_BYTES = 256
const RAW_TOPIC = '/fedmesh/bench/raw'
/** A run gives up after this long (a link dropped under load and the state queue holds). */
const RUN_DEADLINE_MS = 30_000

/** `cpuUs`: process CPU time (all nodes, user + system) per message, steadier than wall time on a shared box. */
interface Throughput { perSecond: number, delivered: number, ms: number, failed: number, cpuUs: number }

function cpuPerMessage (since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / THROUGHPUT_MESSAGES
}

/** Raw: `await publish()` back to back, 256-byte payloads, signed; delivered = messages each subscriber got. */
async function rawRun (publisher: BenchNode, subscribers: BenchNode[], run: number): Promise<Throughput> {
  const counts = subscribers.map(() => 0)
  const last = subscribers.map(() => 0)
  const listeners = subscribers.map((s, k) => {
    const fn = (evt: CustomEvent<Message>): void => {
      if (evt.detail.topic !== RAW_TOPIC || evt.detail.data[0] !== run) return
      counts[k] = (counts[k] as number) + 1
      last[k] = performance.now()
    }
    s.services.pubsub.addEventListener('message', fn)
    return fn
  })
  const payload = new Uint8Array(PAYLOAD_BYTES).fill(7)
  payload[0] = run
  let failed = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < THROUGHPUT_MESSAGES; i++) {
    new DataView(payload.buffer).setUint32(1, i)
    try {
      await publisher.services.pubsub.publish(RAW_TOPIC, payload)
    } catch {
      // Raw gossipsub has no flow control: under load a subscriber link may drop (NoPeersSubscribedToTopic).
      failed++
    }
  }
  await until(() => counts.every(c => c >= THROUGHPUT_MESSAGES), 10_000, 'raw delivery').catch(() => {})
  await sleep(200)
  subscribers.forEach((s, k) => { s.services.pubsub.removeEventListener('message', listeners[k] as never) })
  const delivered = Math.min(...counts)
  const ms = Math.max(...last) - t0
  return { perSecond: delivered / (ms / 1000), delivered, ms, failed, cpuUs: cpuPerMessage(cpu0) }
}

/** Gossip state: `await update()` back to back on distinct keys, values sized so a message carries 256 bytes. */
async function stateRun (publisher: BenchNode, subscribers: BenchNode[], run: number): Promise<Throughput> {
  const counts = subscribers.map(() => 0)
  const last = subscribers.map(() => 0)
  const offs = subscribers.map((s, k) => s.services.state.onUpdate((c: StateChange) => {
    if (c.origin === 'local' || !c.key.startsWith(`r${run}-`)) return
    counts[k] = (counts[k] as number) + 1
    last[k] = performance.now()
  }))
  const filler = 'x'.repeat(PAYLOAD_BYTES - 80 - 8)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const signal = AbortSignal.timeout(RUN_DEADLINE_MS)
  let failed = 0
  for (let i = 0; i < THROUGHPUT_MESSAGES; i++) {
    try {
      await publisher.services.state.update(`r${run}-${i}`, filler, { signal })
    } catch {
      // Backpressure outlasted the run (the queue held while a link was down): the write stays local.
      failed = THROUGHPUT_MESSAGES - i
      break
    }
  }
  await until(() => counts.every(c => c >= THROUGHPUT_MESSAGES), 10_000, 'state delivery').catch(() => {})
  offs.forEach(off => { off() })
  const delivered = Math.min(...counts)
  const ms = Math.max(...last) - t0
  return { perSecond: delivered / (ms / 1000), delivered, ms, failed, cpuUs: cpuPerMessage(cpu0) }
}

async function benchThroughput (): Promise<void> {
  console.log(`\n(c) throughput, 1 publisher -> 2 subscribers, ${THROUGHPUT_MESSAGES} messages of ~${PAYLOAD_BYTES} B each run, signed (StrictSign), alternating runs`)
  const nodes = await Promise.all([benchNode('small'), benchNode('small'), benchNode('small')])
  const [publisher, ...subscribers] = nodes as [BenchNode, BenchNode, BenchNode]
  try {
    for (const s of subscribers) await publisher.dial(s.getMultiaddrs()[0] as never)
    await subscribers[0].dial(subscribers[1].getMultiaddrs()[0] as never)
    for (const s of subscribers) s.services.pubsub.subscribe(RAW_TOPIC)
    await until(() => publisher.services.pubsub.getSubscribers(RAW_TOPIC).length === 2 && publisher.services.pubsub.getSubscribers(GOSSIP_STATE_TOPIC).length === 2, 5000, 'subscriptions')
    await sleep(1000)
    const raw: Throughput[] = []
    const state: Throughput[] = []
    // A loaded box can make the connection monitor drop a link mid-run; each run starts fully linked.
    const relink = async (): Promise<void> => {
      for (const s of subscribers) {
        if (publisher.getConnections(s.peerId).length === 0) await publisher.dial(s.getMultiaddrs()[0] as never)
      }
      await until(() => publisher.services.pubsub.getSubscribers(RAW_TOPIC).length === 2 && publisher.services.pubsub.getSubscribers(GOSSIP_STATE_TOPIC).length === 2, 5000, 'subscriptions')
    }
    for (let run = 1; run <= 4; run++) {
      await relink()
      // Alternate which goes first, so neither always runs on a warmer (or more loaded) process.
      if (run % 2 === 1) {
        raw.push(await rawRun(publisher, subscribers, run))
        await relink()
        state.push(await stateRun(publisher, subscribers, run))
      } else {
        state.push(await stateRun(publisher, subscribers, run))
        await relink()
        raw.push(await rawRun(publisher, subscribers, run))
      }
    }
    const show = (t: Throughput): string => `${t.perSecond.toFixed(0)}/s (${t.delivered}/${THROUGHPUT_MESSAGES} in ${t.ms.toFixed(0)} ms, ${t.cpuUs.toFixed(0)} µs CPU/msg${t.failed > 0 ? `, ${t.failed} not published` : ''})`
    console.log(`  raw gossipsub publish : ${raw.map(show).join(', ')}`)
    console.log(`  gossip state update() : ${state.map(show).join(', ')}`)
    const median = (xs: Throughput[], pick: (t: Throughput) => number = t => t.perSecond): number => {
      const v = xs.map(pick).sort((a, b) => a - b)
      return ((v[Math.floor((v.length - 1) / 2)] as number) + (v[Math.ceil((v.length - 1) / 2)] as number)) / 2
    }
    const ratio = median(state) / median(raw)
    const cpuRatio = median(raw, t => t.cpuUs) / median(state, t => t.cpuUs)
    console.log(`  ratio (medians)       : gossip state = ${(ratio * 100).toFixed(0)} % of raw by wall time (target ≥ 80 %: ${ratio >= 0.8 ? 'met' : 'MISSED'}); by CPU per message ${(cpuRatio * 100).toFixed(0)} % (raw CPU / state CPU)`)
    const st = subscribers[0].services.state.stats
    console.log(`  subscriber counters   : received ${st.received}, duplicates ${st.duplicates}, rejected ${st.rejectedMalformed + st.rejectedForgedOwner + st.rejectedOversized + st.rejectedUnsigned}`)
  } finally {
    await Promise.all(nodes.map(async x => { await x.stop() }))
  }
}

// ---------------------------------------------------------------------------------------------------------------
// main: runs the sections present (others add theirs to this table)
// ---------------------------------------------------------------------------------------------------------------

const sections: Record<string, () => Promise<void>> = {
  a: benchDissemination,
  b: benchAntiEntropy,
  c: benchThroughput
}

async function main (): Promise<void> {
  const wanted = process.argv.slice(2)
  for (const [name, run] of Object.entries(sections)) {
    if (wanted.length === 0 || wanted.includes(name)) await run()
  }
}

await main()
