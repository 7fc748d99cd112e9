/**
 * @packageDocumentation
 * The mesh's pure failure detector and health table. The adapter feeds evidence with the time in ms and
 * publishes the returned events:
 *
 * ```ts
 * const view = new HealthView({ selfSlowness: () => loopLagMs })
 * view.connectionOpened('peerA', now)               // [{ type: 'joined', peer: 'peerA', ... }]
 * view.heartbeat('peerA', { seq: 1, load: 0.2 }, now)
 * view.tick(now + 1000)                             // [{ type: 'suspect', ... }] (phi / silence)
 * view.confirmSuspicion('peerA', 'peerB', now)       // peerB suspects it too: shorter time to 'dead'
 * view.tick(now + 3000)                             // [{ type: 'dead', ... }]
 * view.heartbeat('peerA', { seq: 2 }, now + 3100)   // [{ type: 'alive', ... }]: any sign of life refutes
 * ```
 * Wiring contract: call `tick` every `tickIntervalMs` (100 ms by default) from a timer; feed a heartbeat per
 * received message, `rtt` per ping reply, `connectionOpened`/`connectionClosed` when the first/last
 * connection to a peer opens/closes; have peers send heartbeats every `heartbeatIntervalMs` (200 ms).
 */
export { HealthView } from './health-view.js'
export { DEFAULT_HEALTH_OPTIONS } from './constants.js'
export { InvalidOptionError } from './errors.js'
export { Ewma } from './ewma.js'
export { InterArrivalWindow, phi, PHI_MAX } from './phi.js'
export type {
  HealthEvent, HealthEventType, HealthReader, HealthReason, HealthStats, HealthViewOptions, HeartbeatPayload,
  PeerHealth, PeerStatus
} from './types.js'
