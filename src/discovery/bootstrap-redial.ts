/**
 * Keeps a node attached to its bootstrap list: when no bootstrap peer is connected any more, the
 * list is redialed with capped exponential backoff and full jitter until one connects; the backoff
 * resets after a success. (@libp2p/bootstrap itself dials only once, at start.)
 */
import { multiaddr } from '@multiformats/multiaddr'
import { createBackoff } from './core/backoff.js'
import { seededRandom } from '../util/pure/random.js'
import type { Random } from '../util/pure/random.js'
import type { ComponentLogger, Connection, Libp2pEvents, Logger, PeerId, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface BootstrapRedialInit {
  /** Multiaddrs with /p2p/ peer ids. */
  list: string[]
  /** First retry delay scale in ms. @default 500 */
  baseDelay?: number
  /** Longest delay in ms. @default 30000 */
  maxDelay?: number
  random?: Random
}

export interface BootstrapRedialComponents {
  connectionManager: { openConnection(target: Multiaddr | Multiaddr[] | PeerId, options?: { signal?: AbortSignal }): Promise<Connection>, getConnections(peerId?: PeerId): Connection[] }
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

export interface BootstrapRedialStats {
  redials: number
  failures: number
  attempt: number
}

export class BootstrapRedial implements Startable {
  readonly [Symbol.toStringTag] = '@fedmesh/bootstrap-redial'
  private readonly components: BootstrapRedialComponents
  private readonly targets: Array<{ peer: string, addr: Multiaddr }>
  private readonly backoff
  private readonly random: Random
  private readonly log: Logger
  private timer?: ReturnType<typeof setTimeout>
  private running = false
  private attempt = 0
  readonly stats: BootstrapRedialStats = { redials: 0, failures: 0, attempt: 0 }

  constructor (components: BootstrapRedialComponents, init: BootstrapRedialInit) {
    this.components = components
    this.targets = init.list.map(a => {
      const addr = multiaddr(a)
      const peer = addr.getComponents().find(c => c.name === 'p2p')?.value
      if (peer == null) throw new RangeError(`bootstrap address ${a} has no /p2p/ peer id`)
      return { peer, addr }
    })
    this.backoff = createBackoff({ baseDelay: init.baseDelay ?? 500, maxDelay: init.maxDelay ?? 30_000, jitter: 'full' })
    this.random = init.random ?? seededRandom(Math.floor(Math.random() * 2 ** 32))
    this.log = components.logger.forComponent('fedmesh:discovery:bootstrap')
  }

  private readonly onDisconnect = (): void => { this.check() }
  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    if (this.targets.some(t => t.peer === evt.detail.toString())) {
      this.attempt = 0
      this.stats.attempt = 0
      this.backoff.reset()
    }
  }

  start (): void {
    this.running = true
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
    this.components.events.addEventListener('peer:connect', this.onConnect)
  }

  stop (): void {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    this.components.events.removeEventListener('peer:connect', this.onConnect)
  }

  private connectedToAny (): boolean {
    return this.components.connectionManager.getConnections().some(c => this.targets.some(t => t.peer === c.remotePeer.toString()))
  }

  /** Schedules a redial when every bootstrap link is gone and none is scheduled yet. */
  private check (): void {
    if (!this.running || this.timer != null || this.targets.length === 0 || this.connectedToAny()) return
    const delay = this.backoff.nextDelay(this.attempt, this.random)
    this.log('every bootstrap link is lost; redial %d in %d ms', this.attempt + 1, delay)
    this.timer = setTimeout(() => { void this.redial() }, delay)
  }

  private async redial (): Promise<void> {
    this.timer = undefined
    if (!this.running || this.connectedToAny()) return
    this.stats.redials++
    const results = await Promise.allSettled(this.targets.map(async t => this.components.connectionManager.openConnection(t.addr, { signal: AbortSignal.timeout(10_000) })))
    if (results.some(r => r.status === 'fulfilled')) {
      this.log('reconnected to the bootstrap list')
      return
    }
    this.stats.failures++
    this.attempt++
    this.stats.attempt = this.attempt
    this.check()
  }
}

export function bootstrapRedial (init: BootstrapRedialInit): (components: BootstrapRedialComponents) => BootstrapRedial {
  return (components) => new BootstrapRedial(components, init)
}
