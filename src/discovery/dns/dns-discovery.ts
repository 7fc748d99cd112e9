import { randomInt } from 'node:crypto'
import { Resolver } from 'node:dns/promises'
import { isIP } from 'node:net'
import { peerDiscoverySymbol, serviceCapabilities, TypedEventEmitter } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import { parseDnsaddrRecords } from '../core/dnsaddr.js'
import { ResolveSchedule } from '../core/resolve-schedule.js'
import { orderSrvRecords } from '../core/srv-order.js'
import { seededRandom } from '../../util/pure/random.js'
import {
  DEFAULT_DIAL_CONCURRENCY, DEFAULT_DIAL_TIMEOUT, DEFAULT_MAX_INTERVAL, DEFAULT_MAX_TARGETS, DEFAULT_MIN_INTERVAL,
  DEFAULT_RETRY_BASE_DELAY, DEFAULT_TIMEOUT, DEFAULT_TRIES, DNSADDR_LABEL
} from './constants.js'
import { DnsDiscoveryStoppedError, DnsLookupError, InvalidDnsDiscoveryConfigError, InvalidDnsaddrRecordError } from './errors.js'
import type { DnsDiscoveryComponents, DnsDiscoveryEvents, DnsDiscoveryInit, DnsDiscoveryStats, DnsResolution, DnsTarget } from './types.js'
import type { Random } from '../../util/pure/random.js'
import type { AbortOptions, Logger, PeerDiscovery, PeerId, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A target ready to dial: SRV target addresses or one dnsaddr multiaddr. */
interface DialTarget {
  target: DnsTarget
  addrs: Multiaddr[]
  peerId?: PeerId
}

/** Codes that mean "no such record" rather than a broken resolver. */
const NO_RECORD_CODES = new Set(['ENODATA', 'ENOTFOUND'])

export class DnsDiscovery extends TypedEventEmitter<DnsDiscoveryEvents> implements PeerDiscovery, Startable {
  readonly [peerDiscoverySymbol] = this
  readonly [Symbol.toStringTag] = '@fedmesh/dns-discovery'
  readonly [serviceCapabilities]: string[] = ['@libp2p/peer-discovery']

  private readonly components: DnsDiscoveryComponents
  private readonly log: Logger
  private readonly name: string
  private readonly txtName: string | undefined
  private readonly useSrv: boolean
  private readonly server: string | undefined
  private readonly timeout: number
  private readonly tries: number
  private readonly dialTimeout: number
  private readonly dialConcurrency: number
  private readonly maxTargets: number
  private readonly schedule: ResolveSchedule
  private readonly random: Random
  private readonly counters: DnsDiscoveryStats
  private readonly found = new Set<string>()
  /** Peer ids learnt by dialing bare addresses, so later rounds skip targets already connected. */
  private readonly learnt = new Map<string, PeerId>()
  private started = false
  private timer?: ReturnType<typeof setTimeout>
  private controller = new AbortController()
  private inflight?: Promise<DnsResolution>

  constructor (components: DnsDiscoveryComponents, init: DnsDiscoveryInit) {
    super()
    if (typeof init?.name !== 'string' || init.name.trim() === '') {
      throw new InvalidDnsDiscoveryConfigError('dnsDiscovery needs a DNS name, e.g. _fedmesh._tcp.example.com')
    }
    this.components = components
    this.log = components.logger.forComponent('fedmesh:discovery:dns')
    this.name = init.name.trim().replace(/\.$/, '')
    this.useSrv = init.srv ?? true
    this.txtName = init.txtName === false ? undefined : (init.txtName ?? `${DNSADDR_LABEL}.${this.name}`)
    if (!this.useSrv && this.txtName == null) {
      throw new InvalidDnsDiscoveryConfigError('dnsDiscovery with srv: false and txtName: false has nothing to resolve')
    }
    this.server = init.server
    if (this.server != null && !isServerAddress(this.server)) {
      throw new InvalidDnsDiscoveryConfigError(`server must be "host:port", "host" or "[ipv6]:port", got "${this.server}"`)
    }
    this.timeout = positive('timeout', init.timeout ?? DEFAULT_TIMEOUT)
    this.tries = positive('tries', init.tries ?? DEFAULT_TRIES)
    this.dialTimeout = positive('dialTimeout', init.dialTimeout ?? DEFAULT_DIAL_TIMEOUT)
    this.dialConcurrency = positive('dialConcurrency', init.dialConcurrency ?? DEFAULT_DIAL_CONCURRENCY)
    this.maxTargets = positive('maxTargets', init.maxTargets ?? DEFAULT_MAX_TARGETS)
    const minInterval = init.minInterval ?? DEFAULT_MIN_INTERVAL
    const maxInterval = init.maxInterval ?? Math.max(DEFAULT_MAX_INTERVAL, minInterval)
    if (!(minInterval >= 0 && maxInterval >= minInterval && Number.isFinite(maxInterval))) {
      throw new InvalidDnsDiscoveryConfigError(`need 0 <= minInterval <= maxInterval, got ${minInterval} and ${maxInterval}`)
    }
    this.schedule = new ResolveSchedule({
      minInterval,
      maxInterval,
      retry: { baseDelay: Math.min(DEFAULT_RETRY_BASE_DELAY, Math.max(1, maxInterval)), ...init.retry }
    })
    this.random = init.random ?? seededRandom(randomInt(2 ** 32))
    this.counters = {
      resolutions: 0,
      failedResolutions: 0,
      lookups: 0,
      failures: {},
      invalidRecords: 0,
      peersFound: 0,
      dials: 0,
      dialFailures: 0
    }
  }

  /** Counters since construction (a copy). */
  get stats (): DnsDiscoveryStats {
    return { ...this.counters, failures: { ...this.counters.failures } }
  }

  isStarted (): boolean {
    return this.started
  }

  start (): void {
    if (this.started) return
    this.started = true
    this.controller = new AbortController()
    this.log('resolving %s every %d-%d ms', this.name, this.schedule.minInterval, this.schedule.maxInterval)
    this.scheduleRound(0)
  }

  /** Cancels the timer, in-flight lookups and dials, and waits for the running round to finish. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.timer)
    this.timer = undefined
    this.controller.abort(new DnsDiscoveryStoppedError('dns discovery stopped'))
    await this.inflight?.catch(() => {})
  }

  /**
   * Resolves the name now, emits and dials what it finds, and reports the outcome. Never rejects on
   * DNS or dial failures (they are counted in `stats` and reported in the result); rejects only when
   * the service is not started, is stopped meanwhile, or `options.signal` aborts. Concurrent calls
   * share one resolution.
   */
  async resolveNow (options: AbortOptions = {}): Promise<DnsResolution> {
    if (!this.started) throw new DnsDiscoveryStoppedError('dns discovery is not started')
    options.signal?.throwIfAborted()
    if (this.inflight == null) {
      const round = this.resolveRound(this.controller.signal)
      this.inflight = round
      void round.finally(() => { if (this.inflight === round) this.inflight = undefined }).catch(() => {})
    }
    const round = this.inflight
    if (options.signal == null) return round
    const signal = options.signal
    return new Promise<DnsResolution>((resolve, reject) => {
      const onAbort = (): void => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      round.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
    })
  }

  private scheduleRound (delay: number): void {
    if (!this.started) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.resolveNow()
        .then(result => { this.scheduleRound(result.nextDelay) })
        .catch(err => {
          if (!this.started) return
          this.log.error('resolution round of %s failed unexpectedly - %e', this.name, err)
          this.scheduleRound(this.schedule.failed(this.random))
        })
    }, delay)
  }

  private async resolveRound (signal: AbortSignal): Promise<DnsResolution> {
    const resolver = new Resolver({ timeout: this.timeout, tries: this.tries })
    if (this.server != null) resolver.setServers([this.server])
    const cancel = (): void => { resolver.cancel() }
    signal.addEventListener('abort', cancel, { once: true })
    try {
      const [srv, txt] = await Promise.all([
        this.useSrv ? this.lookup('SRV', this.name, signal, async () => resolver.resolveSrv(this.name)) : undefined,
        this.txtName != null ? this.lookup('TXT', this.txtName, signal, async () => resolver.resolveTxt(this.txtName as string)) : undefined
      ])
      const attempted = [srv, txt].filter(r => r !== undefined)
      const failed = attempted.filter(r => r instanceof DnsLookupError)
      const errors = failed.map(e => (e as DnsLookupError).code)
      const ok = failed.length < attempted.length
      const ttlsMs: number[] = []
      const targets: DialTarget[] = []

      if (Array.isArray(srv)) {
        for (const record of orderSrvRecords(srv, this.random).slice(0, this.maxTargets)) {
          const resolved = await this.resolveTarget(resolver, record.name, record.port, signal)
          signal.throwIfAborted()
          ttlsMs.push(...resolved.ttlsMs)
          if (resolved.addrs.length === 0) continue
          targets.push({
            target: { source: 'srv', name: record.name, port: record.port, priority: record.priority, weight: record.weight, multiaddrs: resolved.addrs.map(String) },
            addrs: resolved.addrs
          })
        }
      }
      if (Array.isArray(txt)) {
        targets.push(...this.dnsaddrTargets(txt).slice(0, Math.max(0, this.maxTargets - targets.length)))
      }

      if (ok) this.counters.resolutions++
      else this.counters.failedResolutions++
      const connected = await this.dialTargets(targets, signal)
      signal.throwIfAborted()
      const nextDelay = ok ? this.schedule.succeeded(ttlsMs) : this.schedule.failed(this.random)
      if (!ok) this.log('resolution of %s failed (%s), retrying in %d ms', this.name, errors.join(', '), nextDelay)
      return { ok, errors, targets: targets.map(t => t.target), connected, ttlsMs, nextDelay }
    } finally {
      signal.removeEventListener('abort', cancel)
    }
  }

  /** Runs one lookup; failures are counted and returned (not thrown) unless the service stopped. */
  private async lookup<T> (rrtype: string, hostname: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T | DnsLookupError> {
    this.counters.lookups++
    try {
      return await fn()
    } catch (err) {
      signal.throwIfAborted()
      const code = errorCode(err)
      this.counters.failures[code] = (this.counters.failures[code] ?? 0) + 1
      const failure = new DnsLookupError(rrtype, hostname, code, { cause: err })
      if (NO_RECORD_CODES.has(code)) this.log('%s', failure.message)
      else this.log.error('%s', failure.message)
      return failure
    }
  }

  /** A/AAAA of one SRV target (IP literals used as they are); an unresolvable target yields no address. */
  private async resolveTarget (resolver: Resolver, host: string, port: number, signal: AbortSignal): Promise<{ addrs: Multiaddr[], ttlsMs: number[] }> {
    const hostname = host.replace(/\.$/, '')
    const family = isIP(hostname)
    if (family !== 0) return { addrs: [multiaddr(`/ip${family}/${hostname}/tcp/${port}`)], ttlsMs: [] }
    const [v4, v6] = await Promise.all([
      resolver.resolve4(hostname, { ttl: true }).catch((err: unknown) => err),
      resolver.resolve6(hostname, { ttl: true }).catch((err: unknown) => err)
    ])
    signal.throwIfAborted()
    const addrs: Multiaddr[] = []
    const ttlsMs: number[] = []
    for (const [answer, proto] of [[v4, 'ip4'], [v6, 'ip6']] as const) {
      if (!Array.isArray(answer)) continue
      for (const { address, ttl } of answer) {
        addrs.push(multiaddr(`/${proto}/${address}/tcp/${port}`))
        ttlsMs.push(ttl * 1000)
      }
    }
    this.counters.lookups += 2
    if (addrs.length === 0) {
      // One family missing is normal; count the target as failed only when both are.
      const code = errorCode(Array.isArray(v4) ? v6 : v4)
      this.counters.failures[code] = (this.counters.failures[code] ?? 0) + 1
      this.log.error('SRV target %s has no usable address (%s)', hostname, code)
    }
    return { addrs, ttlsMs }
  }

  private dnsaddrTargets (records: string[][]): DialTarget[] {
    const parsed = parseDnsaddrRecords(records)
    for (const rejected of parsed.rejected) {
      this.counters.invalidRecords++
      this.log.error('%e', new InvalidDnsaddrRecordError(`ignoring TXT "${rejected.record}": ${rejected.reason}${rejected.protocol != null ? ` (${rejected.protocol})` : ''}`))
    }
    const targets: DialTarget[] = []
    for (const text of parsed.addrs) {
      try {
        const ma = multiaddr(text)
        const idText = ma.getComponents().findLast(c => c.name === 'p2p')?.value
        const peerId = idText != null ? peerIdFromString(idText) : undefined
        targets.push({ target: { source: 'txt', multiaddrs: [text], peerId: peerId?.toString() }, addrs: [ma], peerId })
      } catch (err) {
        this.counters.invalidRecords++
        this.log.error('%e', new InvalidDnsaddrRecordError(`ignoring dnsaddr ${text}: ${errorMessage(err)}`, { cause: err }))
      }
    }
    return targets
  }

  /** Dials targets in the given order with bounded concurrency; returns the peers newly connected. */
  private async dialTargets (targets: DialTarget[], signal: AbortSignal): Promise<PeerId[]> {
    const connected: PeerId[] = []
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < targets.length && !signal.aborted) {
        const target = targets[next++] as DialTarget
        const peerId = await this.dialTarget(target, signal)
        if (peerId != null) connected.push(peerId)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.dialConcurrency, targets.length) }, async () => worker()))
    return connected
  }

  private async dialTarget (target: DialTarget, signal: AbortSignal): Promise<PeerId | undefined> {
    const knownId = target.peerId ?? this.learntPeer(target.addrs)
    if (knownId != null && this.isSelf(knownId)) return undefined
    if (knownId != null && this.components.connectionManager.getConnections(knownId).length > 0) return undefined
    if (knownId == null && this.isOwnAddress(target.addrs)) return undefined
    if (target.peerId != null) this.emitPeer(target.peerId, target.addrs, target.target)

    for (const addr of target.addrs) {
      if (signal.aborted) return undefined
      this.counters.dials++
      try {
        const connection = await this.components.connectionManager.openConnection(addr, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.dialTimeout)])
        })
        const remote = connection.remotePeer
        for (const a of target.addrs) this.learnt.set(addressKey(a), remote)
        if (target.peerId == null) this.emitPeer(remote, target.addrs, target.target)
        return remote
      } catch (err) {
        if (signal.aborted) return undefined
        this.counters.dialFailures++
        this.log('dial of %a (%s) failed - %e', addr, target.target.source, err)
      }
    }
    return undefined
  }

  private emitPeer (id: PeerId, addrs: Multiaddr[], target: DnsTarget): void {
    const key = id.toString()
    if (!this.found.has(key)) {
      this.found.add(key)
      this.counters.peersFound++
    }
    const multiaddrs = addrs.map(a => a.decapsulateCode(CODE_P2P))
    this.safeDispatchEvent('peer', { detail: { id, multiaddrs } })
    this.safeDispatchEvent('peer:dns', { detail: { id, multiaddrs, discoveredBy: 'dns', target } })
  }

  private learntPeer (addrs: Multiaddr[]): PeerId | undefined {
    for (const a of addrs) {
      const id = this.learnt.get(addressKey(a))
      if (id != null) return id
    }
    return undefined
  }

  private isSelf (id: PeerId): boolean {
    return this.components.peerId?.equals(id) ?? false
  }

  private isOwnAddress (addrs: Multiaddr[]): boolean {
    const own = this.components.addressManager?.getAddresses().map(addressKey)
    if (own == null || own.length === 0) return false
    return addrs.every(a => own.includes(addressKey(a)))
  }
}

function addressKey (addr: Multiaddr): string {
  return addr.decapsulateCode(CODE_P2P).toString()
}

function errorCode (err: unknown): string {
  if (err != null && typeof err === 'object') {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'string' && code !== '') return code
    const name = (err as { name?: unknown }).name
    if (typeof name === 'string' && name !== '') return name
  }
  return 'UNKNOWN'
}

function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function positive (field: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new InvalidDnsDiscoveryConfigError(`${field} must be a positive number, got ${value}`)
  return value
}

function isServerAddress (server: string): boolean {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(server)
  if (bracketed != null) return isIP(bracketed[1] as string) === 6 && (bracketed[2] == null || Number(bracketed[2]) <= 65535)
  if (isIP(server) !== 0) return true
  const hostPort = /^([^:]+):(\d{1,5})$/.exec(server)
  return hostPort != null && isIP(hostPort[1] as string) === 4 && Number(hostPort[2]) <= 65535
}
