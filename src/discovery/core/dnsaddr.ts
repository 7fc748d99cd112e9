/**
 * Parsing of TXT records in the libp2p `dnsaddr` convention: each record's text is
 * `dnsaddr=<multiaddr>`, e.g. `dnsaddr=/ip4/192.0.2.7/tcp/4001/p2p/12D3KooW...`.
 * Pure text validation (this module may not import the multiaddr library): the multiaddr must be a
 * sequence of known protocols with well-formed values, starting with an address protocol.
 */

/** Why one `dnsaddr=` record was rejected. */
export type DnsaddrRejection =
  | 'empty'
  | 'too-long'
  | 'not-absolute'
  | 'unknown-protocol'
  | 'missing-value'
  | 'invalid-value'
  | 'no-address'
  | 'duplicate-peer-id'

export interface RejectedDnsaddr {
  record: string
  reason: DnsaddrRejection
  /** The offending protocol, when the reason concerns one. */
  protocol?: string
}

export interface DnsaddrParseResult {
  /** Valid multiaddr strings in record order, duplicates removed. */
  addrs: string[]
  /** `dnsaddr=` records that did not hold a valid multiaddr. */
  rejected: RejectedDnsaddr[]
  /** TXT records without the `dnsaddr=` prefix (other uses of the name; not errors). */
  ignored: number
}

export const DNSADDR_PREFIX = 'dnsaddr='
export const MAX_DNSADDR_LENGTH = 1024

type ValueKind = 'ip4' | 'ip6' | 'host' | 'port' | 'peer-id' | 'none'

const PROTOCOLS: ReadonlyMap<string, ValueKind> = new Map<string, ValueKind>([
  ['ip4', 'ip4'], ['ip6', 'ip6'], ['dns', 'host'], ['dns4', 'host'], ['dns6', 'host'], ['dnsaddr', 'host'],
  ['tcp', 'port'], ['udp', 'port'], ['p2p', 'peer-id'], ['ipfs', 'peer-id'], ['sni', 'host'],
  ['quic', 'none'], ['quic-v1', 'none'], ['ws', 'none'], ['wss', 'none'], ['tls', 'none'], ['noise', 'none'],
  ['http', 'none'], ['https', 'none'], ['webtransport', 'none'], ['webrtc-direct', 'none'], ['webrtc', 'none'],
  ['p2p-circuit', 'none']
])

const ADDRESS_PROTOCOLS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'dnsaddr'])

/**
 * Parses TXT answers (each record either a string or, as node:dns returns them, an array of
 * character-strings that are joined) into multiaddr strings. Never throws on bad input.
 */
export function parseDnsaddrRecords (records: ReadonlyArray<string | readonly string[]>): DnsaddrParseResult {
  const result: DnsaddrParseResult = { addrs: [], rejected: [], ignored: 0 }
  const seen = new Set<string>()
  for (const raw of records) {
    const text = (typeof raw === 'string' ? raw : raw.join('')).trim()
    if (!text.startsWith(DNSADDR_PREFIX)) {
      result.ignored++
      continue
    }
    const addr = text.slice(DNSADDR_PREFIX.length).trim()
    const problem = validateMultiaddrText(addr)
    if (problem != null) {
      result.rejected.push({ record: text, ...problem })
      continue
    }
    if (!seen.has(addr)) {
      seen.add(addr)
      result.addrs.push(addr)
    }
  }
  return result
}

/** Returns null when `text` is a well-formed multiaddr this project can use, else why not. */
export function validateMultiaddrText (text: string): { reason: DnsaddrRejection, protocol?: string } | null {
  if (text.length === 0) return { reason: 'empty' }
  if (text.length > MAX_DNSADDR_LENGTH) return { reason: 'too-long' }
  if (!text.startsWith('/')) return { reason: 'not-absolute' }
  const parts = text.slice(1).split('/')
  if (parts[parts.length - 1] === '') parts.pop()
  if (parts.length === 0) return { reason: 'empty' }
  const first = parts[0] as string
  if (!ADDRESS_PROTOCOLS.has(first)) {
    return PROTOCOLS.has(first) ? { reason: 'no-address', protocol: first } : { reason: 'unknown-protocol', protocol: first }
  }
  let peerIds = 0
  for (let i = 0; i < parts.length; i++) {
    const protocol = parts[i] as string
    const kind = PROTOCOLS.get(protocol)
    if (kind == null) return { reason: 'unknown-protocol', protocol }
    if (kind === 'none') continue
    const value = parts[i + 1]
    if (value == null || value === '') return { reason: 'missing-value', protocol }
    i++
    if (!isValidValue(kind, value)) return { reason: 'invalid-value', protocol }
    if (kind === 'peer-id' && ++peerIds > 1 && !parts.includes('p2p-circuit')) return { reason: 'duplicate-peer-id', protocol }
  }
  return null
}

function isValidValue (kind: Exclude<ValueKind, 'none'>, value: string): boolean {
  switch (kind) {
    case 'ip4': return isIPv4(value)
    case 'ip6': return isIPv6(value)
    case 'host': return isHostName(value)
    case 'port': return /^\d{1,5}$/.test(value) && Number(value) <= 65535
    case 'peer-id': return isPeerIdText(value)
  }
}

export function isIPv4 (value: string): boolean {
  const octets = value.split('.')
  return octets.length === 4 && octets.every(o => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255)
}

export function isIPv6 (value: string): boolean {
  if (value.length > 45 || value.includes('%')) return false
  let text = value
  const lastColon = text.lastIndexOf(':')
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    if (!isIPv4(text.slice(lastColon + 1))) return false
    // The dotted quad stands for the last two 16-bit groups.
    text = text.slice(0, lastColon + 1) + '0:0'
  }
  const halves = text.split('::')
  if (halves.length > 2) return false
  const groupsOf = (s: string): string[] | null => {
    if (s === '') return []
    const groups = s.split(':')
    return groups.every(g => /^[0-9a-fA-F]{1,4}$/.test(g)) ? groups : null
  }
  const head = groupsOf(halves[0] as string)
  if (head == null) return false
  if (halves.length === 1) return head.length === 8
  const tail = groupsOf(halves[1] as string)
  if (tail == null) return false
  return head.length + tail.length <= 7
}

export function isHostName (value: string): boolean {
  if (value.length === 0 || value.length > 253) return false
  const labels = value.endsWith('.') ? value.slice(0, -1).split('.') : value.split('.')
  return labels.every(l => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l))
}

/**
 * A peer id as text: base58btc multihash (`Qm...` RSA, `12D3KooW...` Ed25519, `16Uiu2...`
 * secp256k1) or a CIDv1 in base32 (`b...`). Checks shape only; the service decodes it for real.
 */
export function isPeerIdText (value: string): boolean {
  return /^[1-9A-HJ-NP-Za-km-z]{42,128}$/.test(value) || /^b[a-z2-7]{50,120}$/.test(value)
}
