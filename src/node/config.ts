/**
 * Options of a federation node: the schema, its defaults, and the one error a bad option raises.
 *
 * Contract: `parseNodeOptions(input)` either returns complete, validated options or throws
 * `ConfigError` whose `field` names the offending option (dotted path, e.g. `listen[1]`) and whose
 * message says what form was expected. Nothing else is thrown for bad input.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { createChecks } from './config-checks.js'
import type { Checks } from './config-checks.js'

export class ConfigError extends Error {
  override name = 'ConfigError'
  /** Dotted path of the offending option, as the user wrote it (`listen[1]`, `raft.expect`). */
  readonly field: string

  constructor (field: string, message: string) {
    super(`${field}: ${message}`)
    this.field = field
  }
}

/** The per-user default data directory: `$XDG_DATA_HOME/fedmesh` or `~/.local/share/fedmesh`. */
export function defaultDataDir (): string {
  const xdg = process.env.XDG_DATA_HOME
  return join(xdg != null && xdg !== '' ? xdg : join(homedir(), '.local', 'share'), 'fedmesh')
}

/** A custom conflict resolver: folds concurrent live values, oldest to newest. */
export type MergeOption = (older: unknown, newer: unknown) => unknown
export type ResolverOption =
  | 'lww' | 'highest-node' | 'merge-union' | 'keep-siblings'
  | { kind: 'keep-siblings', max: number }
  | { kind: 'custom', name: string, merge: MergeOption }
  | MergeOption

export interface ReplicationNodeOptions {
  resolvers?: { default?: ResolverOption, prefixes?: Record<string, ResolverOption>, maxSiblings?: number }
  /** Keyspaces (first path segments) with a gossip topic each. */
  keyspaces?: string[]
}

export type PartitionStrategy = 'wait-for-heal' | 'merge' | 'reset-to-known-good' | 'manual'

/** What `createFederationNode` accepts; every field is optional. */
export interface FederationNodeOptions {
  /** Where identity, peerstore and subsystem state live. */
  dataDir?: string
  /** Multiaddrs to listen on. */
  listen?: string[]
  /** Peers to dial at start and to redial when every bootstrap link is lost. */
  bootstrap?: string[]
  /** mDNS discovery on the local network; on unless `false`. */
  mdns?: boolean | { enabled?: boolean, tag?: string, intervalMs?: number }
  /** DNS SRV/TXT discovery: the SRV name, or the name and the DNS server (HOST:PORT) to ask. */
  dnsSrv?: string | { name: string, server?: string }
  /** Pre-shared key of a private network: the key file's text (libp2p's `/key/swarm/psk/1.0.0/` format) or its bytes. */
  psk?: string | Uint8Array
  /** Only these peer ids may connect when given. */
  allow?: string[]
  /** HTTP client API address (HOST:PORT); off when absent. */
  api?: string
  raft?: { expect?: number, maxVoters?: number }
  /** Gossip tuning preset: `small` (3–5 nodes) or `large` (100+). */
  gossipPreset?: 'small' | 'large'
  /** Multi-master data: the conflict resolver per key prefix, and keyspaces. */
  replication?: ReplicationNodeOptions
  /** Partitions: what to do with diverged state on heal, and whether a side without quorum keeps serving local writes. */
  partition?: { strategy?: PartitionStrategy, serveLocalWhilePartitioned?: boolean }
  /** Connection bounds; the node dials discovered peers while below `min` and never exceeds `max`. */
  connections?: { min?: number, max?: number }
}

/** Options with every default filled in. */
export interface ResolvedNodeOptions {
  dataDir: string
  listen: string[]
  bootstrap: string[]
  mdns: { enabled: boolean, tag: string, intervalMs: number }
  dnsSrv: { name: string, server?: string } | undefined
  psk: Uint8Array | undefined
  allow: string[]
  api: { host: string, port: number } | undefined
  raft: { expect: number | undefined, maxVoters: number }
  gossipPreset: 'small' | 'large'
  replication: ReplicationNodeOptions
  partition: { strategy: PartitionStrategy, serveLocalWhilePartitioned: boolean }
  connections: { min: number, max: number }
}

export const DEFAULT_LISTEN = '/ip4/0.0.0.0/tcp/0'
export const DEFAULT_MDNS_TAG = 'fedmesh'
export const DEFAULT_MDNS_INTERVAL_MS = 2_000
export const DEFAULT_RAFT_MAX_VOTERS = 5
export const DEFAULT_MIN_CONNECTIONS = 8
export const DEFAULT_MAX_CONNECTIONS = 64

const ROOT = 'options'
const fail = (field: string, message: string): never => { throw new ConfigError(field, message) }
const check: Checks = createChecks(fail, ROOT)

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/
const RESOLVER_NAMES = ['lww', 'highest-node', 'merge-union', 'keep-siblings'] as const
const PARTITION_STRATEGIES: readonly PartitionStrategy[] = ['wait-for-heal', 'merge', 'reset-to-known-good', 'manual']

function multiaddrOption (value: unknown, field: string): string {
  const s = check.string(value, field)
  try { multiaddr(s) } catch { fail(field, 'expected a multiaddr such as /ip4/0.0.0.0/tcp/0') }
  return s
}

function peerAddrOption (value: unknown, field: string): string {
  const s = check.string(value, field)
  let ok = s.includes('/p2p/')
  try { multiaddr(s) } catch { ok = false }
  if (!ok) fail(field, 'expected a multiaddr with a peer id such as /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...')
  return s
}

function peerIdOption (value: unknown, field: string): string {
  const s = check.string(value, field)
  try { peerIdFromString(s) } catch { fail(field, 'expected a peer id such as 12D3KooW...') }
  return s
}

function hostPortOption (value: unknown, field: string): string {
  const s = check.string(value, field, { pattern: HOST_PORT, message: 'expected HOST:PORT such as 127.0.0.1:8080' })
  if (Number(s.slice(s.lastIndexOf(':') + 1)) > 65535) fail(field, 'expected a port from 0 to 65535')
  return s
}

function mergeOption (value: unknown, field: string): MergeOption {
  return typeof value === 'function' ? value as MergeOption : fail(field, 'expected a function (older, newer) => value')
}

function resolverOption (value: unknown, field: string): ResolverOption {
  if (typeof value === 'function') return value as MergeOption
  if (typeof value === 'string') return check.oneOf(value, field, RESOLVER_NAMES)
  if (typeof value !== 'object' || value === null) {
    return fail(field, 'expected "lww", "highest-node", "merge-union", "keep-siblings", {kind: "keep-siblings", max}, {kind: "custom", name, merge} or a function')
  }
  const kind = (value as Record<string, unknown>).kind
  if (kind === 'keep-siblings') {
    const o = check.object(value, field, ['kind', 'max'])
    return { kind, max: check.integer(o.max, check.child(field, 'max'), { min: 1 }) }
  }
  if (kind === 'custom') {
    const o = check.object(value, field, ['kind', 'name', 'merge'])
    return { kind, name: check.string(o.name, check.child(field, 'name'), { min: 1 }), merge: mergeOption(o.merge, check.child(field, 'merge')) }
  }
  return fail(check.child(field, 'kind'), 'expected "keep-siblings" or "custom"')
}

/** An optional option: undefined when absent, else checked by `read`. */
function optional<T> (value: unknown, field: string, read: (value: unknown, field: string) => T): T | undefined {
  return value === undefined ? undefined : read(value, field)
}

function replicationOption (value: unknown, field: string): ReplicationNodeOptions {
  const o = check.object(value, field, ['resolvers', 'keyspaces'])
  const out: ReplicationNodeOptions = {}
  if (o.resolvers !== undefined) {
    const rf = check.child(field, 'resolvers')
    const r = check.object(o.resolvers, rf, ['default', 'prefixes', 'maxSiblings'])
    const resolvers: NonNullable<ReplicationNodeOptions['resolvers']> = {}
    if (r.default !== undefined) resolvers.default = resolverOption(r.default, check.child(rf, 'default'))
    if (r.prefixes !== undefined) {
      const pf = check.child(rf, 'prefixes')
      const prefixes: Record<string, ResolverOption> = {}
      for (const [prefix, spec] of Object.entries(check.object(r.prefixes, pf))) {
        prefixes[prefix] = resolverOption(spec, check.child(pf, prefix))
      }
      resolvers.prefixes = prefixes
    }
    if (r.maxSiblings !== undefined) resolvers.maxSiblings = check.integer(r.maxSiblings, check.child(rf, 'maxSiblings'), { min: 1, max: 1024 })
    out.resolvers = resolvers
  }
  if (o.keyspaces !== undefined) {
    out.keyspaces = check.array(o.keyspaces, check.child(field, 'keyspaces'), (v, f) => check.string(v, f, { min: 1, pattern: /^[^/]+$/, message: 'expected a first path segment without "/"' }))
  }
  return out
}

/** Validates and completes node options; throws ConfigError naming the first bad field. */
export function parseNodeOptions (input: unknown): ResolvedNodeOptions {
  const c = check
  const o = c.object(input ?? {}, ROOT, [
    'dataDir', 'listen', 'bootstrap', 'mdns', 'dnsSrv', 'psk', 'allow', 'api', 'raft', 'gossipPreset', 'replication', 'partition', 'connections'
  ])
  const dataDir = optional(o.dataDir, 'dataDir', (v, f) => c.string(v, f, { min: 1, message: 'expected a directory path' }))
  const listen = optional(o.listen, 'listen', (v, f) => c.array(v, f, multiaddrOption))
  const bootstrap = optional(o.bootstrap, 'bootstrap', (v, f) => c.array(v, f, peerAddrOption))

  let mdns = { enabled: true, tag: DEFAULT_MDNS_TAG, intervalMs: DEFAULT_MDNS_INTERVAL_MS }
  if (typeof o.mdns === 'boolean') {
    mdns.enabled = o.mdns
  } else if (o.mdns !== undefined) {
    if (typeof o.mdns !== 'object' || o.mdns === null) fail('mdns', 'expected true, false or {enabled, tag, intervalMs}')
    const m = c.object(o.mdns, 'mdns', ['enabled', 'tag', 'intervalMs'])
    mdns = {
      enabled: optional(m.enabled, 'mdns.enabled', c.boolean) ?? true,
      tag: optional(m.tag, 'mdns.tag', (v, f) => c.string(v, f, { min: 1, max: 63, message: 'expected a non-empty service tag' })) ?? DEFAULT_MDNS_TAG,
      intervalMs: optional(m.intervalMs, 'mdns.intervalMs', (v, f) => c.integer(v, f, { min: 100 })) ?? DEFAULT_MDNS_INTERVAL_MS
    }
  }

  let dnsSrv: ResolvedNodeOptions['dnsSrv']
  const srvName = (v: unknown, f: string): string => c.string(v, f, { min: 1, message: 'expected an SRV name such as _fedmesh._tcp.example.com' })
  if (typeof o.dnsSrv === 'string') {
    dnsSrv = { name: srvName(o.dnsSrv, 'dnsSrv') }
  } else if (o.dnsSrv !== undefined) {
    if (typeof o.dnsSrv !== 'object' || o.dnsSrv === null) fail('dnsSrv', 'expected an SRV name or {name, server}')
    const d = c.object(o.dnsSrv, 'dnsSrv', ['name', 'server'])
    const server = optional(d.server, 'dnsSrv.server', hostPortOption)
    dnsSrv = { name: srvName(d.name, 'dnsSrv.name'), ...(server !== undefined ? { server } : {}) }
  }

  let psk: Uint8Array | undefined
  if (o.psk instanceof Uint8Array) psk = o.psk
  else if (o.psk !== undefined) psk = new TextEncoder().encode(c.string(o.psk, 'psk', { min: 1, message: 'expected the text of a pre-shared key file' }))

  const allow = optional(o.allow, 'allow', (v, f) => c.array(v, f, peerIdOption))
  const api = optional(o.api, 'api', hostPortOption)

  const raft = optional(o.raft, 'raft', (v, f) => c.object(v, f, ['expect', 'maxVoters']))
  const voters = (v: unknown, f: string): number => c.integer(v, f, { min: 1, max: 99 })
  const expect = optional(raft?.expect, 'raft.expect', voters)
  const maxVoters = optional(raft?.maxVoters, 'raft.maxVoters', voters) ?? DEFAULT_RAFT_MAX_VOTERS

  const gossipPreset = optional(o.gossipPreset, 'gossipPreset', (v, f) => c.oneOf(v, f, ['small', 'large'] as const)) ?? 'small'
  const replication = optional(o.replication, 'replication', replicationOption) ?? {}

  const partition = optional(o.partition, 'partition', (v, f) => c.object(v, f, ['strategy', 'serveLocalWhilePartitioned']))
  // Multi-master data must stay writable on every side of a split, so local writes go on by default.
  const strategy = optional(partition?.strategy, 'partition.strategy', (v, f) => c.oneOf(v, f, PARTITION_STRATEGIES)) ?? 'merge'
  const serveLocalWhilePartitioned = optional(partition?.serveLocalWhilePartitioned, 'partition.serveLocalWhilePartitioned', c.boolean) ?? true

  const connections = optional(o.connections, 'connections', (v, f) => c.object(v, f, ['min', 'max']))
  const min = optional(connections?.min, 'connections.min', (v, f) => c.integer(v, f, { min: 0 })) ?? DEFAULT_MIN_CONNECTIONS
  const max = optional(connections?.max, 'connections.max', (v, f) => c.integer(v, f, { min: 1 })) ?? DEFAULT_MAX_CONNECTIONS
  if (min > max) throw new ConfigError('connections.min', `expected at most connections.max (${max})`)

  return {
    dataDir: dataDir ?? defaultDataDir(),
    listen: listen != null && listen.length > 0 ? listen : [DEFAULT_LISTEN],
    bootstrap: bootstrap ?? [],
    mdns,
    dnsSrv,
    psk,
    allow: allow ?? [],
    api: api == null ? undefined : splitHostPort(api),
    raft: { expect, maxVoters },
    gossipPreset,
    replication,
    partition: { strategy, serveLocalWhilePartitioned },
    connections: { min, max }
  }
}

/** `host:port` or `[v6]:port` → parts. The caller has validated the form. */
export function splitHostPort (s: string): { host: string, port: number } {
  const i = s.lastIndexOf(':')
  let host = s.slice(0, i)
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  return { host, port: Number(s.slice(i + 1)) }
}
