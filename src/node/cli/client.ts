/**
 * The client commands: `status`, `peers`, `kv`, `data`, `raft`. Each is a thin HTTP call to a
 * running node's API (`--api HOST:PORT`, default FEDMESH_API or 127.0.0.1:7400). An API error is
 * printed as `fedmesh: <ErrorName>: <message>` and exits 1; a node that cannot be reached exits 1.
 */
import { apiBase, parse, UsageError } from './args.js'
import type { FlagSpec } from './args.js'
import type { NodeStatus, PeerStatus } from '../federation-node.js'

const CLIENT_FLAGS: FlagSpec = { api: { type: 'string' }, json: { type: 'boolean' } }

export class ApiCallError extends Error {
  override name = 'ApiCallError'
}

export const CLIENT_HELP: Record<string, string> = {
  status: `Usage: fedmesh status [--api HOST:PORT] [--json]

Shows a running node's status: peer id, addresses, peers, and the Raft and partition sections.`,
  peers: `Usage: fedmesh peers [--api HOST:PORT] [--json]

Lists every peer the node knows: how it was discovered, whether it is verified and connected, RTT, health.`,
  kv: `Usage: fedmesh kv put KEY VALUE | get KEY | del KEY | list [PREFIX]   [--api HOST:PORT]

Strongly consistent key-value store (Raft). put prints the revision; get prints the value.`,
  data: `Usage: fedmesh data put KEY JSON | get KEY | del KEY   [--api HOST:PORT]

Multi-master replicated data. put takes a JSON value and prints the vector clock.`,
  raft: `Usage: fedmesh raft remove PEERID | transfer PEERID   [--api HOST:PORT]

Removes a member from the Raft cluster, or transfers leadership to it.`
}

interface CallResult { status: number, headers: Headers, body: Uint8Array }

async function call (base: string, method: string, path: string, body?: Uint8Array | string): Promise<CallResult> {
  let res: Response
  try {
    res = await fetch(`${base}${path}`, { method, body, signal: AbortSignal.timeout(15_000) })
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message
    throw new ApiCallError(`cannot reach the node API at ${base} (${cause}); is it running with --api?`)
  }
  const bytes = new Uint8Array(await res.arrayBuffer())
  if (res.status >= 400) {
    let detail = new TextDecoder().decode(bytes)
    try {
      const e = JSON.parse(detail) as { error?: string, message?: string }
      detail = `${e.error ?? 'Error'}: ${e.message ?? ''}`
    } catch { /* not JSON: keep the raw text */ }
    throw new ApiCallError(`${detail} (HTTP ${res.status})`)
  }
  return { status: res.status, headers: res.headers, body: bytes }
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b)
const key = (k: string): string => k.split('/').map(encodeURIComponent).join('/')

function need (args: string[], n: number, usage: string): void {
  if (args.length !== n) throw new UsageError(`expected ${usage}`)
}

export async function runClient (command: string, argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, CLIENT_FLAGS)
  if (values.help === true) { console.log(CLIENT_HELP[command]); return 0 }
  const base = apiBase(values.api)
  const json = values.json === true
  const [sub, ...rest] = positionals
  switch (command) {
    case 'status': {
      need(positionals, 0, 'no arguments: fedmesh status [--api HOST:PORT] [--json]')
      const s = JSON.parse(text((await call(base, 'GET', '/v1/status')).body)) as NodeStatus
      console.log(json ? JSON.stringify(s, null, 2) : formatStatus(s))
      return 0
    }
    case 'peers': {
      need(positionals, 0, 'no arguments: fedmesh peers [--api HOST:PORT] [--json]')
      const s = JSON.parse(text((await call(base, 'GET', '/v1/status')).body)) as NodeStatus
      console.log(json ? JSON.stringify(s.peers, null, 2) : formatPeers(s.peers))
      return 0
    }
    case 'kv': {
      if (sub === 'put') { need(rest, 2, 'fedmesh kv put KEY VALUE'); console.log(text((await call(base, 'PUT', `/v1/kv/${key(rest[0] as string)}`, rest[1])).body).trim()); return 0 }
      if (sub === 'get') { need(rest, 1, 'fedmesh kv get KEY'); process.stdout.write((await call(base, 'GET', `/v1/kv/${key(rest[0] as string)}`)).body); process.stdout.write('\n'); return 0 }
      if (sub === 'del') { need(rest, 1, 'fedmesh kv del KEY'); console.log(text((await call(base, 'DELETE', `/v1/kv/${key(rest[0] as string)}`)).body).trim()); return 0 }
      if (sub === 'list') {
        if (rest.length > 1) throw new UsageError('expected fedmesh kv list [PREFIX]')
        const items = JSON.parse(text((await call(base, 'GET', `/v1/kv?prefix=${encodeURIComponent(rest[0] ?? '')}`)).body)) as Array<{ key: string, revision: number }>
        console.log(json ? JSON.stringify(items, null, 2) : items.map(i => `${i.key}\t${i.revision}`).join('\n'))
        return 0
      }
      throw new UsageError('expected fedmesh kv put|get|del|list')
    }
    case 'data': {
      if (sub === 'put') {
        need(rest, 2, 'fedmesh data put KEY JSON')
        try { JSON.parse(rest[1] as string) } catch { throw new UsageError(`JSON: expected a JSON value, got ${JSON.stringify(rest[1])}`) }
        console.log(text((await call(base, 'PUT', `/v1/data/${key(rest[0] as string)}`, rest[1])).body).trim())
        return 0
      }
      if (sub === 'get') {
        need(rest, 1, 'fedmesh data get KEY')
        const r = await call(base, 'GET', `/v1/data/${key(rest[0] as string)}`)
        console.log(text(r.body).trim())
        if (json) console.log(r.headers.get('x-clock') ?? '')
        return 0
      }
      if (sub === 'del') { need(rest, 1, 'fedmesh data del KEY'); console.log(text((await call(base, 'DELETE', `/v1/data/${key(rest[0] as string)}`)).body).trim()); return 0 }
      throw new UsageError('expected fedmesh data put|get|del')
    }
    case 'raft': {
      if (sub !== 'remove' && sub !== 'transfer') throw new UsageError('expected fedmesh raft remove|transfer PEERID')
      need(rest, 1, `fedmesh raft ${sub} PEERID`)
      console.log(text((await call(base, 'POST', `/v1/raft/${sub}/${encodeURIComponent(rest[0] as string)}`)).body).trim())
      return 0
    }
  }
  throw new UsageError(`unknown command ${command}`)
}

function short (id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id
}

export function table (rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length))) ?? []
  return rows.map(r => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')
}

export function formatPeers (peers: PeerStatus[]): string {
  if (peers.length === 0) return 'no peers known'
  const rows = [['PEER', 'CONNECTED', 'VERIFIED', 'DISCOVERED BY', 'RTT', 'HEALTH', 'ADDRESSES']]
  for (const p of peers) {
    rows.push([p.peerId, p.connected ? 'yes' : 'no', p.verified ? 'yes' : 'no', p.discoveredBy.join(',') || '-', p.rttMs == null ? '-' : `${p.rttMs} ms`, p.health ?? '-', p.addresses.join(' ')])
  }
  return table(rows)
}

function formatStatus (s: NodeStatus): string {
  const lines = [`peer id    ${s.peerId}`, ...s.addresses.map(a => `address    ${a}`)]
  const connected = s.peers.filter(p => p.connected).length
  lines.push(`peers      ${connected} connected, ${s.peers.length} known`)
  const raft = s.raft as { role: string, term: number, leader: string | null, commitIndex: number, voters: string[] } | null | undefined
  if (raft != null) lines.push(`raft       ${raft.role}, term ${raft.term}, leader ${raft.leader == null ? '-' : short(raft.leader)}, commit ${raft.commitIndex}, ${raft.voters.length} voters`)
  const partition = s.partition as { partitioned: boolean, since: string | null } | undefined
  if (partition != null) lines.push(`partition  ${partition.partitioned ? `yes, since ${partition.since ?? '?'}` : 'no'}`)
  if (s.peers.length > 0) lines.push('', formatPeers(s.peers))
  return lines.join('\n')
}
