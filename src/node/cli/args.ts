/**
 * Command-line parsing shared by every `fedmesh` command. A usage or configuration error is a
 * `UsageError` (exit code 2) whose message names the flag or config field and what was expected.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { splitHostPort } from '../config.js'
import type { ConfigError, FederationNodeOptions } from '../config.js'

export class UsageError extends Error {
  override name = 'UsageError'
}

export type FlagSpec = Record<string, { type: 'string' | 'boolean', multiple?: boolean, short?: string }>

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

export function parse (argv: string[], flags: FlagSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...flags, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
    return { values: values as Parsed['values'], positionals }
  } catch (err) {
    const e = err as Error & { code?: string }
    const m = /'(--?[\w-]+)'/.exec(e.message)
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`${m?.[1] ?? 'option'}: unknown flag (see --help)`)
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${m?.[1] ?? 'option'}: expected a value (see --help)`)
    throw new UsageError(e.message)
  }
}

export const START_FLAGS: FlagSpec = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  listen: { type: 'string', multiple: true },
  api: { type: 'string' },
  bootstrap: { type: 'string', multiple: true },
  'no-mdns': { type: 'boolean' },
  'mdns-tag': { type: 'string' },
  'dns-srv': { type: 'string' },
  'dns-server': { type: 'string' },
  psk: { type: 'string' },
  allow: { type: 'string', multiple: true },
  'raft-expect': { type: 'string' },
  'raft-max-voters': { type: 'string' },
  'gossip-preset': { type: 'string' },
  json: { type: 'boolean' }
}

/** Config-file keys (camelCase of the flags) and the flag each stands for. */
const FILE_KEYS: Record<string, string> = {
  dataDir: '--data-dir',
  listen: '--listen',
  api: '--api',
  bootstrap: '--bootstrap',
  noMdns: '--no-mdns',
  mdns: '--no-mdns',
  mdnsTag: '--mdns-tag',
  dnsSrv: '--dns-srv',
  dnsServer: '--dns-server',
  psk: '--psk',
  allow: '--allow',
  raftExpect: '--raft-expect',
  raftMaxVoters: '--raft-max-voters',
  gossipPreset: '--gossip-preset',
  replication: '(config file only)',
  partition: '(config file only)'
}

/** Node option field (as ConfigError names it) → the flag a user sets it with. */
function flagFor (field: string): string {
  const head = field.replace(/\[\d+\]$/, '')
  const map: Record<string, string> = {
    dataDir: '--data-dir',
    listen: '--listen',
    api: '--api',
    bootstrap: '--bootstrap',
    'mdns.tag': '--mdns-tag',
    mdns: '--no-mdns',
    dnsSrv: '--dns-srv',
    'dnsSrv.name': '--dns-srv',
    'dnsSrv.server': '--dns-server',
    psk: '--psk',
    allow: '--allow',
    'raft.expect': '--raft-expect',
    'raft.maxVoters': '--raft-max-voters',
    gossipPreset: '--gossip-preset'
  }
  return map[head] ?? field
}

function readConfigFile (file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new UsageError(`--config: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new UsageError(`--config: ${file} is not valid JSON (${(err as Error).message})`)
  }
  if (data == null || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`--config: ${file} must hold a JSON object`)
  for (const key of Object.keys(data)) {
    if (FILE_KEYS[key] == null) throw new UsageError(`--config: unknown field "${key}" in ${file} (expected one of ${Object.keys(FILE_KEYS).join(', ')})`)
  }
  return data as Record<string, unknown>
}

function intFlag (flag: string, v: unknown): number | undefined {
  if (v == null) return undefined
  const n = typeof v === 'number' ? v : Number(v)
  if (typeof v === 'boolean' || !Number.isInteger(n)) throw new UsageError(`${flag}: expected a whole number, got ${JSON.stringify(v)}`)
  return n
}

function list (v: unknown): unknown {
  if (v == null) return undefined
  return Array.isArray(v) ? v : [v]
}

/** Merges config file and flags (flags win) into node options (validated by createFederationNode). */
export function startOptions (values: Parsed['values']): FederationNodeOptions {
  const file = typeof values.config === 'string' ? readConfigFile(values.config) : {}
  const pick = (flag: string, key: string): unknown => values[flag] ?? file[key]
  const pskFile = pick('psk', 'psk')
  let psk: string | undefined
  if (pskFile != null) {
    if (typeof pskFile !== 'string') throw new UsageError('--psk: expected a file path')
    try {
      psk = readFileSync(pskFile, 'utf8')
    } catch (err) {
      throw new UsageError(`--psk: cannot read ${pskFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
  }
  const noMdns = values['no-mdns'] === true || file.noMdns === true || file.mdns === false
  const mdnsTag = pick('mdns-tag', 'mdnsTag')
  const dnsSrv = pick('dns-srv', 'dnsSrv')
  const dnsServer = pick('dns-server', 'dnsServer')
  if (dnsServer != null && dnsSrv == null) throw new UsageError('--dns-server: only makes sense with --dns-srv NAME')
  const raftExpect = intFlag('--raft-expect', pick('raft-expect', 'raftExpect'))
  const raftMaxVoters = intFlag('--raft-max-voters', pick('raft-max-voters', 'raftMaxVoters'))
  const input: Record<string, unknown> = {
    dataDir: pick('data-dir', 'dataDir'),
    listen: list(pick('listen', 'listen')),
    api: pick('api', 'api'),
    bootstrap: list(pick('bootstrap', 'bootstrap')),
    mdns: noMdns ? false : mdnsTag != null ? { tag: mdnsTag } : true,
    dnsSrv: dnsSrv == null ? undefined : dnsServer == null ? dnsSrv : { name: dnsSrv, server: dnsServer },
    psk,
    allow: list(pick('allow', 'allow')),
    raft: raftExpect == null && raftMaxVoters == null ? undefined : { expect: raftExpect, maxVoters: raftMaxVoters },
    gossipPreset: pick('gossip-preset', 'gossipPreset'),
    replication: file.replication,
    partition: file.partition
  }
  for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k]
  return input as FederationNodeOptions
}

/** A node option error restated in terms of the flag that sets the option. */
export function usageErrorFor (err: ConfigError): UsageError {
  const detail = err.message.slice(err.field.length + 2)
  return new UsageError(`${flagFor(err.field)}${err.field.includes('[') ? ` (${err.field})` : ''}: ${detail}`)
}

/** `--api HOST:PORT` of the client commands; defaults to FEDMESH_API or 127.0.0.1:7400. */
export function apiBase (value: unknown): string {
  const raw = typeof value === 'string' ? value : process.env.FEDMESH_API ?? DEFAULT_CLIENT_API
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(raw)) throw new UsageError(`--api: expected HOST:PORT such as 127.0.0.1:7400, got ${JSON.stringify(raw)}`)
  const { host, port } = splitHostPort(raw)
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

export const DEFAULT_CLIENT_API = '127.0.0.1:7400'
