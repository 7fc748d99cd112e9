/**
 * Verified peers: an optional private network (pre-shared key, enforced by @libp2p/pnet below the
 * encryption layer) and an optional allowlist of peer ids (enforced by a connection gater once Noise
 * has authenticated the remote peer id). A peer that fails either is refused at the connection.
 *
 * Contract: a peer is *verified* when it has completed an authenticated connection with this node
 * and passes every configured check. With no checks configured, authentication alone verifies.
 */
import { preSharedKey, generateKey } from '@libp2p/pnet'
import type { ConnectionGater, ConnectionProtector, ComponentLogger, PeerId } from '@libp2p/interface'

export class InvalidPreSharedKeyError extends Error {
  override name = 'InvalidPreSharedKeyError'
}

export interface VerificationInit {
  /** PSK file text (`/key/swarm/psk/1.0.0/`, `/base16/`, 64 hex digits) as bytes. */
  psk?: Uint8Array
  /** Peer ids allowed to connect; empty or absent allows every authenticated peer. */
  allow?: string[]
}

/** Peers with another pre-shared key fail in the handshake, which libp2p counts (dials_inbound_errors_total). */
export type RefusalReason = 'allowlist'

export interface Verification {
  readonly configured: boolean
  readonly usesPsk: boolean
  /** True when the peer passes the allowlist (PSK is proven by the connection itself). */
  isAllowed(peer: PeerId | string): boolean
  /** A gater refusing peers outside the allowlist, at dial time and after the handshake. */
  gater(onRefused: (peer: PeerId, reason: RefusalReason) => void): ConnectionGater
  /** A private-network protector, or undefined when no PSK is configured. */
  protector(): ((components: { logger: ComponentLogger }) => ConnectionProtector) | undefined
}

const PSK_HEADER = '/key/swarm/psk/1.0.0/'

/** Checks the PSK text form and throws InvalidPreSharedKeyError with the reason. */
export function validatePreSharedKey (psk: Uint8Array): void {
  const lines = new TextDecoder().decode(psk).trim().split(/\r?\n/)
  if (lines[0] !== PSK_HEADER) throw new InvalidPreSharedKeyError(`expected the first line to be ${PSK_HEADER}`)
  if (lines[1] !== '/base16/') throw new InvalidPreSharedKeyError('expected the second line to be /base16/')
  if (!/^[0-9a-fA-F]{64}$/.test(lines[2] ?? '')) throw new InvalidPreSharedKeyError('expected the third line to be 64 hexadecimal digits')
}

/** A new random pre-shared key in the text form `fedmesh psk` prints. */
export function newPreSharedKey (): string {
  const bytes = new Uint8Array(95)
  generateKey(bytes)
  return new TextDecoder().decode(bytes)
}

export function createVerification (init: VerificationInit): Verification {
  const allow = new Set(init.allow ?? [])
  const psk = init.psk
  if (psk != null) validatePreSharedKey(psk)
  const isAllowed = (peer: PeerId | string): boolean => allow.size === 0 || allow.has(peer.toString())
  return {
    configured: allow.size > 0 || psk != null,
    usesPsk: psk != null,
    isAllowed,
    gater (onRefused) {
      const refuse = (peer: PeerId): boolean => {
        if (isAllowed(peer)) return false
        onRefused(peer, 'allowlist')
        return true
      }
      return {
        denyDialPeer: refuse,
        denyInboundEncryptedConnection: refuse,
        denyOutboundEncryptedConnection: refuse
      }
    },
    protector () {
      if (psk == null) return undefined
      const trimmed = new TextEncoder().encode(new TextDecoder().decode(psk).trim())
      return preSharedKey({ psk: trimmed })
    }
  }
}
