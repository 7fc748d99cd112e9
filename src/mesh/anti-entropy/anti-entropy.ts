import { breakersOf, requestPeer } from '../../util/peer-requests.js'
import { randomInt } from 'node:crypto'
import { lpStream } from '@libp2p/utils'
import { SyncSession } from '../core/anti-entropy/index.js'
import { MESH_PRESETS } from '../core/gossip-state/index.js'
import { decodeSyncMessage, encodeSyncMessage } from '../pb/sync-codec.js'
import { seededRandom } from '../../util/pure/random.js'
import {
  BUSY_BACKOFF, BUSY_RETRIES, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_OUTBOUND_STREAMS, DEFAULT_PEERS_PER_ROUND, MAX_KEYSPACE_BYTES, PROTOCOL, REFUSAL_BUSY,
  REFUSAL_UNKNOWN_KEYSPACE, REFUSAL_UNVERIFIED
} from './constants.js'
import {
  AntiEntropyStoppedError, InvalidAntiEntropyConfigError, InvalidKeyspaceError, MalformedSyncError, SyncRefusedError,
  UnknownKeyspaceError, UnverifiedPeerError
} from './errors.js'
import type { AntiEntropyComponents, AntiEntropyInit, AntiEntropyStats, KeyspaceOptions, SyncOptions, SyncResult } from './types.js'
import type { SyncEntry, SyncSessionOptions, SyncStep, SyncStore } from '../core/anti-entropy/index.js'
import type { Random } from '../../util/pure/random.js'
import type { AbortOptions, Connection, CounterGroup, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

/** Errors that mean the peer sent something that is not a valid sync frame. */
const MALFORMED_ERRORS = new Set([
  'MalformedSyncError', 'SyncDecodeError', 'SyncProtocolError', 'SessionClosedError',
  'InvalidDataLengthError', 'InvalidMessageLengthError', 'InvalidDataLengthLengthError'
])

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true })

interface Keyspace {
  name: string
  store: SyncStore
  onApplied?: KeyspaceOptions['onApplied']
}

interface SessionMetrics {
  rounds: CounterGroup
  keys: CounterGroup
  bytes: CounterGroup
  errors: CounterGroup
}

/**
 * The libp2p driver of the anti-entropy core (see index.ts for the protocol). One instance serves every registered
 * keyspace over one protocol.
 */
export class AntiEntropy implements Startable {
  readonly [Symbol.toStringTag] = '@fedmesh/anti-entropy'
  readonly protocol: string

  private readonly components: AntiEntropyComponents
  private readonly log: Logger
  private readonly intervalMs: number
  private readonly peersPerRound: number
  private readonly syncOnConnect: boolean
  private readonly sessionOptions: SyncSessionOptions
  private readonly maxFrameBytes: number
  private readonly idleTimeoutMs: number
  private readonly maxInboundStreams: number
  private readonly maxOutboundStreams: number
  private readonly isVerified: (peerId: PeerId) => boolean | Promise<boolean>
  private readonly random: Random
  private readonly keyspaces = new Map<string, Keyspace>()
  /** Running sessions by peer and keyspace; the promise settles when the session ends. */
  private readonly active = new Map<string, Promise<unknown>>()
  /** Connected peers that speak the protocol. */
  private readonly peers = new Map<string, PeerId>()
  private readonly counters: AntiEntropyStats = {
    rounds: 0,
    initiated: 0,
    answered: 0,
    keysSent: 0,
    keysReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    malformed: 0,
    failed: 0,
    refusedByPeer: 0,
    refused: 0,
    skipped: 0
  }

  private readonly metrics?: SessionMetrics
  private started = false
  private controller = new AbortController()
  private timer?: ReturnType<typeof setTimeout>
  private topologyId?: string

  constructor (components: AntiEntropyComponents, init: AntiEntropyInit = {}) {
    this.components = components
    this.log = components.logger.forComponent('fedmesh:anti-entropy')
    this.protocol = init.protocol ?? PROTOCOL
    const preset = MESH_PRESETS[init.preset ?? 'small']
    if (preset === undefined) throw new InvalidAntiEntropyConfigError(`unknown preset ${String(init.preset)}`)
    this.intervalMs = count('intervalMs', init.intervalMs ?? preset.antiEntropy.intervalMs, 0)
    this.peersPerRound = count('peersPerRound', init.peersPerRound ?? DEFAULT_PEERS_PER_ROUND)
    this.syncOnConnect = init.syncOnConnect ?? true
    const { intervalMs: _interval, ...presetSession } = preset.antiEntropy
    this.sessionOptions = { ...presetSession, ...init.session }
    // Fail at construction, not at the first session, when the session options are unusable.
    try {
      void new SyncSession(emptyStore, this.sessionOptions)
    } catch (err) {
      throw new InvalidAntiEntropyConfigError(`invalid session options: ${(err as Error).message}`)
    }
    this.maxFrameBytes = count('maxFrameBytes', init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, 1024)
    this.idleTimeoutMs = count('idleTimeoutMs', init.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT)
    this.maxInboundStreams = count('maxInboundStreams', init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS)
    this.maxOutboundStreams = count('maxOutboundStreams', init.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS)
    this.isVerified = init.isVerified ?? (() => true)
    this.random = init.random ?? seededRandom(randomInt(2 ** 32))
    const m = components.metrics
    if (m != null) {
      this.metrics = {
        rounds: m.registerCounterGroup('fedmesh_anti_entropy_sessions_total', { label: 'outcome', help: 'Anti-entropy sessions by outcome (completed, failed, malformed, refused)' }),
        keys: m.registerCounterGroup('fedmesh_anti_entropy_keys_repaired_total', { label: 'direction', help: 'Entries sent to peers and entries received that changed the local store' }),
        bytes: m.registerCounterGroup('fedmesh_anti_entropy_bytes_total', { label: 'direction', help: 'Anti-entropy frame bytes sent and received' }),
        errors: m.registerCounterGroup('fedmesh_anti_entropy_errors_total', { label: 'kind', help: 'Anti-entropy errors: malformed frames, failed sessions' })
      }
    }
  }

  /** Counters since construction (a copy). */
  get stats (): AntiEntropyStats {
    return { ...this.counters }
  }

  /** Registered keyspace names. */
  get keyspaceNames (): string[] {
    return [...this.keyspaces.keys()]
  }

  isStarted (): boolean {
    return this.started
  }

  /**
   * Makes `store` reconcilable with peers under `name`. Both sides of a session must have registered the name; a
   * peer that has not refuses the session. Returns a function that unregisters it.
   */
  register (name: string, store: SyncStore, options: KeyspaceOptions = {}): () => void {
    const bytes = encoder.encode(name).length
    if (bytes === 0 || bytes > MAX_KEYSPACE_BYTES) throw new InvalidKeyspaceError(`keyspace name must be 1 to ${MAX_KEYSPACE_BYTES} UTF-8 bytes`)
    if (this.keyspaces.has(name)) throw new InvalidKeyspaceError(`keyspace ${name} is already registered`)
    const keyspace: Keyspace = { name, store, onApplied: options.onApplied }
    this.keyspaces.set(name, keyspace)
    return () => {
      if (this.keyspaces.get(name) === keyspace) this.keyspaces.delete(name)
    }
  }

  unregister (name: string): void {
    this.keyspaces.delete(name)
  }

  async start (): Promise<void> {
    if (this.started) return
    this.controller = new AbortController()
    await this.components.registrar.handle(this.protocol, (stream, connection) => this.answer(stream, connection), {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: this.maxOutboundStreams
    })
    this.topologyId = await this.components.registrar.register(this.protocol, {
      onConnect: (peerId) => {
        this.peers.set(peerId.toString(), peerId)
        // The smaller peer id starts, so a new link gets one session rather than two.
        if (this.syncOnConnect && this.initiatesWith(peerId)) this.syncAllInBackground(peerId, 'on connect')
      },
      onDisconnect: (peerId) => {
        this.peers.delete(peerId.toString())
      }
    })
    this.started = true
    this.scheduleRound()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.timer)
    this.timer = undefined
    this.controller.abort(new AntiEntropyStoppedError('anti-entropy stopped'))
    if (this.topologyId != null) this.components.registrar.unregister(this.topologyId)
    this.topologyId = undefined
    this.peers.clear()
    await this.components.registrar.unhandle(this.protocol)
  }

  /**
   * Reconciles one keyspace (or every registered one, in turn) with `peer` now, e.g. after a partition heals.
   * Either side may call it. When a session with the peer on a keyspace is already running, waits for it to end and
   * then runs a new one (or skips it with `skipIfActive`); when the peer refuses as busy, retries with a short random
   * back-off. Rejects with UnknownKeyspaceError, UnverifiedPeerError, SyncRefusedError, MalformedSyncError (the
   * stream was reset), AntiEntropyStoppedError, or a connection or stream error.
   */
  async syncWith (peer: PeerId, keyspace?: string, options: SyncOptions = {}): Promise<SyncResult[]> {
    if (!this.started) throw new AntiEntropyStoppedError('anti-entropy is not started')
    const names = keyspace === undefined ? [...this.keyspaces.keys()] : [keyspace]
    for (const name of names) {
      if (!this.keyspaces.has(name)) throw new UnknownKeyspaceError(`keyspace ${name} is not registered`)
    }
    if (!(await this.isVerified(peer))) throw new UnverifiedPeerError(`peer ${peer.toString()} is not verified`)
    const results: SyncResult[] = []
    for (const name of names) {
      const result = await this.syncKeyspace(peer, name, options)
      if (result !== undefined) results.push(result)
    }
    return results
  }

  private async syncKeyspace (peer: PeerId, name: string, options: SyncOptions): Promise<SyncResult | undefined> {
    const pair = pairKey(peer, name)
    for (let attempt = 0; ; attempt++) {
      let running = this.active.get(pair)
      if (running !== undefined && options.skipIfActive === true) {
        this.counters.skipped++
        return undefined
      }
      while (running !== undefined) {
        await raceAbort(running.catch(() => {}), this.signalFor(options))
        running = this.active.get(pair)
      }
      const keyspace = this.keyspaces.get(name)
      if (keyspace === undefined) throw new UnknownKeyspaceError(`keyspace ${name} is not registered`)
      const session = this.initiate(peer, keyspace, options)
      this.active.set(pair, session)
      let refusal: unknown
      try {
        return await session
      } catch (err) {
        if (!(err instanceof SyncRefusedError) || err.reason !== REFUSAL_BUSY || attempt >= BUSY_RETRIES) throw err
        refusal = err
      } finally {
        if (this.active.get(pair) === session) this.active.delete(pair)
      }
      // Refused as busy (the peer runs a session with us on this keyspace, perhaps one it started as we started
      // ours): back off for a random while, holding nothing, so that one of the two goes first.
      this.log('%s session with %p refused as busy, retrying - %e', name, peer, refusal)
      await sleep(BUSY_BACKOFF * (1 + this.random.next() * 2 * (attempt + 1)), this.signalFor(options))
    }
  }

  private async initiate (peer: PeerId, keyspace: Keyspace, options: AbortOptions): Promise<SyncResult> {
    // A refusal (busy, unknown keyspace, unverified) is an answer: it says nothing against the link.
    return await requestPeer(breakersOf(this.components), peer, async () => await this.initiateSession(peer, keyspace, options), (err) => err instanceof SyncRefusedError)
  }

  private async initiateSession (peer: PeerId, keyspace: Keyspace, options: AbortOptions): Promise<SyncResult> {
    const signal = this.signalFor(options)
    this.counters.initiated++
    let stream: Stream | undefined
    try {
      const connection = await this.components.connectionManager.openConnection(peer, { signal })
      stream = await connection.newStream(this.protocol, { signal })
      const lp = lpStream(stream, { maxDataLength: this.maxFrameBytes })
      const session = new SyncSession(keyspace.store, this.sessionOptions)
      const header = encoder.encode(keyspace.name)
      this.countBytes('sent', header.length)
      return await this.drive({ lp, stream, session, keyspace, peer, role: 'initiator', signal }, session.start(), [header])
    } catch (err) {
      this.countFailure(err)
      stream?.abort(asError(err))
      throw err
    }
  }

  private async answer (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer
    const signal = this.signalFor({})
    this.counters.answered++
    let pair: string | undefined
    let done: (() => void) | undefined
    try {
      const lp = lpStream(stream, { maxDataLength: this.maxFrameBytes })
      const header = await lp.read({ signal: this.readSignal(signal) })
      this.countBytes('received', header.byteLength)
      const name = decodeKeyspace(header.subarray())
      let refusal: string | undefined
      const keyspace = this.keyspaces.get(name)
      if (!(await this.isVerified(peer))) refusal = REFUSAL_UNVERIFIED
      else if (keyspace === undefined) refusal = REFUSAL_UNKNOWN_KEYSPACE
      else if (this.active.has(pairKey(peer, name))) refusal = REFUSAL_BUSY
      if (refusal !== undefined || keyspace === undefined) {
        this.counters.refused++
        this.metrics?.rounds.increment({ refused: true })
        this.log('refused a %s session from %p: %s', name, peer, refusal)
        await lp.writeV([new Uint8Array(0), encoder.encode(refusal)], { signal })
        await stream.close({ signal })
        return
      }
      pair = pairKey(peer, name)
      this.active.set(pair, new Promise<void>(resolve => { done = resolve }))
      const session = new SyncSession(keyspace.store, this.sessionOptions)
      await this.drive({ lp, stream, session, keyspace, peer, role: 'responder', signal })
    } catch (err) {
      this.countFailure(err)
      this.log('sync session served to %p failed - %e', peer, err)
      stream.abort(asError(err))
    } finally {
      if (pair !== undefined) this.active.delete(pair)
      done?.()
    }
  }

  /**
   * Runs a session to its end: sends the messages of each step, applies the entries it returns, reads the peer's
   * messages until the session is done, then closes the stream for writing.
   */
  private async drive (ctx: DriveContext, firstStep?: SyncStep, prefix: Uint8Array[] = []): Promise<SyncResult> {
    const started = performance.now()
    let entriesApplied = 0
    let bytesSent = 0
    let bytesReceived = 0
    const emit = async (step: SyncStep, extra: Uint8Array[] = []): Promise<void> => {
      if (step.apply.length > 0) {
        const applied: SyncEntry[] = []
        for (const entry of step.apply) if (ctx.keyspace.store.apply(entry)) applied.push(entry)
        entriesApplied += applied.length
        this.counters.keysReceived += applied.length
        this.metrics?.keys.increment({ received: applied.length })
        if (applied.length > 0 && ctx.keyspace.onApplied !== undefined) {
          try {
            ctx.keyspace.onApplied(applied, ctx.peer)
          } catch (err) {
            this.log.error('onApplied of keyspace %s threw - %e', ctx.keyspace.name, err)
          }
        }
      }
      const frames = [...extra, ...step.send.map(m => encodeSyncMessage(m))]
      if (frames.length === 0) return
      let size = 0
      for (let i = extra.length; i < frames.length; i++) size += (frames[i] as Uint8Array).length
      bytesSent += size
      this.countBytes('sent', size)
      await ctx.lp.writeV(frames, { signal: ctx.signal })
    }
    if (firstStep !== undefined) await emit(firstStep, prefix)
    let first = true
    while (!ctx.session.done) {
      const frame = await ctx.lp.read({ signal: this.readSignal(ctx.signal) })
      bytesReceived += frame.byteLength
      this.countBytes('received', frame.byteLength)
      if (frame.byteLength === 0) {
        // An empty frame is never a session message: it announces a refusal, which only a responder sends first.
        if (ctx.role === 'initiator' && first) {
          const reason = await ctx.lp.read({ signal: this.readSignal(ctx.signal) })
          this.countBytes('received', reason.byteLength)
          throw new SyncRefusedError(decodeReason(reason.subarray()))
        }
        throw new MalformedSyncError('empty frame')
      }
      first = false
      const message = decodeSyncMessage(frame.subarray())
      await emit(ctx.session.receive(message))
    }
    await ctx.stream.close({ signal: ctx.signal })
    const stats = ctx.session.stats()
    this.counters.rounds++
    this.counters.keysSent += stats.entriesSent
    this.metrics?.rounds.increment({ completed: true })
    this.metrics?.keys.increment({ sent: stats.entriesSent })
    return {
      keyspace: ctx.keyspace.name,
      peer: ctx.peer.toString(),
      role: ctx.role,
      entriesSent: stats.entriesSent,
      entriesReceived: stats.entriesReceived,
      entriesApplied,
      bytesSent,
      bytesReceived,
      turns: stats.turns,
      durationMs: performance.now() - started
    }
  }

  /** The smaller peer id of a link starts the sessions on connect and in periodic rounds. */
  private initiatesWith (peer: PeerId): boolean {
    return this.components.peerId.toString() < peer.toString()
  }

  private syncAllInBackground (peer: PeerId, why: string): void {
    void (async () => {
      if (!(await this.isVerified(peer))) return
      for (const name of [...this.keyspaces.keys()]) {
        if (!this.started) return
        await this.syncKeyspace(peer, name, { skipIfActive: true })
          .catch(err => { this.log('%s sync of %s with %p failed - %e', why, name, peer, err) })
      }
    })().catch(err => { this.log.error('%s sync with %p failed - %e', why, peer, err) })
  }

  private scheduleRound (): void {
    if (!this.started || this.intervalMs === 0) return
    const delay = Math.round(this.intervalMs * (0.75 + this.random.next() * 0.5))
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.round()
      this.scheduleRound()
    }, delay)
    this.timer.unref?.()
  }

  /** One periodic round: sessions on every keyspace with a few random peers of the links this node initiates on. */
  private round (): void {
    if (this.keyspaces.size === 0) return
    const candidates = [...this.peers.values()].filter(p => this.initiatesWith(p))
    for (const peer of this.random.shuffle(candidates).slice(0, this.peersPerRound)) this.syncAllInBackground(peer, 'periodic')
  }

  private countBytes (direction: 'sent' | 'received', n: number): void {
    if (direction === 'sent') this.counters.bytesSent += n
    else this.counters.bytesReceived += n
    this.metrics?.bytes.increment({ [direction]: n })
  }

  private countFailure (err: unknown): void {
    const name = err instanceof Error ? err.name : ''
    if (MALFORMED_ERRORS.has(name)) {
      this.counters.malformed++
      this.metrics?.rounds.increment({ malformed: true })
      this.metrics?.errors.increment({ malformed: true })
    } else if (err instanceof SyncRefusedError) {
      this.counters.refusedByPeer++
      this.metrics?.rounds.increment({ refused: true })
    } else {
      this.counters.failed++
      this.metrics?.rounds.increment({ failed: true })
      this.metrics?.errors.increment({ failed: true })
    }
  }

  private signalFor (options: AbortOptions): AbortSignal {
    return options.signal != null ? AbortSignal.any([this.controller.signal, options.signal]) : this.controller.signal
  }

  private readSignal (signal: AbortSignal): AbortSignal {
    return AbortSignal.any([signal, AbortSignal.timeout(this.idleTimeoutMs)])
  }
}

interface DriveContext {
  lp: LengthPrefixedStream<Stream>
  stream: Stream
  session: SyncSession
  keyspace: Keyspace
  peer: PeerId
  role: 'initiator' | 'responder'
  signal: AbortSignal
}

/** Used only to validate session options at construction. */
const emptyStore: SyncStore = {
  fingerprint: () => ({ count: 0, hash: new Uint8Array(16) }),
  versions: () => [],
  keyAt: () => undefined,
  get: () => undefined,
  apply: () => false
}

function pairKey (peer: PeerId, keyspace: string): string {
  return `${peer.toString()}\n${keyspace}`
}

function decodeKeyspace (bytes: Uint8Array): string {
  if (bytes.length === 0 || bytes.length > MAX_KEYSPACE_BYTES) throw new MalformedSyncError(`keyspace header of ${bytes.length} bytes`)
  try {
    return strictDecoder.decode(bytes)
  } catch {
    throw new MalformedSyncError('keyspace header is not UTF-8')
  }
}

function decodeReason (bytes: Uint8Array): string {
  if (bytes.length > 64) throw new MalformedSyncError('refusal reason too long')
  try {
    return strictDecoder.decode(bytes)
  } catch {
    throw new MalformedSyncError('refusal reason is not UTF-8')
  }
}

function count (field: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new InvalidAntiEntropyConfigError(`${field} must be an integer >= ${min}, got ${value}`)
  return value
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

async function raceAbort<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
  })
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(t); reject(signal.reason) }
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

