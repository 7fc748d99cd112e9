/**
 * The replication subsystem: multi-master data (`replication` service, `node.data`) with its HTTP routes and the
 * `replication` status section.
 *
 * Contracts:
 * - `node.data` is set before the node starts and usable once it has started (operations before throw
 *   `ReplicationNotStartedError`). The replica lives in `<dataDir>/replication` (LevelDB) and is flushed on stop.
 * - Resolvers and keyspaces come from `options.replication` when the node options carry it (see
 *   `ReplicationOptions`), else LWW for every key and the single keyspace `_`.
 * - Only verified peers (`ctx.isVerified`) gossip to, pull from, or are pulled from this node.
 * - HTTP (JSON bodies; errors as in http-api.ts):
 *   `PUT /v1/data/{key}` (optional `X-Clock` request header: the clock of the read this write replaces) → 200
 *   `{"clock"}` at once; `GET /v1/data/{key}` → 200 value, header `X-Clock`, 404 if absent or deleted;
 *   `DELETE /v1/data/{key}` → 200 `{"clock"}`; `GET /v1/data?since=<clock JSON>` → `{origin, since, clock, deltas}`;
 *   `POST /v1/data` `{"put": {key: value}, "delete": [key]}` (several writes in one request, applied in order, not
 *   atomically across keys) → 200 `{"clocks": {key: clock}}`;
 *   CRDTs: `POST /v1/crdt/counter/{name}` `{"by": n}` (default 1, negative decrements) → `{value, clock}`,
 *   `POST /v1/crdt/set/{name}` `{"add": [..], "remove": [..]}` → `{value, clock}`,
 *   `PUT /v1/crdt/register/{name}` (body = the value) → `{value, clock}`,
 *   `POST /v1/crdt/map/{name}` `{"set": {field: value}, "remove": [field]}` → `{value, clock}`,
 *   and `GET /v1/crdt/{counter|set|register|map}/{name}` → `{value, clock}` (the empty value when absent).
 *   A key of another kind → 409 `CrdtTypeMismatchError`. `GET /v1/replication` → the full statistics.
 * - Status section `replication`: `{ keys, entries, conflicts: { total, byResolver }, bytesReplicated, bytesSent,
 *   bytesReceived, checksum, clock, queued, antiEntropy }`.
 */
import { join } from 'node:path'
import { clockFromJSON, updateBatchToJSON } from '../../replication/core/index.js'
import { replication } from '../../replication/service/index.js'
import { LevelReplicaPersistence } from '../../replication/store/index.js'
import { ApiError, malformed, notFound } from '../http-api.js'
import { localWriteRoute } from './serving.js'
import type { Subsystem } from './types.js'
import type { JsonValue, ResolverConfig, VectorClock } from '../../replication/core/index.js'
import type { ReplicationService } from '../../replication/service/index.js'
import type { FederationNode } from '../federation-node.js'
import type { ApiRequest, HttpApi } from '../http-api.js'

declare module '../federation-node.js' {
  interface FederationNode {
    /**
     * Multi-master replicated data: `write/read/delete/getUpdatesSince/replicateFrom/onChange`, and CRDT handles
     * `counter(name)`, `set(name)`, `register(name)`, `map(name)`.
     */
    data: ReplicationService
  }
}

export const replicationSubsystem: Subsystem = {
  name: 'replication',
  services: (ctx) => {
    const opts = ctx.options.replication
    const resolvers: ResolverConfig = { default: 'lww', ...opts.resolvers } as ResolverConfig
    return {
      replication: replication({
        persistence: new LevelReplicaPersistence({ location: join(ctx.options.dataDir, 'replication') }),
        resolvers,
        keyspaces: opts.keyspaces ?? [],
        isVerified: (peer) => ctx.isVerified(peer),
        // Reset-to-known-good: a minority side keeps its changes to itself until it has adopted the majority's state.
        withholdOnMinority: ctx.options.partition.strategy === 'reset-to-known-good'
      })
    }
  },
  attach (node) {
    node.data = (node.libp2p.services as { replication: ReplicationService }).replication
    node.addStatusSection('replication', () => replicationSection(node.data))
  },
  routes (api: HttpApi, node: FederationNode) {
    const write = localWriteRoute(api, node)
    const data = (): ReplicationService => {
      if (!node.data.isStarted()) throw new ApiError('NotAvailable', 503, 'replication has not started', { 'Retry-After': '1' })
      return node.data
    }
    write('PUT', '/v1/data/{key*}', async (req) => {
      const value = await req.json() as JsonValue
      const context = clockHeader(req)
      const clock = await guard(async () => data().write(req.params.key as string, value, context === undefined ? {} : { context }))
      return { body: { clock } }
    })
    api.route('GET', '/v1/data/{key*}', (req) => {
      const r = data().read(req.params.key as string)
      if (r === undefined) throw notFound(`no value for ${req.params.key as string}`)
      return { headers: { 'X-Clock': JSON.stringify(r.clock), 'Content-Type': 'application/json' }, body: JSON.stringify(r.value) + '\n' }
    })
    write('DELETE', '/v1/data/{key*}', async (req) => {
      const context = clockHeader(req)
      const clock = await guard(async () => data().delete(req.params.key as string, context === undefined ? {} : { context }))
      return { body: { clock } }
    })
    api.route('GET', '/v1/data', (req) => {
      const text = req.query.get('since')
      let since: VectorClock = {}
      if (text != null && text !== '') {
        try { since = clockFromJSON(text) } catch (err) { throw malformed(`since: ${(err as Error).message}`) }
      }
      return { body: updateBatchToJSON(data().getUpdatesSince(since)) }
    })
    write('POST', '/v1/data', async (req) => {
      const body = await req.json() as { put?: unknown, delete?: unknown }
      if (typeof body !== 'object' || body === null) throw malformed('expected {"put": {key: value}, "delete": [key]}')
      const puts = body.put ?? {}
      const dels = body.delete ?? []
      if (typeof puts !== 'object' || puts === null || Array.isArray(puts)) throw malformed('put must be an object {key: value}')
      if (!Array.isArray(dels) || !dels.every(k => typeof k === 'string' && k.length > 0)) throw malformed('delete must be an array of keys')
      const entries = Object.entries(puts as Record<string, JsonValue>)
      if (entries.some(([k]) => k.length === 0)) throw malformed('keys must not be empty')
      const clocks: Record<string, VectorClock> = {}
      await guard(async () => {
        for (const [key, value] of entries) clocks[key] = await data().write(key, value)
        for (const key of dels as string[]) clocks[key] = await data().delete(key)
      })
      return { body: { clocks } }
    })
    api.route('GET', '/v1/replication', () => ({ body: { ...data().stats(), checksum: data().checksum() } }))

    const crdtBody = (name: string, kind: 'pn-counter' | 'or-set' | 'lww-register' | 'lww-map', empty: JsonValue): { value: JsonValue, clock: VectorClock } => {
      const r = data().read(name)
      if (r !== undefined && r.crdtType !== kind) throw new ApiError('CrdtTypeMismatchError', 409, `${name} does not hold a ${kind}`)
      return { value: r?.value ?? empty, clock: r?.clock ?? {} }
    }
    write('POST', '/v1/crdt/counter/{name*}', async (req) => {
      const name = req.params.name as string
      const body = await optionalJson(req)
      const by = (body as { by?: unknown } | undefined)?.by ?? 1
      if (typeof by !== 'number' || !Number.isSafeInteger(by)) throw malformed('by must be an integer')
      await guard(async () => data().counter(name).increment(by))
      return { body: crdtBody(name, 'pn-counter', 0) }
    })
    write('POST', '/v1/crdt/set/{name*}', async (req) => {
      const name = req.params.name as string
      const body = await req.json() as { add?: unknown, remove?: unknown }
      if (typeof body !== 'object' || body === null) throw malformed('expected {"add": [...], "remove": [...]}')
      const add = body.add ?? []
      const remove = body.remove ?? []
      if (!Array.isArray(add) || !Array.isArray(remove)) throw malformed('add and remove must be arrays')
      const set = data().set(name)
      await guard(async () => {
        if (add.length > 0) await set.add(...add as JsonValue[])
        if (remove.length > 0) await set.remove(...remove as JsonValue[])
      })
      return { body: crdtBody(name, 'or-set', []) }
    })
    write('PUT', '/v1/crdt/register/{name*}', async (req) => {
      const name = req.params.name as string
      const value = await req.json() as JsonValue
      await guard(async () => data().register(name).set(value))
      return { body: crdtBody(name, 'lww-register', null) }
    })
    write('POST', '/v1/crdt/map/{name*}', async (req) => {
      const name = req.params.name as string
      const body = await req.json() as { set?: unknown, remove?: unknown }
      if (typeof body !== 'object' || body === null) throw malformed('expected {"set": {...}, "remove": [...]}')
      const set = body.set ?? {}
      const remove = body.remove ?? []
      if (typeof set !== 'object' || set === null || Array.isArray(set)) throw malformed('set must be an object')
      if (!Array.isArray(remove) || !remove.every(f => typeof f === 'string')) throw malformed('remove must be an array of field names')
      const map = data().map(name)
      await guard(async () => {
        for (const [field, value] of Object.entries(set as Record<string, JsonValue>)) await map.set(field, value)
        for (const field of remove as string[]) await map.remove(field)
      })
      return { body: crdtBody(name, 'lww-map', {}) }
    })
    const empties = { counter: ['pn-counter', 0], set: ['or-set', []], register: ['lww-register', null], map: ['lww-map', {}] } as const
    api.route('GET', '/v1/crdt/{kind}/{name*}', (req) => {
      const entry = empties[req.params.kind as keyof typeof empties] as (typeof empties)[keyof typeof empties] | undefined
      if (entry === undefined) throw notFound(`unknown CRDT kind ${req.params.kind as string}; use counter, set, register or map`)
      return { body: crdtBody(req.params.name as string, entry[0], entry[1] as JsonValue) }
    })
  }
}

/**
 * The `replication` section of `GET /v1/status`. `keys` and `checksum` cost O(entries) after a change, and other
 * subsystems read `node.status()` for their own sections, so these two are getters, computed only when read (the
 * HTTP answer serialises them).
 */
export function replicationSection (data: ReplicationService): unknown {
  if (!data.isStarted()) return null
  const s = data.stats({ keys: false })
  return {
    get keys (): number { return data.replica.liveKeys() },
    entries: s.entries,
    conflicts: s.conflicts,
    bytesReplicated: s.bytesReplicated.sent + s.bytesReplicated.received,
    bytesSent: s.bytesReplicated.sent,
    bytesReceived: s.bytesReplicated.received,
    get checksum (): string { return data.checksum() },
    clock: s.clock,
    queued: s.deltas.queued,
    antiEntropy: s.antiEntropy
  }
}

function clockHeader (req: ApiRequest): VectorClock | undefined {
  const h = req.headers['x-clock']
  if (h == null || h === '') return undefined
  try {
    return clockFromJSON(Array.isArray(h) ? h[0] : h)
  } catch (err) {
    throw malformed(`X-Clock: ${(err as Error).message}`)
  }
}

async function optionalJson (req: ApiRequest): Promise<unknown> {
  const bytes = await req.body()
  if (bytes.length === 0) return undefined
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw malformed('the body is not valid JSON')
  }
}

/** Maps the core's named errors to HTTP statuses. */
async function guard<T> (fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    const name = (err as Error).name
    if (name === 'CrdtTypeMismatchError') throw new ApiError(name, 409, (err as Error).message)
    if (name === 'InvalidJsonValueError' || name === 'InvalidClockError' || name === 'InvalidCrdtOperationError') throw new ApiError(name, 400, (err as Error).message)
    if (name === 'ReplicationNotStartedError') throw new ApiError(name, 503, (err as Error).message, { 'Retry-After': '1' })
    throw err
  }
}
