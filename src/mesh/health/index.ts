/**
 * @packageDocumentation
 *
 * `/fedmesh/health/1.0.0`: failure detection, node selection and circuit breakers on a libp2p node, driving the
 * pure cores in src/mesh/core/{health,balancer,breaker}.
 *
 * Wire: every node keeps ONE long-lived outbound stream per fedmesh peer and writes a length-prefixed `Heartbeat`
 * (src/mesh/pb/health.proto: boot id, sequence number, load, capacity, latency, the peers it suspects, a leaving
 * flag) on it every `heartbeatIntervalMs` (200 ms); the receiving side only reads. A stream that breaks is reopened
 * at the next round (with back-off after failed attempts). A frame that cannot be decoded or breaks the limits resets
 * that stream and is counted in `stats.malformed`; the service keeps running. A node that stops gracefully sends a
 * final heartbeat with `leaving` set, and its peers forget it (`left`) instead of suspecting it.
 *
 * Evidence fed to the detector, always with `Date.now()`: each heartbeat; each RTT from the `ping` service (every
 * `pingIntervalMs`, when a `ping` service is configured); `connectionOpened` when a peer is found to speak the
 * protocol (identify) or reconnects, or when the heartbeat stream this node opens on every new connection (without
 * waiting for identify) is accepted, and `connectionClosed` only when libp2p reports that its LAST connection closed
 * (`peer:disconnect`). Vouches (`acceptVouches`, default on): when a member announces a peer that has just connected
 * to it (the `exchange` service's `peer:announce`), an unknown, verified peer joins alive here at once with
 * `vouchedBy` set, before this node has its own link; it is not a balancer candidate until a direct sign of life
 * replaces the vouch, and without one the silence thresholds make it suspect, then dead, as for any silent peer. The detector is ticked every `tickIntervalMs` (100 ms) with this process's event-loop lag as
 * its own slowness, so a busy node stretches its timeouts rather than condemning healthy peers. Only peers
 * `isVerified` accepts take part; a connected peer that speaks the protocol but never heartbeats goes suspect, then
 * dead. Suspects listed by peers confirm this node's own suspicions (Lifeguard), shortening the time to `dead`.
 *
 * Events (DOM-style, detail `PeerHealthEventDetail`): `joined`, `alive`, `suspect`, `dead`, `left`; `tick` after
 * each evaluation. Selection: `service.balancer.select({ key, algorithm })` and `service.balancer.call(fn, opts)`
 * over the alive, verified peers, gated by the per-peer breakers in `service.breakers`.
 *
 * @example
 * ```TypeScript
 * import '../../util/polyfill.js'
 * import { createLibp2p } from 'libp2p'
 * import { identify } from '@libp2p/identify'
 * import { ping } from '@libp2p/ping'
 * import { health } from './index.js'
 *
 * const node = await createLibp2p({
 *   // transports, connectionEncrypters, streamMuxers ...
 *   services: { identify: identify(), ping: ping(), health: health() }
 * })
 * node.services.health.addEventListener('dead', (evt) => { console.info('%s is dead', evt.detail.peer) })
 * const answer = await node.services.health.balancer.call(async (peer, { signal }) => askPeer(peer, signal), { key: 'user:42' })
 * ```
 */
import { HealthService } from './health-service.js'
import type { HealthComponents, HealthInit } from './types.js'

export { HealthService, decodeHeartbeat } from './health-service.js'
export { MeshBalancer } from './mesh-balancer.js'
export type { MeshBalancerInit } from './mesh-balancer.js'
export { EventLoopMonitor } from './loop-lag.js'
export {
  AllAttemptsFailedError, HealthStoppedError, InvalidHealthConfigError, MalformedHeartbeatError, NoPeerAvailableError,
  UnverifiedPeerError
} from './errors.js'
export { PROTOCOL as HEALTH_PROTOCOL } from './constants.js'
export * as healthDefaults from './constants.js'
export type {
  CallOptions, HealthBalancerInit, HealthComponents, HealthInit, HealthServiceEvents, HealthServiceStats, MeshBalancerStats,
  PeerHealthEventDetail, PingLike, SelectionOptions, SelfReport, VouchDetail, VouchSource
} from './types.js'

/** The libp2p service factory: `services: { health: health() }` (needs identify; uses `ping` and `exchange` when present). */
export function health (init: HealthInit = {}): (components: HealthComponents) => HealthService {
  return (components) => new HealthService(components, init)
}
