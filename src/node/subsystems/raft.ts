/**
 * The Raft subsystem: the `raft` libp2p service (durable log in `<dataDir>/raft`), the library
 * facades `node.kv` and `node.locks`, the `raft` status section and the HTTP routes `/v1/kv/*`,
 * `/v1/locks/*`, `/v1/raft/*`.
 *
 * Contracts:
 * - `node.raft`, `node.kv` and `node.locks` are set before the node starts.
 * - HTTP (CONTRACT.md): writes answer 200 `{"revision": n}` with `ETag: "n"` only once committed;
 *   `If-Match: "n"` makes PUT/DELETE a compare-and-swap (412 `PreconditionFailed` on mismatch,
 *   `If-Match: "0"` = only if absent); 404 for an absent key; no leader, no quorum or no commit in
 *   time: 503 `NoQuorum` with `Retry-After`; a node not yet in a cluster: 503 `NotReady`. Followers
 *   forward writes to the leader themselves (inside the service), so every node accepts every request.
 * - Watch: `GET /v1/kv/{key}?watch=1` (one key) and `GET /v1/kv?prefix=P&watch=1` stream server-sent
 *   events `put` / `delete` with JSON data `{key, revision, value?}` (value base64) as this node applies them,
 *   each with `id: <revision>`; `Last-Event-ID` (an EventSource reconnecting) or `?afterRevision=N` first replays
 *   the changes after N that this node still retains (409 `Compacted` when some are gone).
 * - Hidden tuning for tests and benchmarks (environment): `FEDMESH_RAFT_SNAPSHOT_THRESHOLD` (entries
 *   between snapshots), `FEDMESH_RAFT_TICK_MS`.
 */
import { ApiError, malformed, notFound } from '../http-api.js'
import { registerHistogramSnapshot } from '../metrics.js'
import { raft } from '../../consensus/raft-service/index.js'
import type { Subsystem } from './types.js'
import type { LockLease, RaftService, ReadOptions, WriteOptions } from '../../consensus/raft-service/index.js'
import type { KvEvent } from '../../consensus/kv/core/index.js'
import type { FederationNode } from '../federation-node.js'
import type { ApiRequest, HttpApi } from '../http-api.js'

/** `node.kv`: the strongly consistent key-value store (Raft). */
export interface KvFacade {
  /** Writes `value`; resolves with the new revision once committed. */
  put(key: string, value: Uint8Array | string, options?: WriteOptions): Promise<{ revision: number }>
  /** The value and its revision, or undefined when absent. Linearizable unless `consistency: 'serializable'`. */
  get(key: string, options?: ReadOptions): Promise<{ value: Uint8Array, revision: number } | undefined>
  /** Deletes `key` (KeyNotFoundError when absent). */
  delete(key: string, options?: WriteOptions & { ifRevision?: number }): Promise<{ revision: number }>
  /** Writes only when the key's revision is `expected` (0 = absent); RevisionMismatchError otherwise. */
  cas(key: string, expected: number, value: Uint8Array | string, options?: WriteOptions): Promise<{ revision: number }>
  /** Keys under `prefix` with their revisions, ascending. */
  list(prefix?: string, options?: ReadOptions): Promise<Array<{ key: string, revision: number }>>
  /**
   * Changes to `key` (or every key under `{ prefix }`) applied on this node from now on; returns unsubscribe.
   * With `afterRevision`, first replays the retained changes after it (WatchCompactedError if some are gone).
   */
  watch(target: string | { prefix: string }, listener: (event: KvEvent) => void, options?: { afterRevision?: number }): () => void
}

/** `node.locks`: lease locks with fencing tokens. */
export interface LocksFacade {
  acquire(name: string, options?: WriteOptions & { ttlMs?: number, owner?: string }): Promise<LockLease>
  release(name: string, token: number, options?: WriteOptions): Promise<void>
}

declare module '../federation-node.js' {
  interface FederationNode {
    /** The Raft service (status, membership, the raw KV API). */
    raft: RaftService
    /** Strongly consistent key-value store. */
    kv: KvFacade
    /** Lease locks with fencing tokens. */
    locks: LocksFacade
  }
}

const encoder = new TextEncoder()

function envNumber (name: string): number | undefined {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw)
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

export const raftSubsystem: Subsystem = {
  name: 'raft',
  services: (ctx) => ({
    raft: raft({
      dataDir: ctx.options.dataDir,
      expect: ctx.options.raft.expect,
      maxVoters: ctx.options.raft.maxVoters,
      isVerified: (peer) => ctx.isVerified(peer),
      knownPeers: () => ctx.peers.all().map(r => r.peerId),
      snapshotThreshold: envNumber('FEDMESH_RAFT_SNAPSHOT_THRESHOLD'),
      tickMs: envNumber('FEDMESH_RAFT_TICK_MS')
    })
  }),
  attach (node) {
    const service = (node.libp2p.services as { raft: RaftService }).raft
    node.raft = service
    node.kv = kvFacade(service)
    node.locks = {
      acquire: async (name, options) => service.acquireLock(name, options),
      release: async (name, token, options) => { await service.releaseLock(name, token, options) }
    }
    node.addStatusSection('raft', () => service.status())
    registerHistogramSnapshot(node.metrics.registry, 'fedmesh_raft_commit_latency_seconds', 'Time from proposal to applied of the writes made on this node (forwarded ones included)', () => service.commitLatency.snapshot())
  },
  routes (api: HttpApi, node: FederationNode) {
    registerRaftRoutes(api, node.raft)
  }
}

export function kvFacade (service: RaftService): KvFacade {
  const bytes = (v: Uint8Array | string): Uint8Array => typeof v === 'string' ? encoder.encode(v) : v
  return {
    put: async (key, value, options) => ({ revision: await service.put(key, bytes(value), options) }),
    get: async (key, options) => {
      const e = await service.get(key, options)
      return e === undefined ? undefined : { value: e.value, revision: e.modRevision }
    },
    delete: async (key, options) => ({ revision: await service.delete(key, options) }),
    cas: async (key, expected, value, options) => ({ revision: await service.put(key, bytes(value), { ...options, ifRevision: expected }) }),
    list: async (prefix, options) => (await service.list(prefix ?? '', options)).map(l => ({ key: l.key, revision: l.modRevision })),
    watch: (target, listener, options) => {
      const match = typeof target === 'string' ? (k: string) => k === target : (k: string) => k.startsWith(target.prefix)
      return service.watch((ev) => { if (match(ev.key)) listener(ev) }, options)
    }
  }
}

/** Maps the service's errors to the HTTP contract. */
function httpError (err: unknown): unknown {
  const e = err as Error & { currentRevision?: number }
  switch (e?.name) {
    case 'NoQuorumError':
    case 'RaftStoppedError':
      return new ApiError('NoQuorum', 503, e.message, { 'Retry-After': '1' })
    case 'RaftNotReadyError':
      return new ApiError('NotReady', 503, e.message, { 'Retry-After': '1' })
    case 'RevisionMismatchError':
      return new ApiError('PreconditionFailed', 412, e.message, { ETag: `"${e.currentRevision ?? 0}"` })
    case 'KeyNotFoundError':
      return notFound(e.message)
    case 'LockHeldError':
      return new ApiError('LockHeld', 409, e.message)
    case 'InvalidLockTokenError':
      return new ApiError('InvalidToken', 409, e.message)
    case 'InvalidMembershipRequestError':
      return new ApiError('InvalidRequest', 400, e.message)
    case 'MalformedCommandError':
      return malformed(e.message)
    case 'WatchCompactedError':
      return new ApiError('Compacted', 409, e.message)
    default:
      return err
  }
}

/** Runs a route's work, mapping its errors to the HTTP contract. */
function guarded<T> (fn: () => Promise<T>): Promise<T> {
  return fn().catch((err: unknown) => { throw httpError(err) })
}

function ifMatch (req: ApiRequest): number | undefined {
  const raw = req.headers['if-match']
  if (raw === undefined) return undefined
  const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(Array.isArray(raw) ? raw[0] ?? '' : raw)
  if (m === null) throw malformed('If-Match must be a revision such as "12"')
  return Number(m[1])
}

function consistency (req: ApiRequest): ReadOptions['consistency'] {
  const c = req.query.get('consistency')
  if (c === null || c === '') return 'linearizable'
  if (c !== 'linearizable' && c !== 'serializable') throw malformed('consistency must be linearizable or serializable')
  return c
}

function positiveInt (req: ApiRequest, name: string, required: boolean): number | undefined {
  const raw = req.query.get(name)
  if (raw === null || raw === '') {
    if (required) throw malformed(`?${name}= is required`)
    return undefined
  }
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 0) throw malformed(`?${name}= must be a non-negative integer`)
  return n
}

/** Where a watch resumes: `Last-Event-ID` (an EventSource reconnecting) or `?afterRevision=`. */
function resumeAfter (req: ApiRequest): number | undefined {
  const header = req.raw.req.headers['last-event-id']
  const raw = typeof header === 'string' && header !== '' ? header : req.query.get('afterRevision')
  if (raw === null || raw === undefined || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 0) throw malformed('Last-Event-ID and ?afterRevision= must be a revision (a non-negative integer)')
  return n
}

function streamWatch (req: ApiRequest, service: RaftService, match: (key: string) => boolean): { streamed: true } {
  const { res } = req.raw
  const afterRevision = resumeAfter(req)
  const lines: string[] = []
  let write = (line: string): void => { lines.push(line) }
  // Subscribing may replay history synchronously (or throw before anything was sent).
  const unsubscribe = service.watch((ev) => {
    if (!match(ev.key)) return
    const data: Record<string, unknown> = { key: ev.key, revision: ev.revision }
    if (ev.value !== undefined) data.value = Buffer.from(ev.value).toString('base64')
    write(`event: ${ev.type}\nid: ${ev.revision}\ndata: ${JSON.stringify(data)}\n\n`)
  }, afterRevision === undefined ? {} : { afterRevision })
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' })
  res.write(': watching\n\n' + lines.join(''))
  write = (line) => { res.write(line) }
  const keepAlive = setInterval(() => { res.write(': keep-alive\n\n') }, 15_000)
  keepAlive.unref()
  req.raw.req.on('close', () => { clearInterval(keepAlive); unsubscribe() })
  return { streamed: true }
}

export function registerRaftRoutes (api: HttpApi, service: RaftService): void {
  api.route('PUT', '/v1/kv/{key*}', (req) => guarded(async () => {
    const expected = ifMatch(req)
    const value = await req.body()
    const revision = await service.put(req.params.key as string, value, expected === undefined ? {} : { ifRevision: expected })
    return { headers: { ETag: `"${revision}"` }, body: { revision } }
  }))
  api.route('GET', '/v1/kv/{key*}', (req) => guarded(async () => {
    const key = req.params.key as string
    if (req.query.get('watch') === '1') return streamWatch(req, service, (k) => k === key)
    const entry = await service.get(key, { consistency: consistency(req) })
    if (entry === undefined) throw notFound(`${key} does not exist`)
    return { headers: { ETag: `"${entry.modRevision}"` }, body: entry.value }
  }))
  api.route('DELETE', '/v1/kv/{key*}', (req) => guarded(async () => {
    const expected = ifMatch(req)
    const revision = await service.delete(req.params.key as string, expected === undefined ? {} : { ifRevision: expected })
    return { body: { revision } }
  }))
  api.route('GET', '/v1/kv', (req) => guarded(async () => {
    const prefix = req.query.get('prefix') ?? ''
    if (req.query.get('watch') === '1') return streamWatch(req, service, (k) => k.startsWith(prefix))
    const items = await service.list(prefix, { consistency: consistency(req) })
    return { body: items.map(i => ({ key: i.key, revision: i.modRevision })) }
  }))
  api.route('POST', '/v1/locks/{name*}', (req) => guarded(async () => {
    const ttlMs = positiveInt(req, 'ttl', false)
    const owner = req.query.get('owner') ?? undefined
    const lease = await service.acquireLock(req.params.name as string, { ...(ttlMs === undefined ? {} : { ttlMs }), ...(owner === undefined ? {} : { owner }) })
    return { body: { name: lease.name, owner: lease.owner, token: lease.token, expiresAt: new Date(lease.expiresAt).toISOString() } }
  }))
  api.route('DELETE', '/v1/locks/{name*}', (req) => guarded(async () => {
    const token = positiveInt(req, 'token', true) as number
    const revision = await service.releaseLock(req.params.name as string, token)
    return { body: { revision } }
  }))
  api.route('GET', '/v1/raft', () => ({ body: service.status() }))
  api.route('POST', '/v1/raft/remove/{peer}', (req) => guarded(async () => {
    await service.removeMember(req.params.peer as string)
    return { body: { removed: req.params.peer } }
  }))
  api.route('POST', '/v1/raft/transfer/{peer}', (req) => guarded(async () => {
    await service.transferLeadership(req.params.peer as string)
    return { body: { leader: req.params.peer } }
  }))
}
