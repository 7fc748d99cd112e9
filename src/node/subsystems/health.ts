/**
 * The health subsystem: failure detection (`health` service), node selection with circuit breakers
 * (`node.balancer`, `node.breakers`) and partition detection and recovery (`partition` service).
 *
 * Contracts:
 * - `node.health`, `node.balancer`, `node.breakers` and `node.partition` are set before the node starts.
 * - Only verified peers (`ctx.isVerified`) are heartbeated, counted and selected.
 * - Status sections: `partition` exactly as CONTRACT.md (`{ partitioned, since: ISO string | null, affectedNodes }`,
 *   plus `type`); `health` (this node's own slowness and every peer's health); `mesh` (counts of healthy, suspect and
 *   dead peers, selections by algorithm, calls, breaker states, partitions seen).
 * - Partition membership includes the Raft voters once a `raft` status section lists them (`voters`), read at
 *   most once a second; a Raft subsystem may instead plug its own source with `node.partition.setVoterSource`.
 * - Strategy and `serveLocalWhilePartitioned` come from the node's `partition` options (defaults `merge`, true).
 * - Recovery strategy `merge`: when a partition heals, anti-entropy runs with the affected peers through the
 *   `antiEntropy` service when the node has one.
 */
import { health } from '../../mesh/health/index.js'
import { partitionDetection } from '../../mesh/partition/index.js'
import type { Subsystem } from './types.js'
import type { BreakerRegistry } from '../../mesh/core/breaker/index.js'
import type { HealthService, MeshBalancer } from '../../mesh/health/index.js'
import type { PartitionService } from '../../mesh/partition/index.js'
import type { FederationNode } from '../federation-node.js'
import type { HttpApi } from '../http-api.js'

declare module '../federation-node.js' {
  interface FederationNode {
    /** Failure detection: each fedmesh peer's health, with `joined`/`alive`/`suspect`/`dead`/`left` events. */
    health: HealthService
    /** Node selection over the healthy, verified peers: `select({ key, algorithm })`, `call(fn, options)`. */
    balancer: MeshBalancer
    /** One circuit breaker per peer, consulted by selection; wrap other peer requests with it too. */
    breakers: BreakerRegistry
    /** Partition detection and recovery: `isPartitioned()`, `current()`, `partition:*` events, `reports()`. */
    partition: PartitionService
  }
}

/** How often the Raft voter set is re-read from the `raft` status section (ms). */
const VOTERS_REFRESH_MS = 1_000

export const healthSubsystem: Subsystem = {
  name: 'health',
  services: (ctx) => ({
    health: health({ isVerified: (peer) => ctx.isVerified(peer) }),
    partition: partitionDetection({ strategy: ctx.options.partition.strategy, serveLocalWhilePartitioned: ctx.options.partition.serveLocalWhilePartitioned })
  }),
  attach (node) {
    const services = node.libp2p.services as { health: HealthService, partition: PartitionService }
    node.health = services.health
    node.balancer = services.health.balancer
    node.breakers = services.health.breakers
    node.partition = services.partition
    node.partition.setVoterSource(raftVotersOf(node))
    node.addStatusSection('partition', () => partitionSection(node.partition))
    node.addStatusSection('health', () => healthSection(node.health))
    node.addStatusSection('mesh', () => meshSection(node))
  },
  routes (api: HttpApi, node: FederationNode) {
    api.route('GET', '/v1/partitions', () => ({
      body: {
        current: partitionSection(node.partition),
        reports: node.partition.reports().map(r => ({
          ...r,
          startedAt: iso(r.startedAt),
          healedAt: iso(r.healedAt),
          completedAt: iso(r.completedAt)
        }))
      }
    }))
  }
}

export function partitionSection (partition: PartitionService): { partitioned: boolean, type: string, since: string | null, affectedNodes: string[] } {
  const state = partition.current()
  return { partitioned: state.partitioned, type: state.type, since: state.since === null ? null : iso(state.since), affectedNodes: state.affectedNodes }
}

export function healthSection (service: HealthService): unknown {
  const stats = service.stats
  return {
    bootId: service.bootId,
    eventLoopLagMs: round(stats.eventLoopLagMs),
    localHealthMultiplier: round(stats.localHealthMultiplier),
    peers: service.peers()
      .sort((a, b) => a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0)
      .map(p => ({
        peerId: p.peer,
        health: p.status,
        since: iso(p.since),
        lastHeard: iso(p.lastHeard),
        connected: p.connected ?? null,
        rttMs: p.rttMs === undefined ? null : round(p.rttMs),
        load: p.load === undefined ? null : round(p.load),
        capacity: p.capacity ?? null,
        phi: round(p.phi),
        // Alive on another member's word only (announced to this node, no own link yet).
        vouchedBy: p.vouchedBy ?? null
      }))
  }
}

export function meshSection (node: FederationNode): unknown {
  const stats = node.health.stats
  const balancer = node.balancer.stats()
  const breakers = node.breakers.stats(Date.now())
  const partitions = node.partition.stats
  return {
    healthy: stats.alive,
    suspect: stats.suspect,
    dead: stats.dead,
    transitions: { joined: stats.joined, suspected: stats.suspected, died: stats.died, recovered: stats.recovered, left: stats.left },
    heartbeats: { sent: stats.heartbeatsSent, received: stats.heartbeatsReceived, malformed: stats.malformed, stale: stats.staleHeartbeats },
    balancer: {
      defaultAlgorithm: node.balancer.defaultAlgorithm,
      selections: balancer.selections,
      calls: { total: balancer.calls, succeeded: balancer.succeeded, failed: balancer.failed, failovers: balancer.failovers, refusedByBreaker: balancer.refusedByBreaker }
    },
    breakers,
    partitions: { seen: partitions.partitionsSeen, healed: partitions.healed, longestMs: partitions.longestMs }
  }
}

/** The voters of the `raft` status section, if a Raft subsystem provides one (re-read at most once a second). */
function raftVotersOf (node: FederationNode): () => string[] | undefined {
  let cached: string[] | undefined
  let readAt = Number.NEGATIVE_INFINITY
  return () => {
    const now = Date.now()
    if (now - readAt < VOTERS_REFRESH_MS) return cached
    readAt = now
    const raft = node.status().raft as { voters?: unknown } | null | undefined
    const voters = raft?.voters
    cached = Array.isArray(voters) && voters.length > 0 && voters.every(v => typeof v === 'string') ? voters as string[] : undefined
    return cached
  }
}

function iso (ms: number): string {
  return new Date(ms).toISOString()
}

function round (n: number): number {
  return Math.round(n * 1000) / 1000
}
