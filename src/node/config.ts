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
import { z } from 'zod'

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

const isMultiaddr = (s: string): boolean => {
  try { multiaddr(s); return true } catch { return false }
}
const isPeerId = (s: string): boolean => {
  try { peerIdFromString(s); return true } catch { return false }
}

const multiaddrString = z.string().refine(isMultiaddr, { message: 'expected a multiaddr such as /ip4/0.0.0.0/tcp/0' })
const peerAddrString = z.string().refine(s => isMultiaddr(s) && s.includes('/p2p/'), {
  message: 'expected a multiaddr with a peer id such as /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...'
})
const peerIdString = z.string().refine(isPeerId, { message: 'expected a peer id such as 12D3KooW...' })
const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'expected HOST:PORT such as 127.0.0.1:8080' })
  .refine(s => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, { message: 'expected a port from 0 to 65535' })

const mdnsSchema = z.union([
  z.boolean(),
  z.strictObject({
    enabled: z.boolean().optional(),
    tag: z.string().min(1, 'expected a non-empty service tag').max(63, 'expected at most 63 characters').optional(),
    intervalMs: z.number().int().min(100, 'expected at least 100 ms').optional()
  })
])

const dnsSrvSchema = z.union([
  z.string().min(1, 'expected an SRV name such as _fedmesh._tcp.example.com'),
  z.strictObject({
    name: z.string().min(1, 'expected an SRV name such as _fedmesh._tcp.example.com'),
    server: hostPort.optional()
  })
])

const resolverName = z.enum(['lww', 'highest-node', 'merge-union', 'keep-siblings'], { message: 'expected "lww", "highest-node", "merge-union" or "keep-siblings"' })
const resolverSpec = z.union([
  resolverName,
  z.strictObject({ kind: z.literal('keep-siblings'), max: z.number().int().min(1) }),
  z.strictObject({ kind: z.literal('custom'), name: z.string().min(1), merge: z.custom<(older: unknown, newer: unknown) => unknown>(v => typeof v === 'function', 'expected a function (older, newer) => value') }),
  z.custom<(older: unknown, newer: unknown) => unknown>(v => typeof v === 'function', 'expected a function (older, newer) => value')
])

export const nodeOptionsSchema = z.strictObject({
  /** Where identity, peerstore and subsystem state live. */
  dataDir: z.string().min(1, 'expected a directory path').optional(),
  /** Multiaddrs to listen on. */
  listen: z.array(multiaddrString).optional(),
  /** Peers to dial at start and to redial when every bootstrap link is lost. */
  bootstrap: z.array(peerAddrString).optional(),
  /** mDNS discovery on the local network; on unless `false`. */
  mdns: mdnsSchema.optional(),
  /** DNS SRV/TXT discovery. */
  dnsSrv: dnsSrvSchema.optional(),
  /** Pre-shared key of a private network: the key file's text (libp2p's `/key/swarm/psk/1.0.0/` format) or its bytes. */
  psk: z.union([z.string().min(1, 'expected the text of a pre-shared key file'), z.instanceof(Uint8Array)]).optional(),
  /** Only these peer ids may connect when given. */
  allow: z.array(peerIdString).optional(),
  /** HTTP client API address (HOST:PORT); off when absent. */
  api: hostPort.optional(),
  raft: z.strictObject({
    expect: z.number().int('expected a whole number').min(1, 'expected at least 1').max(99, 'expected at most 99').optional(),
    maxVoters: z.number().int('expected a whole number').min(1, 'expected at least 1').max(99, 'expected at most 99').optional()
  }).optional(),
  /** Gossip tuning preset: `small` (3–5 nodes) or `large` (100+). */
  gossipPreset: z.enum(['small', 'large'], { message: 'expected "small" or "large"' }).optional(),
  /** Multi-master data: the conflict resolver per key prefix, and keyspaces (first path segments) with a gossip topic each. */
  replication: z.strictObject({
    resolvers: z.strictObject({
      default: resolverSpec.optional(),
      prefixes: z.record(z.string(), resolverSpec).optional(),
      maxSiblings: z.number().int().min(1).max(1024).optional()
    }).optional(),
    keyspaces: z.array(z.string().min(1).regex(/^[^/]+$/, 'expected a first path segment without "/"')).optional()
  }).optional(),
  /** Partitions: what to do with diverged state on heal, and whether a side without quorum keeps serving local writes. */
  partition: z.strictObject({
    strategy: z.enum(['wait-for-heal', 'merge', 'reset-to-known-good', 'manual'], { message: 'expected "wait-for-heal", "merge", "reset-to-known-good" or "manual"' }).optional(),
    serveLocalWhilePartitioned: z.boolean().optional()
  }).optional(),
  /** Connection bounds; the node dials discovered peers while below `min` and never exceeds `max`. */
  connections: z.strictObject({
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(1).optional()
  }).optional()
})

export type FederationNodeOptions = z.input<typeof nodeOptionsSchema>

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
  replication: NonNullable<z.output<typeof nodeOptionsSchema>['replication']>
  partition: { strategy: 'wait-for-heal' | 'merge' | 'reset-to-known-good' | 'manual', serveLocalWhilePartitioned: boolean }
  connections: { min: number, max: number }
}

export const DEFAULT_LISTEN = '/ip4/0.0.0.0/tcp/0'
export const DEFAULT_MDNS_TAG = 'fedmesh'
export const DEFAULT_MDNS_INTERVAL_MS = 2_000
export const DEFAULT_RAFT_MAX_VOTERS = 5
export const DEFAULT_MIN_CONNECTIONS = 8
export const DEFAULT_MAX_CONNECTIONS = 64

/** `a.b[2].c` from zod's path. */
function pathToField (path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += out === '' ? String(p) : `.${String(p)}`
  }
  return out === '' ? 'options' : out
}

/** Validates and completes node options; throws ConfigError naming the first bad field. */
export function parseNodeOptions (input: unknown): ResolvedNodeOptions {
  const result = nodeOptionsSchema.safeParse(input ?? {})
  if (!result.success) {
    const issue = result.error.issues[0]
    if (issue == null) throw new ConfigError('options', 'invalid options')
    let message = issue.message
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? ''
      throw new ConfigError(pathToField([...issue.path, key]), 'unknown option')
    }
    if (issue.code === 'invalid_type') message = `expected ${issue.expected}`
    if (issue.code === 'invalid_union') message = unionMessage(issue)
    throw new ConfigError(pathToField(issue.path), message)
  }
  const o = result.data
  const mdns = typeof o.mdns === 'object'
    ? { enabled: o.mdns.enabled ?? true, tag: o.mdns.tag ?? DEFAULT_MDNS_TAG, intervalMs: o.mdns.intervalMs ?? DEFAULT_MDNS_INTERVAL_MS }
    : { enabled: o.mdns ?? true, tag: DEFAULT_MDNS_TAG, intervalMs: DEFAULT_MDNS_INTERVAL_MS }
  const dnsSrv = o.dnsSrv == null ? undefined : typeof o.dnsSrv === 'string' ? { name: o.dnsSrv } : o.dnsSrv
  const maxVoters = o.raft?.maxVoters ?? DEFAULT_RAFT_MAX_VOTERS
  const min = o.connections?.min ?? DEFAULT_MIN_CONNECTIONS
  const max = o.connections?.max ?? DEFAULT_MAX_CONNECTIONS
  if (min > max) throw new ConfigError('connections.min', `expected at most connections.max (${max})`)
  return {
    dataDir: o.dataDir ?? defaultDataDir(),
    listen: o.listen != null && o.listen.length > 0 ? o.listen : [DEFAULT_LISTEN],
    bootstrap: o.bootstrap ?? [],
    mdns,
    dnsSrv,
    psk: typeof o.psk === 'string' ? new TextEncoder().encode(o.psk) : o.psk,
    allow: o.allow ?? [],
    api: o.api == null ? undefined : splitHostPort(o.api),
    raft: { expect: o.raft?.expect, maxVoters },
    gossipPreset: o.gossipPreset ?? 'small',
    replication: o.replication ?? {},
    // Multi-master data must stay writable on every side of a split, so local writes go on by default.
    partition: { strategy: o.partition?.strategy ?? 'merge', serveLocalWhilePartitioned: o.partition?.serveLocalWhilePartitioned ?? true },
    connections: { min, max }
  }
}

function unionMessage (issue: { errors?: unknown }): string {
  const branches = Array.isArray(issue.errors) ? issue.errors as Array<Array<{ message: string }>> : []
  const messages = branches.map(b => b[0]?.message).filter((m): m is string => m != null && !m.startsWith('Invalid input'))
  return messages[0] ?? 'invalid value'
}

/** `host:port` or `[v6]:port` → parts. The caller has validated the form. */
export function splitHostPort (s: string): { host: string, port: number } {
  const i = s.lastIndexOf(':')
  let host = s.slice(0, i)
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  return { host, port: Number(s.slice(i + 1)) }
}
