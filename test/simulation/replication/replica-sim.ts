/**
 * A seeded simulation of replicas that write, delete and update CRDTs concurrently over a network that
 * drops, duplicates, delays (reorders) and partitions deltas, collects tombstones on the way, and then
 * heals with pairwise anti-entropy. `runReplicaSim(seed)` returns the problems found (none means pass).
 */
import type { Random } from '../../../src/util/pure/random.js'
import { seededRandom } from '../../../src/util/pure/random.js'
import {
  canonicalJson, CrdtTypeMismatchError, GCounter, LWWMap, LWWRegister, MVRegister, mergeClocks, ORSet, PNCounter, ReplicaState,
  coversDot, clockLeq, entryToJSON
} from '../../../src/replication/core/index.js'
import type { Delta, Dot, JsonValue, ResolverConfig, VectorClock } from '../../../src/replication/core/index.js'

export interface SimOptions {
  nodes?: number
  steps?: number
  dropRate?: number
  duplicateRate?: number
  maxDelayMs?: number
  /** Per-step chance that a node broadcasts its summary clock (the acknowledgement used for collection). */
  ackRate?: number
  /** Chance that a sent message straggles: it arrives 1 to 4 s late, typically after its key was collected. */
  straggleRate?: number
  /** Per-step chance of one anti-entropy exchange between two random connected nodes. */
  antiEntropyRate?: number
  /** Per-step chance that a node collects stable tombstones. */
  collectRate?: number
}

export interface SimResult {
  seed: number
  problems: string[]
  ops: number
  delivered: number
  dropped: number
  /** Keys collected while writes and losses were still going on (before healing). */
  collectedDuringRun: number
  collected: number
  conflicts: number
  /** The replicas as they ended, for inspecting a failing seed. */
  replicas: ReplicaState[]
}

type Message =
  | { kind: 'delta', to: number, at: number, delta: Delta }
  | { kind: 'ack', to: number, at: number, from: string, clock: VectorClock }

interface RegisterOp { key: string, dot: Dot, seen: VectorClock, value: JsonValue, deleted: boolean }

export const SIM_RESOLVERS: ResolverConfig = {
  default: 'lww',
  prefixes: {
    'm/': 'merge-union',
    's/': { kind: 'keep-siblings', max: 3 },
    'h/': 'highest-node',
    'c/': {
      kind: 'custom',
      name: 'max-number',
      merge: (a, b) => (typeof a === 'number' && typeof b === 'number' ? Math.max(a, b) : b)
    }
  }
}

const REGISTER_KEYS = ['k0', 'k1', 'k2', 'm/0', 'm/1', 's/0', 's/1', 'h/0', 'c/0', 'x/mixed']
const COUNTER_KEYS = ['ctr/0', 'ctr/1']

function randomValue (rng: Random, key: string): JsonValue {
  if (key.startsWith('m/')) {
    return rng.chance(0.5)
      ? [rng.int(0, 9), rng.int(0, 9)]
      : { [`f${rng.int(0, 3)}`]: rng.int(0, 99), tags: [rng.pick(['a', 'b', 'c', 'd'])] }
  }
  if (key.startsWith('c/')) return rng.int(0, 1000)
  return rng.chance(0.8) ? `v${rng.int(0, 99999)}` : { n: rng.int(0, 9), ok: rng.chance(0.5) }
}

export function runReplicaSim (seed: number, options: SimOptions = {}): SimResult {
  const rng = seededRandom(seed)
  const n = options.nodes ?? 5
  const steps = options.steps ?? 200
  const dropRate = options.dropRate ?? 0.25
  const duplicateRate = options.duplicateRate ?? 0.1
  const maxDelayMs = options.maxDelayMs ?? 300
  const ackRate = options.ackRate ?? 0.3
  const collectRate = options.collectRate ?? 0.3
  const antiEntropyRate = options.antiEntropyRate ?? 0.3
  const straggleRate = options.straggleRate ?? 0.03
  const ids = Array.from({ length: n }, (_, i) => `12D3KooWnode${String.fromCharCode(65 + i)}`)
  const replicas = ids.map(nodeId => new ReplicaState({ nodeId, resolvers: SIM_RESOLVERS }))
  const skew = ids.map(() => rng.int(-400, 400))
  const acks: Array<Record<string, VectorClock>> = ids.map(() => ({}))
  const lastRead: Array<Map<string, VectorClock>> = ids.map(() => new Map())
  const problems: string[] = []
  const registerOps: RegisterOp[] = []
  const counterTotals = new Map<string, number>()
  let inFlight: Message[] = []
  let partition: number[] | null = null
  let partitionUntil = 0
  let now = 1_000_000
  let ops = 0
  let delivered = 0
  let dropped = 0
  let collected = 0

  const physical = (i: number): number => Math.max(0, now + (skew[i] as number))
  const linked = (a: number, b: number): boolean => partition === null || partition[a] === partition[b]

  function send (from: number, make: (to: number) => Message): void {
    for (let to = 0; to < n; to++) {
      if (to === from) continue
      if (rng.chance(dropRate) || !linked(from, to)) { dropped++; continue }
      inFlight.push(make(to))
      if (rng.chance(duplicateRate)) inFlight.push({ ...make(to), at: now + rng.int(0, maxDelayMs * 2) })
    }
  }

  function gossip (from: number, delta: Delta): void {
    send(from, (to) => ({ kind: 'delta', to, at: now + (rng.chance(straggleRate) ? rng.int(1000, 4000) : rng.int(1, maxDelayMs)), delta }))
  }

  function apply (to: number, delta: Delta): void {
    const r = (replicas[to] as ReplicaState).applyDelta(delta, { nowMs: physical(to) })
    if (r.status === 'rejected-checksum' || r.status === 'rejected-clock-drift') {
      problems.push(`${ids[to]} rejected an honest delta for ${delta.key}: ${r.status}`)
    }
  }

  function localOp (i: number): void {
    const r = replicas[i] as ReplicaState
    const roll = rng.next()
    const t = physical(i)
    try {
      if (roll < 0.45) {
        const key = rng.pick(REGISTER_KEYS)
        const value = randomValue(rng, key)
        const stale = rng.chance(0.2) ? lastRead[i]?.get(key) : undefined
        const d = stale === undefined ? r.write(key, value, t) : r.write(key, value, t, { context: stale })
        registerOps.push({ key, dot: d.event as Dot, seen: stale === undefined ? d.context : mergeClocks(stale, { [ids[i] as string]: (d.event as Dot).counter }), value, deleted: false })
        gossip(i, d)
      } else if (roll < 0.55) {
        const key = rng.pick(REGISTER_KEYS)
        const d = r.delete(key, t)
        registerOps.push({ key, dot: d.event as Dot, seen: d.context, value: null, deleted: true })
        gossip(i, d)
      } else if (roll < 0.62) {
        const key = rng.pick(REGISTER_KEYS)
        const read = r.read(key)
        if (read !== undefined) lastRead[i]?.set(key, read.clock)
        return
      } else if (roll < 0.75) {
        const key = rng.pick(COUNTER_KEYS)
        const by = rng.int(-5, 10)
        gossip(i, r.mutateCrdt(key, PNCounter, (s, a) => PNCounter.increment(s, a.node, by), t))
        counterTotals.set(key, (counterTotals.get(key) ?? 0) + by)
      } else if (roll < 0.8) {
        const by = rng.int(0, 3)
        const key = rng.chance(0.8) ? 'g/0' : 'x/mixed'
        gossip(i, r.mutateCrdt(key, GCounter, (s, a) => GCounter.increment(s, a.node, by), t))
        if (key === 'g/0') counterTotals.set(key, (counterTotals.get(key) ?? 0) + by)
      } else if (roll < 0.88) {
        const x = rng.pick(['a', 'b', 'c', 'd', 'e'])
        gossip(i, r.mutateCrdt('set/0', ORSet, (s, a) => rng.chance(0.6) ? ORSet.add(s, a.node, x) : ORSet.remove(s, x), t))
      } else if (roll < 0.94) {
        const field = rng.pick(['p', 'q', 'r'])
        gossip(i, r.mutateCrdt('map/0', LWWMap, (s, a) => rng.chance(0.7) ? LWWMap.set(s, field, rng.int(0, 9), a.hlc) : LWWMap.remove(s, field, a.hlc), t))
      } else if (roll < 0.97) {
        const v = rng.int(0, 99)
        gossip(i, r.mutateCrdt('mv/0', MVRegister, (s, a) => MVRegister.set(s, a.node, v), t))
      } else {
        const v = rng.int(0, 99)
        gossip(i, r.mutateCrdt('lr/0', LWWRegister, (s, a) => LWWRegister.set(s, v, a.hlc), t))
      }
      ops++
    } catch (err) {
      if (!(err instanceof CrdtTypeMismatchError)) throw err
    }
  }

  function antiEntropy (from: number, to: number): void {
    const batch = (replicas[from] as ReplicaState).getUpdatesSince((replicas[to] as ReplicaState).clock())
    const result = (replicas[to] as ReplicaState).applyUpdates(batch, { nowMs: physical(to) })
    for (const r of result.results) {
      if (r.status.startsWith('rejected')) problems.push(`${ids[to]} rejected anti-entropy delta ${r.key}: ${r.status}`)
    }
  }

  function collect (i: number): void {
    collected += (replicas[i] as ReplicaState).collectGarbage(acks[i] as Record<string, VectorClock>, ids).length
  }

  for (let step = 0; step < steps; step++) {
    if (partition !== null && now >= partitionUntil) partition = null
    if (partition === null && rng.chance(0.02)) {
      partition = ids.map(() => rng.int(0, 1))
      partitionUntil = now + rng.int(100, 1500)
    }
    // Bursts of writes alternate with quiet spells in which summaries catch up and tombstones become stable.
    const quiet = step % 50 >= 30
    now += quiet ? rng.int(30, 120) : rng.int(0, 25)
    const actions = quiet ? 0 : rng.int(1, 3)
    for (let a = 0; a < actions; a++) localOp(rng.int(0, n - 1))

    // Deliver what is due, in random order (reordering on top of the random delays).
    const due = rng.shuffle(inFlight.filter(m => m.at <= now))
    inFlight = inFlight.filter(m => m.at > now)
    for (const m of due) {
      delivered++
      if (m.kind === 'delta') {
        if (rng.chance(0.01)) {
          // A corrupted copy must be refused and change nothing.
          const bad = { ...m.delta, key: `${m.delta.key}~` }
          const r = (replicas[m.to] as ReplicaState).applyDelta(bad)
          if (r.status !== 'rejected-checksum') problems.push(`corrupted delta not rejected: ${r.status}`)
        }
        apply(m.to, m.delta)
      } else {
        const mine = acks[m.to] as Record<string, VectorClock>
        mine[m.from] = mergeClocks(mine[m.from] ?? {}, m.clock)
      }
    }
    for (let k = quiet ? 2 : rng.chance(antiEntropyRate) ? 1 : 0; k > 0; k--) {
      const from = rng.int(0, n - 1)
      const to = rng.int(0, n - 1)
      if (from !== to && linked(from, to)) antiEntropy(from, to)
    }
    if (rng.chance(quiet ? 0.9 : ackRate)) {
      const from = rng.int(0, n - 1)
      const clock = (replicas[from] as ReplicaState).clock()
      send(from, (to) => ({ kind: 'ack', to, at: now + rng.int(1, maxDelayMs), from: ids[from] as string, clock }))
    }
    if (rng.chance(quiet ? 0.6 : collectRate)) collect(rng.int(0, n - 1))
  }

  const collectedDuringRun = collected
  const divergence = (): string[] => {
    const out: string[] = []
    for (const key of [...new Set(replicas.flatMap(r => r.keys()))].sort()) {
      const forms = replicas.map(r => { const e = r.entry(key); return e === undefined ? 'none' : canonicalJson(entryToJSON(e)) })
      if (new Set(forms).size > 1) out.push(`${key}: ${forms.join(' | ')}`)
    }
    return out
  }

  // Heal: partitions end; of what is still in flight (stragglers included) half arrives late, in random
  // order, after every write, the rest is lost; then rounds of pairwise anti-entropy.
  partition = null
  now += 5000
  for (const m of rng.shuffle(inFlight)) {
    if (m.kind !== 'delta' || rng.chance(0.5)) { dropped++; continue }
    delivered++
    apply(m.to, m.delta)
  }
  inFlight = []
  for (let round = 0; round < 4; round++) {
    for (let from = 0; from < n; from++) {
      for (let to = 0; to < n; to++) if (from !== to) antiEntropy(from, to)
    }
    const clocks = replicas.map(r => canonicalJson(r.clock()))
    if (new Set(clocks).size === 1) break
  }

  const clocks = replicas.map(r => canonicalJson(r.clock()))
  if (new Set(clocks).size !== 1) problems.push(`summary clocks differ after healing: ${clocks.join(' | ')}`)

  // Every key reads the same everywhere.
  const allKeys = new Set(replicas.flatMap(r => r.keys()))
  for (const key of allKeys) {
    const reads = replicas.map(r => canonicalJson(r.read(key)?.value ?? '<absent>'))
    if (new Set(reads).size !== 1) problems.push(`${key} reads differ: ${reads.join(' | ')}`)
  }

  // Counters lose no increment.
  for (const [key, total] of counterTotals) {
    for (const r of replicas) {
      const v = r.read(key)?.value ?? 0
      if (v !== total) problems.push(`${r.nodeId} ${key} = ${String(v)}, expected ${total}`)
    }
  }

  // A write or delete that has seen every other operation on its key wins on every replica.
  for (const key of REGISTER_KEYS) {
    const onKey = registerOps.filter(o => o.key === key)
    if (onKey.length === 0 || replicas[0]?.entry(key)?.kind === 'crdt') continue
    const newest = onKey.find(w => onKey.every(o => o === w || coversDot(w.seen, o.dot)))
    if (newest === undefined) continue
    const expected = canonicalJson(newest.deleted ? '<absent>' : key.startsWith('s/') ? [newest.value] : newest.value)
    for (const r of replicas) {
      const got = canonicalJson(r.read(key)?.value ?? '<absent>')
      if (got !== expected) problems.push(`${r.nodeId} lost the causally newest write of ${key}: got ${got}, expected ${expected}`)
    }
  }

  const readAll = (): string => canonicalJson([...allKeys].sort().map(k => replicas.map(r => r.read(k)?.value ?? '<absent>')))
  const readsBefore = readAll()

  // With everyone's acknowledgement every tombstone is stable: collection leaves identical full states.
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (acks[i] as Record<string, VectorClock>)[ids[j] as string] = (replicas[j] as ReplicaState).clock()
  for (let i = 0; i < n; i++) collect(i)
  const sums = replicas.map(r => r.checksum())
  if (new Set(sums).size !== 1) problems.push(`live checksums differ after healing and collection: ${sums.map(s => s.slice(0, 8)).join(' ')}`, ...divergence().slice(0, 3))
  const full = replicas.map(r => r.checksum({ includeDeleted: true }))
  if (new Set(full).size !== 1) problems.push(`full checksums differ after collection: ${full.map(s => s.slice(0, 8)).join(' ')}`)
  if (readAll() !== readsBefore) problems.push('collection changed what readers see')
  for (const r of replicas) {
    for (const key of r.keys()) {
      const e = r.entry(key)
      if (e?.kind === 'register' && e.versions.every(v => v.deleted) && clockLeq(e.context, r.clock())) {
        problems.push(`${r.nodeId} kept a stable tombstone for ${key}`)
      }
    }
  }

  const conflicts = replicas.reduce((s, r) => s + r.stats().conflictResolved, 0)
  return { seed, problems, ops, delivered, dropped, collectedDuringRun, collected, conflicts, replicas }
}
