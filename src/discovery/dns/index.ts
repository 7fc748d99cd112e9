/**
 * @packageDocumentation
 *
 * A libp2p peer-discovery service that finds mesh members through DNS:
 *
 * - **SRV** records at `name` (e.g. `_fedmesh._tcp.example.com`): targets are taken in RFC 2782 order
 *   (priority ascending, weighted random within a priority), each target's A/AAAA records become
 *   `/ip4|ip6/<addr>/tcp/<port>` and are dialed bare (SRV carries no peer id); the remote's peer id
 *   is learnt in the Noise handshake, after which a `peer` event is emitted with that id.
 * - **TXT** records at `_dnsaddr.<name>` (the libp2p dnsaddr convention; override with `txtName`),
 *   each `dnsaddr=<multiaddr>`: entries with a `/p2p/<id>` are emitted as `peer` at once and dialed;
 *   entries without one are dialed bare like SRV targets. Malformed entries are counted in
 *   `stats.invalidRecords` and skipped.
 *
 * The name is re-resolved after clamp(smallest TTL, minInterval, maxInterval). node:dns reports TTLs
 * for A/AAAA answers only, so the TTLs used are those of the targets' addresses; with none known
 * (IP-literal targets, TXT only) the service waits maxInterval. A failed resolution (NXDOMAIN, timeout,
 * refused, dead server; every lookup of the round failed) is logged, counted by code in
 * `stats.failures` and retried with capped exponential backoff with full jitter; it never throws out
 * of the service. Every `peer` event is mirrored by a `peer:dns` event whose detail also carries
 * `discoveredBy: 'dns'` and the DNS target it came from.
 *
 * @example
 * ```TypeScript
 * import '../../util/polyfill.js'
 * import { createLibp2p } from 'libp2p'
 * import { dnsDiscovery } from './index.js'
 *
 * const node = await createLibp2p({
 *   // transports, connectionEncrypters, streamMuxers ...
 *   services: {
 *     dns: dnsDiscovery({ name: '_fedmesh._tcp.example.com', server: '127.0.0.1:5353', minInterval: 5_000 })
 *   }
 * })
 * node.services.dns.addEventListener('peer:dns', (evt) => { console.info(evt.detail.id.toString()) })
 * ```
 */
import { DnsDiscovery } from './dns-discovery.js'
import type { DnsDiscoveryComponents, DnsDiscoveryInit } from './types.js'

export { DnsDiscovery } from './dns-discovery.js'
export { DnsDiscoveryStoppedError, DnsLookupError, InvalidDnsDiscoveryConfigError, InvalidDnsaddrRecordError } from './errors.js'
export * as dnsDiscoveryDefaults from './constants.js'

export type { DnsDiscoveryComponents, DnsDiscoveryEvents, DnsDiscoveryInit, DnsDiscoveryStats, DnsPeerInfo, DnsResolution, DnsTarget } from './types.js'

/** The libp2p service factory: `services: { dns: dnsDiscovery({ name }) }`. */
export function dnsDiscovery (init: DnsDiscoveryInit): (components: DnsDiscoveryComponents) => DnsDiscovery {
  return (components) => new DnsDiscovery(components, init)
}
