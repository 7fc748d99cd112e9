/**
 * Wire forms of the replication service: JSON in UTF-8, with deltas packed as arrays and node ids replaced by
 * indexes into a per-message table (a peer id is 52 characters and a delta names nodes five times or more).
 * Packing is lossless: the receiver rebuilds exactly the core's `Delta` and the core verifies its checksum.
 *
 * - gossip message: `{"v":3,"from":"<peerId>","clock":{…},"nodes":[id…],"deltas":[packed…]}` — `clock` is the
 *   sender's summary when it published, its acknowledgement for tombstone collection; `deltas` may be empty (a pure
 *   acknowledgement);
 * - pull request: `{"since":{…}}`;
 * - pull answer page: `{"nodes":[…],"deltas":[packed…],"done":false}`, the last one with `"done":true,"origin":…,
 *   "clock":{…}`.
 *
 * A packed delta (n = node index, hlc = [wallMs, logical, n], checksum in unpadded base64):
 * - register: `["r", key, origin, hlc, event | 0, checksum, [[dotNode, dotCounter, hlc, deleted 0|1, value]…], [n, counter…]]`
 * - crdt:     `["c", key, origin, hlc, event | 0, checksum, crdtType, state, [n, counter…]]`
 * where event = `[n, counter]`.
 */
import { canonicalJson, clockFromJSON, isCrdtType } from '../core/index.js'
import { MalformedReplicationMessageError } from './errors.js'
import type { Delta, Dot, Hlc, JsonValue, NodeTable, Version, VectorClock } from '../core/index.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** 3: delta checksums are taken over `encodeDelta` (2 took them over the canonical JSON of the delta object). */
export const GOSSIP_VERSION = 3

function packHlc (h: Hlc, t: NodeTable): [number, number, number] {
  return [h.wallMs, h.logical, t.of(h.node)]
}

function packClock (c: VectorClock, t: NodeTable): number[] {
  const out: number[] = []
  for (const node of Object.keys(c)) out.push(t.of(node), c[node] as number)
  return out
}

function packVersion (v: Version, t: NodeTable): unknown[] {
  return [t.of(v.dot.node), v.dot.counter, packHlc(v.hlc, t), v.deleted ? 1 : 0, v.deleted ? null : v.value]
}

/** One delta's packed wire text, its node ids entered into `t`. */
export function packDelta (d: Delta, t: NodeTable): string {
  const event = d.event === undefined ? 0 : [t.of(d.event.node), d.event.counter]
  const checksum = Buffer.from(d.checksum, 'hex').toString('base64url')
  if (d.kind === 'register') {
    return JSON.stringify(['r', d.key, t.of(d.origin), packHlc(d.hlc, t), event, checksum, d.versions.map(v => packVersion(v, t)), packClock(d.context, t)])
  }
  return JSON.stringify(['c', d.key, t.of(d.origin), packHlc(d.hlc, t), event, checksum, d.crdtType, d.state, packClock(d.top, t)])
}

function fail (what: string): never {
  throw new MalformedReplicationMessageError(`malformed delta: ${what}`)
}

function count (x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) fail(`${what} must be a non-negative integer`)
  return x
}

function node (x: unknown, nodes: readonly string[]): string {
  const id = nodes[count(x, 'node index')]
  if (id === undefined) fail('node index out of range')
  return id
}

function unpackHlc (x: unknown, nodes: readonly string[]): Hlc {
  if (!Array.isArray(x) || x.length !== 3) fail('hlc must be [wallMs, logical, node]')
  return { wallMs: count(x[0], 'hlc.wallMs'), logical: count(x[1], 'hlc.logical'), node: node(x[2], nodes) }
}

function unpackClock (x: unknown, nodes: readonly string[]): VectorClock {
  if (!Array.isArray(x) || x.length % 2 !== 0) fail('clock must be [node, counter, ...]')
  const out: Record<string, number> = {}
  for (let i = 0; i < x.length; i += 2) {
    const c = count(x[i + 1], 'clock counter')
    if (c > 0) out[node(x[i], nodes)] = c
  }
  return out
}

function unpackEvent (x: unknown, nodes: readonly string[]): Dot | undefined {
  if (x === 0) return undefined
  if (!Array.isArray(x) || x.length !== 2) fail('event must be [node, counter] or 0')
  const counter = count(x[1], 'event counter')
  if (counter < 1) fail('event counter must be positive')
  return { node: node(x[0], nodes), counter }
}

function unpackVersion (x: unknown, nodes: readonly string[]): Version {
  if (!Array.isArray(x) || x.length !== 5) fail('version must be [node, counter, hlc, deleted, value]')
  const counter = count(x[1], 'dot counter')
  if (counter < 1) fail('dot counter must be positive')
  if (x[3] !== 0 && x[3] !== 1) fail('version.deleted must be 0 or 1')
  const deleted = x[3] === 1
  return { dot: { node: node(x[0], nodes), counter }, hlc: unpackHlc(x[2], nodes), value: deleted ? null : x[4] as JsonValue, deleted }
}

/**
 * Rebuilds a delta from its packed form (values are JSON.parse output, hence plain JSON). Throws
 * MalformedReplicationMessageError on any shape error; the content itself is checked by the core's checksum.
 */
export function unpackDelta (x: unknown, nodes: readonly string[]): Delta {
  if (!Array.isArray(x)) fail('expected an array')
  const [kind, key, origin, hlc, event, checksum] = x as unknown[]
  if (typeof key !== 'string') fail('key must be a string')
  if (typeof checksum !== 'string' || checksum.length !== 43) fail('checksum must be 32 bytes in base64url')
  const ev = unpackEvent(event, nodes)
  const common = {
    key,
    origin: node(origin, nodes),
    hlc: unpackHlc(hlc, nodes),
    ...(ev === undefined ? {} : { event: ev }),
    checksum: Buffer.from(checksum, 'base64url').toString('hex')
  }
  if (kind === 'r') {
    if (x.length !== 8 || !Array.isArray(x[6])) fail('register delta must have 8 fields')
    return { ...common, kind: 'register', versions: (x[6] as unknown[]).map(v => unpackVersion(v, nodes)), context: unpackClock(x[7], nodes) }
  }
  if (kind === 'c') {
    if (x.length !== 9) fail('crdt delta must have 9 fields')
    if (!isCrdtType(x[6])) fail(`unknown CRDT type ${JSON.stringify(x[6])}`)
    return { ...common, kind: 'crdt', crdtType: x[6], state: (x[7] ?? null) as JsonValue, top: unpackClock(x[8], nodes) }
  }
  fail(`unknown kind ${JSON.stringify(kind)}`)
}

export function encodeGossip (from: string, clock: VectorClock, table: NodeTable, packed: readonly string[]): Uint8Array {
  return encoder.encode(`{"v":${GOSSIP_VERSION},"from":${JSON.stringify(from)},"clock":${canonicalJson(clock)},"nodes":${table.toJSON()},"deltas":[${packed.join(',')}]}`)
}

export interface GossipMessage {
  from: string
  clock: VectorClock
  nodes: string[]
  /** Packed deltas, not yet unpacked (`unpackDelta` validates one). */
  deltas: unknown[]
}

export function decodeGossip (bytes: Uint8Array): GossipMessage {
  const o = parseObject(bytes)
  if (o.v !== GOSSIP_VERSION) throw new MalformedReplicationMessageError(`unknown gossip version ${JSON.stringify(o.v)}`)
  if (typeof o.from !== 'string' || o.from.length === 0) throw new MalformedReplicationMessageError('gossip.from must be a peer id')
  if (!Array.isArray(o.deltas)) throw new MalformedReplicationMessageError('gossip.deltas must be an array')
  return { from: o.from, clock: clock(o.clock), nodes: nodeList(o.nodes), deltas: o.deltas }
}

export function encodePullRequest (since: VectorClock): Uint8Array {
  return encoder.encode(`{"since":${canonicalJson(since)}}`)
}

export function decodePullRequest (bytes: Uint8Array): { since: VectorClock } {
  return { since: clock(parseObject(bytes).since) }
}

export function encodePage (table: NodeTable, packed: readonly string[], end?: { origin: string, clock: VectorClock }): Uint8Array {
  const tail = end === undefined ? ',"done":false' : `,"done":true,"origin":${JSON.stringify(end.origin)},"clock":${canonicalJson(end.clock)}`
  return encoder.encode(`{"nodes":${table.toJSON()},"deltas":[${packed.join(',')}]${tail}}`)
}

export interface PullPage {
  nodes: string[]
  deltas: unknown[]
  done: boolean
  origin?: string
  clock?: VectorClock
}

export function decodePage (bytes: Uint8Array): PullPage {
  const o = parseObject(bytes)
  if (!Array.isArray(o.deltas)) throw new MalformedReplicationMessageError('page.deltas must be an array')
  const nodes = nodeList(o.nodes)
  if (o.done !== true) return { nodes, deltas: o.deltas, done: false }
  if (typeof o.origin !== 'string' || o.origin.length === 0) throw new MalformedReplicationMessageError('page.origin must be a peer id')
  return { nodes, deltas: o.deltas, done: true, origin: o.origin, clock: clock(o.clock) }
}

function nodeList (x: unknown): string[] {
  if (!Array.isArray(x) || !x.every(id => typeof id === 'string' && id.length > 0)) throw new MalformedReplicationMessageError('nodes must be an array of peer ids')
  return x as string[]
}

function parseObject (bytes: Uint8Array): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    throw new MalformedReplicationMessageError('not UTF-8 JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedReplicationMessageError('expected a JSON object')
  return value as Record<string, unknown>
}

function clock (json: unknown): VectorClock {
  try {
    return clockFromJSON(json ?? {})
  } catch (err) {
    throw new MalformedReplicationMessageError(`malformed clock: ${(err as Error).message}`)
  }
}
