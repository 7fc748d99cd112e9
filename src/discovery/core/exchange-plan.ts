import type { Random } from '../../util/pure/random.js'

/** A peer as exchanged: its id and addresses, as strings. */
export interface ExchangeCandidate {
  id: string
  addrs: string[]
}

export interface ShareOptions {
  /** The peer the list goes to (never told about itself). */
  recipient: string
  /** At most this many peers in one list. */
  maxPeers: number
  /** At most this many addresses per peer. */
  maxAddrsPerPeer: number
}

/**
 * Chooses what to tell `recipient`: a uniform random sample of at most `maxPeers` of the
 * candidates (the caller passes only connected, verified peers), excluding the recipient and any
 * peer without an address, each with at most `maxAddrsPerPeer` addresses. Pure.
 */
export function selectPeersToShare (candidates: readonly ExchangeCandidate[], options: ShareOptions, random: Random): ExchangeCandidate[] {
  const seen = new Set<string>()
  const eligible: ExchangeCandidate[] = []
  for (const c of candidates) {
    if (c.id === options.recipient || seen.has(c.id) || c.addrs.length === 0) continue
    seen.add(c.id)
    eligible.push({ id: c.id, addrs: [...new Set(c.addrs)].slice(0, Math.max(0, options.maxAddrsPerPeer)) })
  }
  return random.shuffle(eligible).slice(0, Math.max(0, options.maxPeers))
}

export interface DialBudget {
  self: string
  /** Peers this node holds a connection to. */
  connected: ReadonlySet<string>
  /** Peers this node is dialing already. */
  dialing: ReadonlySet<string>
  /** Dial learnt peers only while connected + dialing peers are fewer than this. */
  minConnections: number
  /** Never let connected + dialing peers exceed this. */
  maxConnections: number
}

/**
 * Which received peers to dial so that a mesh stays sparse: none once the node has
 * `minConnections` peers (connected or being dialed), and never beyond `maxConnections`. Self,
 * connected and already-dialed peers are skipped; the chosen ones are a random sample. Pure.
 */
export function planExchangeDials (received: readonly ExchangeCandidate[], budget: DialBudget, random: Random): ExchangeCandidate[] {
  const load = budget.connected.size + budget.dialing.size
  const room = Math.min(budget.minConnections, budget.maxConnections) - load
  if (room <= 0) return []
  const seen = new Set<string>()
  const fresh = received.filter(c => {
    if (c.id === budget.self || budget.connected.has(c.id) || budget.dialing.has(c.id) || seen.has(c.id) || c.addrs.length === 0) return false
    seen.add(c.id)
    return true
  })
  return random.shuffle(fresh).slice(0, room)
}

export interface AnnouncementOptions {
  /** The peer announced (never told about itself). */
  newcomer: string
  /** Peers the newcomer named in its own list: it is connected to them already. */
  known: ReadonlySet<string>
  /** At most this many members are told. */
  fanout: number
}

/**
 * Which members to tell about `newcomer`: a uniform random sample of at most `fanout` of `members` (the caller
 * passes connected, verified peers), without the newcomer itself, the peers it named, or duplicates. Pure.
 */
export function selectAnnouncementTargets (members: readonly string[], options: AnnouncementOptions, random: Random): string[] {
  const eligible = [...new Set(members)].filter(m => m !== options.newcomer && !options.known.has(m))
  return random.shuffle(eligible).slice(0, Math.max(0, options.fanout))
}
