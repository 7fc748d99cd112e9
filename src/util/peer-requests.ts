/**
 * Every request one node makes of another goes through the node's circuit breakers when it has
 * them (the `health` service's `breakers`, looked up by name among the libp2p components): a peer
 * whose breaker is open is not asked at all (`PeerUnavailableError`), and each outcome is recorded.
 * Without a health service, requests go straight through.
 */
export interface PeerRequestGate {
  canRequest(peer: string, now: number): boolean
  onSuccess(peer: string, now: number): void
  onFailure(peer: string, now: number): void
  onCancel?(peer: string, now: number): void
  retryAfterMs?(peer: string, now: number): number
}

export class PeerUnavailableError extends Error {
  override name = 'PeerUnavailableError'
  readonly peer: string
  readonly retryAfterMs: number | undefined
  constructor (peer: string, retryAfterMs: number | undefined) {
    super(`the circuit breaker for ${peer} is open; not asking it now`)
    this.peer = peer
    this.retryAfterMs = retryAfterMs
  }
}

/** The node's circuit breakers, when a `health` service with `breakers` is among the components. */
export function breakersOf (components: object): PeerRequestGate | undefined {
  let health: { breakers?: PeerRequestGate } | undefined
  try {
    // libp2p's components object throws when asked for a component it does not have.
    health = (components as { health?: { breakers?: PeerRequestGate } }).health
  } catch {
    return undefined
  }
  const gate = health?.breakers
  return gate != null && typeof gate.canRequest === 'function' ? gate : undefined
}

/**
 * Runs `request` unless the peer's breaker is open, and records its outcome: an abort is neither success
 * nor failure; an error for which `answered(err)` is true (the peer answered, e.g. with a refusal) counts
 * as a success of the link.
 */
export async function requestPeer<T> (gate: PeerRequestGate | undefined, peer: { toString(): string }, request: () => Promise<T>, answered: (err: Error) => boolean = () => false): Promise<T> {
  if (gate === undefined) return await request()
  const id = peer.toString()
  if (!gate.canRequest(id, Date.now())) throw new PeerUnavailableError(id, gate.retryAfterMs?.(id, Date.now()))
  try {
    const result = await request()
    gate.onSuccess(id, Date.now())
    return result
  } catch (err) {
    if ((err as Error).name === 'AbortError') gate.onCancel?.(id, Date.now())
    else if (answered(err as Error)) gate.onSuccess(id, Date.now())
    else gate.onFailure(id, Date.now())
    throw err
  }
}
