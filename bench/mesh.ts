/**
 * Mesh benchmarks. Run: `npx tsx bench/mesh.ts [section...]` (sections: b; default all present).
 * Each section prints its figures against a baseline measured in the same run.
 *
 *   (a) reserved: gossip-state propagation
 *   (b) anti-entropy: bytes and time of a sync session vs a full-state transfer
 *   (c) reserved: health / partitions
 */
import { MemorySyncStore, syncInMemory, FULL_RANGE, bytesEqual } from '../src/mesh/core/anti-entropy/index.js'
import type { SyncEntry, SyncMessage } from '../src/mesh/core/anti-entropy/index.js'
import { decodeSyncMessage, encodeSyncMessage } from '../src/mesh/pb/sync-codec.js'
import { seededRandom } from '../src/util/pure/random.js'

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
// main: runs the sections present (others add theirs to this table)
// ---------------------------------------------------------------------------------------------------------------

const sections: Record<string, () => Promise<void>> = {
  b: benchAntiEntropy
}

async function main (): Promise<void> {
  const wanted = process.argv.slice(2)
  for (const [name, run] of Object.entries(sections)) {
    if (wanted.length === 0 || wanted.includes(name)) await run()
  }
}

await main()
