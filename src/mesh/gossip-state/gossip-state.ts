import { serviceDependencies, TypedEventEmitter } from '@libp2p/interface'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { fromSyncEntry, GossipStateView, GOSSIP_STATE_DEFAULTS, MESH_PRESETS, PublishQueue } from '../core/gossip-state/index.js'
import { encodeGossipUpdate } from '../pb/gossip-codec.js'
import { SyncEntry as WireSyncEntry } from '../pb/sync.js'
import {
  DEFAULT_ANTI_ENTROPY_SERVICE, DEFAULT_HOLD_RETRY, DEFAULT_MAX_KEY_BYTES, DEFAULT_PUBSUB_SERVICE, KEYSPACE,
  MESSAGE_OVERHEAD_BYTES, TOPIC
} from './constants.js'
import { GossipStateStoppedError, InvalidGossipStateConfigError, InvalidStateKeyError } from './errors.js'
import type { GossipStateComponents, GossipStateEvents, GossipStateInit, GossipStateStats } from './types.js'
import type { AntiEntropy } from '../anti-entropy/index.js'
import type { GossipUpdate, JsonValue, QueueState, StateChange } from '../core/gossip-state/index.js'
import type { GossipSub, Message, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { AbortOptions, CounterGroup, Logger, PeerId, Startable } from '@libp2p/interface'

const encoder = new TextEncoder()

type RejectReason = 'malformed' | 'forgedOwner' | 'oversized' | 'unsigned'

interface StateMetrics {
  changes: CounterGroup
  publish: CounterGroup
  rejected: CounterGroup
}

/**
 * The libp2p driver of gossip state (see index.ts): a `GossipStateView` fed by gossipsub and anti-entropy, and a
 * `PublishQueue` between local writes and gossipsub.
 */
export class GossipState extends TypedEventEmitter<GossipStateEvents> implements Startable {
  readonly [Symbol.toStringTag] = '@fedmesh/gossip-state'
  readonly [serviceDependencies]: string[] = ['@libp2p/pubsub']
  readonly topic: string
  /** The view this service keeps (hand it to the next service via `init.view` to continue after a restart). */
  readonly view: GossipStateView

  private readonly components: GossipStateComponents
  private readonly log: Logger
  private readonly queue: PublishQueue
  private readonly maxKeyBytes: number
  private readonly maxValueBytes: number
  private readonly maxMessageBytes: number
  private readonly pubsubService: string
  private readonly antiEntropyService: string | false
  private readonly keyspace: string
  private readonly holdRetryMs: number
  /** Updates the topic validator decoded, so the message handler need not decode them again. */
  private readonly validated = new WeakMap<Message, GossipUpdate>()
  private readonly counters: GossipStateStats = {
    localUpdates: 0,
    published: 0,
    requeued: 0,
    publishFailures: 0,
    backpressureWaits: 0,
    received: 0,
    duplicates: 0,
    repaired: 0,
    rejectedMalformed: 0,
    rejectedForgedOwner: 0,
    rejectedOversized: 0,
    rejectedUnsigned: 0
  }

  private readonly metrics?: StateMetrics
  private pubsub?: GossipSub
  private unregisterKeyspace?: () => void
  private started = false
  private pumping = false
  private pumpTimer?: ReturnType<typeof setTimeout>
  private holdTimer?: ReturnType<typeof setTimeout>
  private roomWaiters: Array<{ resolve: () => void, reject: (err: unknown) => void }> = []
  private idleWaiters: Array<{ resolve: () => void, reject: (err: unknown) => void }> = []

  constructor (components: GossipStateComponents, init: GossipStateInit = {}) {
    super()
    this.components = components
    this.log = components.logger.forComponent('fedmesh:gossip-state')
    this.topic = init.topic ?? TOPIC
    const preset = MESH_PRESETS[init.preset ?? 'small']
    if (preset === undefined) throw new InvalidGossipStateConfigError(`unknown preset ${String(init.preset)}`)
    try {
      this.queue = new PublishQueue({ ...preset.publishQueue, ...init.publishQueue })
    } catch (err) {
      throw new InvalidGossipStateConfigError(`invalid publish queue options: ${(err as Error).message}`)
    }
    this.maxKeyBytes = positive('maxKeyBytes', init.maxKeyBytes ?? DEFAULT_MAX_KEY_BYTES)
    this.maxValueBytes = positive('maxValueBytes', init.maxValueBytes ?? GOSSIP_STATE_DEFAULTS.maxValueBytes)
    this.maxMessageBytes = this.maxKeyBytes + this.maxValueBytes + MESSAGE_OVERHEAD_BYTES
    this.pubsubService = init.pubsubService ?? DEFAULT_PUBSUB_SERVICE
    this.antiEntropyService = init.antiEntropyService ?? DEFAULT_ANTI_ENTROPY_SERVICE
    this.keyspace = init.keyspace ?? KEYSPACE
    this.holdRetryMs = positive('holdRetryMs', init.holdRetryMs ?? DEFAULT_HOLD_RETRY)
    const self = components.peerId.toString()
    if (init.view !== undefined && init.view.self !== self) {
      throw new InvalidGossipStateConfigError(`the view given belongs to ${init.view.self}, not to this node ${self}`)
    }
    this.view = init.view ?? new GossipStateView(self, { maxValueBytes: this.maxValueBytes })
    const m = components.metrics
    if (m != null) {
      this.metrics = {
        changes: m.registerCounterGroup('fedmesh_gossip_state_changes_total', { label: 'origin', help: 'Gossip-state changes by origin (local, remote, sync)' }),
        publish: m.registerCounterGroup('fedmesh_gossip_state_publish_total', { label: 'outcome', help: 'Gossip-state publishes by outcome (published, requeued, failed)' }),
        rejected: m.registerCounterGroup('fedmesh_gossip_state_rejected_total', { label: 'reason', help: 'Gossip-state messages rejected by the topic validator, by reason' })
      }
      m.registerMetric('fedmesh_gossip_state_queue_size', { help: 'Gossip-state updates waiting to be published', calculate: () => this.queue.size })
    }
  }

  /** Counters since construction (a copy). */
  get stats (): GossipStateStats {
    return { ...this.counters }
  }

  /** `holding` until the topic has a peer; updates waiting to be published. */
  get queueState (): { state: QueueState, size: number } {
    return { state: this.queue.state, size: this.queue.size }
  }

  /** True when the view is registered with an anti-entropy service (missed updates get repaired). */
  get repairing (): boolean {
    return this.unregisterKeyspace !== undefined
  }

  isStarted (): boolean {
    return this.started
  }

  async start (): Promise<void> {
    if (this.started) return
    const pubsub = lookup(this.components, this.pubsubService) as GossipSub | undefined
    if (pubsub?.topicValidators == null || typeof pubsub.publish !== 'function') {
      throw new InvalidGossipStateConfigError(`gossip state needs a gossipsub service named '${this.pubsubService}'`)
    }
    this.pubsub = pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.addEventListener('message', this.onMessage)
    pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    if (this.antiEntropyService !== false) {
      const ae = lookup(this.components, this.antiEntropyService) as AntiEntropy | undefined
      if (ae != null && typeof ae.register === 'function') {
        this.unregisterKeyspace = ae.register(this.keyspace, this.view.syncStore, { onApplied: () => { this.drainChanges() } })
      } else {
        this.log('no anti-entropy service named %s: missed updates will not be repaired', this.antiEntropyService)
      }
    }
    this.started = true
  }

  /** Gossipsub accepts subscriptions only once it has started, which is after every service's `start`. */
  async afterStart (): Promise<void> {
    if (!this.started || this.pubsub == null) return
    this.pubsub.subscribe(this.topic)
    this.refreshPeers()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.pumpTimer)
    clearTimeout(this.holdTimer)
    this.pumpTimer = undefined
    this.holdTimer = undefined
    const pubsub = this.pubsub
    if (pubsub != null) {
      pubsub.removeEventListener('message', this.onMessage)
      pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
      if (pubsub.topicValidators.get(this.topic) === this.validate) pubsub.topicValidators.delete(this.topic)
      // No unsubscribe: the node is stopping and its connections close anyway, while leaving the topic would PRUNE
      // mesh peers with a back-off (60 s), during which they refuse the GRAFT of this peer id when it restarts.
    }
    this.pubsub = undefined
    this.unregisterKeyspace?.()
    this.unregisterKeyspace = undefined
    this.queue.setHasPeers(false)
    const stopped = new GossipStateStoppedError('gossip state stopped')
    for (const w of this.roomWaiters.splice(0)) w.reject(stopped)
    for (const w of this.idleWaiters.splice(0)) w.reject(stopped)
  }

  /**
   * Sets this node's `key` to `value` (JSON). The view changes at once (and an `update` event fires); the promise
   * resolves once the update is queued for gossip. While the queue is full it waits for room: that is the
   * backpressure. If the wait is aborted, the write stays in the local view and reaches peers by anti-entropy.
   * Throws InvalidStateKeyError, InvalidStateValueError, StateValueTooLargeError; rejects with the signal's reason
   * or GossipStateStoppedError.
   */
  async update (key: string, value: JsonValue, options: AbortOptions = {}): Promise<void> {
    this.checkKey(key)
    const update = this.view.update(key, value, Date.now())
    await this.afterLocalWrite(update, options)
  }

  /** Deletes this node's `key` (a tombstone that wins over the value everywhere); otherwise as `update`. */
  async delete (key: string, options: AbortOptions = {}): Promise<void> {
    this.checkKey(key)
    const update = this.view.delete(key, Date.now())
    await this.afterLocalWrite(update, options)
  }

  /** The value `peerId` holds under `key`, as this node last heard; undefined when absent or deleted. */
  get (peerId: PeerId | string, key: string): JsonValue | undefined {
    return this.view.get(peerId.toString(), key)
  }

  /** The whole view, `{ [peerId]: { [key]: value } }`, without deleted keys. Values are frozen. */
  all (): Record<string, Record<string, JsonValue>> {
    return this.view.snapshot()
  }

  /** Calls `callback` on every change of the view (as the `update` event); returns the unsubscribe function. */
  onUpdate (callback: (change: StateChange) => void): () => void {
    const listener = (evt: CustomEvent<StateChange>): void => { callback(evt.detail) }
    this.addEventListener('update', listener)
    return () => { this.removeEventListener('update', listener) }
  }

  /** Resolves once every queued update has been handed to gossipsub (waits while the queue holds for peers). */
  async flush (options: AbortOptions = {}): Promise<void> {
    while (this.queue.size > 0 || this.pumping) {
      if (!this.started) throw new GossipStateStoppedError('gossip state is not started')
      await this.wait(this.idleWaiters, options)
    }
  }

  private async afterLocalWrite (update: GossipUpdate, options: AbortOptions): Promise<void> {
    this.counters.localUpdates++
    this.drainChanges()
    for (;;) {
      if (this.queue.offer(update) !== 'full') break
      if (!this.started) throw new GossipStateStoppedError('gossip state is not started and its publish queue is full')
      this.counters.backpressureWaits++
      await this.wait(this.roomWaiters, options)
    }
    this.kick()
  }

  private checkKey (key: string): void {
    if (typeof key !== 'string') throw new InvalidStateKeyError('key must be a string')
    if (encoder.encode(key).length > this.maxKeyBytes) throw new InvalidStateKeyError(`key is longer than ${this.maxKeyBytes} bytes`)
  }

  private async wait (waiters: Array<{ resolve: () => void, reject: (err: unknown) => void }>, options: AbortOptions): Promise<void> {
    options.signal?.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = waiters.indexOf(waiter)
        if (i >= 0) waiters.splice(i, 1)
        reject(options.signal?.reason)
      }
      const waiter = {
        resolve: () => { options.signal?.removeEventListener('abort', onAbort); resolve() },
        reject: (err: unknown) => { options.signal?.removeEventListener('abort', onAbort); reject(err) }
      }
      options.signal?.addEventListener('abort', onAbort, { once: true })
      waiters.push(waiter)
    })
  }

  private wake (waiters: Array<{ resolve: () => void }>): void {
    for (const w of waiters.splice(0)) w.resolve()
  }

  /** Starts the publish loop unless it runs or a timer will restart it. */
  private kick (): void {
    if (!this.started || this.pumping || this.pumpTimer !== undefined || this.pubsub == null) return
    void this.pump().catch(err => { this.log.error('publish loop failed - %e', err) })
  }

  /**
   * Publishes what the queue releases, one message at a time, until the queue is empty, holding, or out of tokens
   * (then a timer restarts it when the next token is due).
   */
  private async pump (): Promise<void> {
    this.pumping = true
    try {
      while (this.started && this.pubsub != null) {
        const pubsub = this.pubsub
        const now = Date.now()
        const batch = this.queue.poll(now)
        if (batch.length === 0) {
          const next = this.queue.nextSendAt(now)
          if (next !== undefined) {
            this.pumpTimer = setTimeout(() => { this.pumpTimer = undefined; this.kick() }, Math.max(1, next - now))
          }
          break
        }
        this.wake(this.roomWaiters)
        for (let i = 0; i < batch.length; i++) {
          const update = batch[i] as GossipUpdate
          if (!this.started) {
            // Stopped mid-batch: keep the rest for a later start (the view holds them regardless).
            for (let j = batch.length - 1; j >= i; j--) this.queue.requeue(batch[j] as GossipUpdate)
            break
          }
          try {
            await pubsub.publish(this.topic, encodeGossipUpdate(update))
            this.counters.published++
            this.metrics?.publish.increment({ published: true })
          } catch (err) {
            if (!isNoPeersError(err)) {
              // Not retried: anti-entropy carries the write to peers that missed it.
              this.counters.publishFailures++
              this.metrics?.publish.increment({ failed: true })
              this.log('publishing %s failed - %e', update.key, err)
              continue
            }
            // No topic peer after all: put back the rest, newest first so the queue keeps its order, and hold.
            for (let j = batch.length - 1; j >= i; j--) this.queue.requeue(batch[j] as GossipUpdate)
            this.counters.requeued += batch.length - i
            this.metrics?.publish.increment({ requeued: batch.length - i })
            this.queue.setHasPeers(false)
            this.scheduleHoldRetry()
            break
          }
        }
      }
    } finally {
      this.pumping = false
      if (this.queue.size === 0) this.wake(this.idleWaiters)
    }
  }

  /** Gossipsub knows topic peers before publishing can reach them only when their score allows; look again later. */
  private scheduleHoldRetry (): void {
    if (this.holdTimer !== undefined || !this.started) return
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined
      this.refreshPeers()
      if (this.queue.state === 'holding' && this.queue.size > 0) this.scheduleHoldRetry()
    }, this.holdRetryMs)
  }

  private refreshPeers (): void {
    if (!this.started || this.pubsub == null) return
    const hasPeers = this.pubsub.getSubscribers(this.topic).length > 0
    this.queue.setHasPeers(hasPeers)
    if (hasPeers) this.kick()
    else if (this.queue.size > 0) this.scheduleHoldRetry()
  }

  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    if (evt.detail.subscriptions.some(s => s.topic === this.topic)) this.refreshPeers()
  }

  /**
   * The topic validator: accepts a signed, well-formed update whose owner is its signer and whose key and value are
   * within the limits; anything else is rejected (gossipsub then neither delivers nor forwards it).
   */
  private readonly validate = (_propagationSource: PeerId, message: Message): TopicValidatorResult => {
    if (message.type !== 'signed') return this.reject('unsigned')
    if (message.data.length > this.maxMessageBytes) return this.reject('oversized')
    let update: GossipUpdate | undefined
    try {
      const wire = WireSyncEntry.decode(message.data)
      if (wire.payload.length - 1 > this.maxValueBytes) return this.reject('oversized')
      update = fromSyncEntry({ key: wire.key, version: wire.version, payload: wire.payload })
    } catch {
      update = undefined
    }
    if (update === undefined) return this.reject('malformed')
    if (encoder.encode(update.key).length > this.maxKeyBytes) return this.reject('oversized')
    if (update.owner !== message.from.toString()) return this.reject('forgedOwner')
    this.validated.set(message, update)
    return TopicValidatorResult.Accept
  }

  private reject (reason: RejectReason): TopicValidatorResult {
    switch (reason) {
      case 'malformed': this.counters.rejectedMalformed++; break
      case 'forgedOwner': this.counters.rejectedForgedOwner++; break
      case 'oversized': this.counters.rejectedOversized++; break
      default: this.counters.rejectedUnsigned++
    }
    this.metrics?.rejected.increment({ [reason]: true })
    return TopicValidatorResult.Reject
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const message = evt.detail
    if (message.topic !== this.topic) return
    // Messages reach this handler only through the validator, which recorded the decoded update.
    const update = this.validated.get(message)
    if (update === undefined) return
    if (this.view.applyRemote(update)) {
      this.counters.received++
      this.drainChanges()
    } else {
      this.counters.duplicates++
    }
  }

  /** Turns the view's accepted changes into events. */
  private drainChanges (): void {
    for (const change of this.view.takeChanges()) {
      if (change.origin === 'sync') this.counters.repaired++
      this.metrics?.changes.increment({ [change.origin]: true })
      this.safeDispatchEvent('update', { detail: change })
    }
  }
}

function lookup (components: GossipStateComponents, name: string): unknown {
  try {
    return components[name]
  } catch {
    // libp2p's components throw MissingServiceError for names no service has.
    return undefined
  }
}

function isNoPeersError (err: unknown): boolean {
  return err instanceof Error && err.message.includes('NoPeersSubscribedToTopic')
}

function positive (field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidGossipStateConfigError(`${field} must be an integer >= 1, got ${value}`)
  return value
}
