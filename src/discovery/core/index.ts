/**
 * @packageDocumentation
 *
 * Pure building blocks of fedmesh discovery: RFC 2782 SRV ordering, TTL-bounded re-resolution
 * scheduling, capped exponential backoff with jitter, `dnsaddr=` TXT parsing, and the peer-exchange
 * share/dial/announce policy. No IO, no clock, no Math.random: randomness comes in as a `Random`.
 *
 * @example
 * ```TypeScript
 * import { createBackoff } from './backoff.js'
 * import { seededRandom } from '../../util/pure/random.js'
 *
 * const backoff = createBackoff({ baseDelay: 100, maxDelay: 30_000, jitter: 'full' })
 * const random = seededRandom(1)
 * const delays = [0, 1, 2, 3].map(attempt => backoff.nextDelay(attempt, random))
 * ```
 */
export { createBackoff } from './backoff.js'
export type { Backoff, BackoffOptions, Jitter } from './backoff.js'
export { orderSrvRecords } from './srv-order.js'
export type { SrvRecord } from './srv-order.js'
export { ResolveSchedule, nextResolveDelay } from './resolve-schedule.js'
export type { ResolveScheduleOptions } from './resolve-schedule.js'
export { parseDnsaddrRecords, validateMultiaddrText, isIPv4, isIPv6, isHostName, isPeerIdText, DNSADDR_PREFIX, MAX_DNSADDR_LENGTH } from './dnsaddr.js'
export type { DnsaddrParseResult, DnsaddrRejection, RejectedDnsaddr } from './dnsaddr.js'
export { selectPeersToShare, planExchangeDials, selectAnnouncementTargets } from './exchange-plan.js'
export type { AnnouncementOptions, ExchangeCandidate, ShareOptions, DialBudget } from './exchange-plan.js'
export { InvalidDiscoveryOptionsError } from './errors.js'
