/**
 * How a subsystem (gossip state, health, Raft, replication, ...) plugs into a federation node.
 * Each subsystem has one file in this folder; `index.ts` lists them in composition order.
 *
 * Contract: `services()` runs before libp2p is created and returns the libp2p service factories the
 * subsystem adds (names must be unique across subsystems); `attach()` runs once the node exists
 * (before it starts) and may add HTTP routes, status sections and the node's facade for the
 * subsystem (e.g. `node.state`). Subsystems read other subsystems' services through
 * `node.libp2p.services`, never by importing each other's wiring.
 */
import type { ResolvedNodeOptions } from '../config.js'
import type { FederationNode } from '../federation-node.js'
import type { HttpApi } from '../http-api.js'
import type { PeerDirectory } from '../../discovery/peer-directory.js'
import type { Verification } from '../../discovery/verification.js'
import type { ServiceFactoryMap } from 'libp2p'

export interface SubsystemContext {
  options: ResolvedNodeOptions
  peers: PeerDirectory
  verification: Verification
  /** True when a peer may take part (verified when verification is configured). */
  isVerified(peerId: { toString(): string }): boolean
}

export interface Subsystem {
  name: string
  services(ctx: SubsystemContext): ServiceFactoryMap<Record<string, unknown>>
  attach?(node: FederationNode, ctx: SubsystemContext): void
  /** Adds HTTP routes; called when the node has an API. */
  routes?(api: HttpApi, node: FederationNode): void
}
