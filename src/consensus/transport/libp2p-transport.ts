/**
 * `Libp2pRaftTransport`: the `Transport` port on libp2p.
 *
 * Contracts:
 * - Messages: `/fedmesh/raft/1.0.0`, ONE long-lived outbound stream per peer (opened on demand,
 *   reopened with back-off after a failure); each length-prefixed frame is a `MessageBatch` of the
 *   messages queued since the previous write (at most `maxFrameBytes`; an oversized append is split
 *   into consecutive appends). The receiving side only reads.
 * - Backpressure: one write in flight per peer; while it drains, messages queue. A queue beyond
 *   `maxQueuedMessages` drops its oldest appends and heartbeats first (the leader re-sends what a
 *   follower lacks when it answers a later heartbeat), then the oldest of any kind; drops are counted.
 * - A malformed, oversized or unverified frame resets that stream and bumps `stats.malformed`; the
 *   node keeps running.
 * - Snapshots: `/fedmesh/raft-snapshot/1.0.0`, one stream per transfer: the sender offers (term,
 *   metadata, size), the receiver answers the offset it already holds of that same snapshot, chunks
 *   of 256 KiB follow, the receiver acknowledges once it handed the whole snapshot to Raft. A broken
 *   transfer resumes from the offset the receiver reports (the partial is kept for a minute).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream, pbStream } from '@libp2p/utils'
import * as pb from '../pb/raft.js'
import { metadataFromPb, metadataToPb, toSafe } from '../storage/codec.js'
import { approximateSize, messageFromPb, messageToPb, splitAppend, splitPropose } from './codec.js'
import { FrameDecoder } from './frame-decoder.js'
import {
  DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_QUEUED_MESSAGES, DEFAULT_MAX_SNAPSHOT_BYTES, MAX_REDIAL_MS, MIN_REDIAL_MS,
  PARTIAL_SNAPSHOT_TTL_MS, RAFT_PROTOCOL, SNAPSHOT_CHUNK_BYTES, SNAPSHOT_PROTOCOL, STREAM_OPEN_TIMEOUT_MS, WRITE_TIMEOUT_MS
} from './constants.js'
import { MalformedRaftMessageError, RaftTransportStoppedError, RaftWriteTimeoutError, UnverifiedRaftPeerError } from './errors.js'
import type { Message, SnapshotMessage } from '../core/index.js'
import type { Transport } from '../ports.js'
import type { ComponentLogger, Connection, Logger, PeerId, Stream, StreamHandler, StreamHandlerOptions, AbortOptions } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RaftTransportComponents {
  peerId: PeerId
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
  }
  connectionManager: {
    getConnections(peerId?: PeerId): Connection[]
    openConnection(peer: PeerId | Multiaddr | Multiaddr[], options?: AbortOptions): Promise<Connection>
  }
  logger: ComponentLogger
}

export interface RaftTransportInit {
  isVerified?: (peer: PeerId) => boolean
  maxFrameBytes?: number
  maxQueuedMessages?: number
  maxSnapshotBytes?: number
  snapshotChunkBytes?: number
  /** A write that makes no progress for this long resets its link (default WRITE_TIMEOUT_MS). */
  writeTimeoutMs?: number
  /** Called when a snapshot transfer finished or gave up (for metrics). */
  onSnapshotSent?: (to: string, ok: boolean) => void
}

export interface RaftTransportStats {
  framesSent: number
  messagesSent: number
  messagesReceived: number
  dropped: number
  malformed: number
  unverified: number
  streamFailures: number
  snapshotsSent: number
  snapshotsReceived: number
  snapshotResumes: number
}

interface Link {
  peerId: PeerId
  queue: Message[]
  stream: Stream | undefined
  lp: LengthPrefixedStream<Stream> | undefined
  busy: boolean
  failures: number
  retryAt: number
  retryTimer: ReturnType<typeof setTimeout> | undefined
  /** When the write now waiting for the stream began (a watchdog resets a link stuck longer than WRITE_TIMEOUT_MS). */
  writingSince: number | undefined
}

interface PartialSnapshot {
  index: number
  term: number
  size: number
  data: Uint8Array
  received: number
  touchedAt: number
}

const FRAMING_ERRORS = new Set(['InvalidDataLengthError', 'InvalidMessageLengthError', 'InvalidDataLengthLengthError'])

export class Libp2pRaftTransport implements Transport {
  readonly stats: RaftTransportStats = {
    framesSent: 0, messagesSent: 0, messagesReceived: 0, dropped: 0, malformed: 0, unverified: 0, streamFailures: 0, snapshotsSent: 0, snapshotsReceived: 0, snapshotResumes: 0
  }

  private readonly components: RaftTransportComponents
  private readonly log: Logger
  private readonly self: string
  private readonly isVerified: (peer: PeerId) => boolean
  private readonly maxFrameBytes: number
  private readonly maxQueuedMessages: number
  private readonly maxSnapshotBytes: number
  private readonly chunkBytes: number
  private readonly onSnapshotSent?: (to: string, ok: boolean) => void
  private readonly links = new Map<string, Link>()
  private readonly inbound = new Set<Stream>()
  private readonly snapshotsOut = new Map<string, { message: SnapshotMessage, running: boolean }>()
  private readonly partials = new Map<string, PartialSnapshot>()
  private handler: (m: Message) => void = () => {}
  private started = false
  private watchdog: ReturnType<typeof setInterval> | undefined
  private readonly writeTimeoutMs: number

  constructor (components: RaftTransportComponents, init: RaftTransportInit = {}) {
    this.components = components
    this.log = components.logger.forComponent('fedmesh:raft:transport')
    this.self = components.peerId.toString()
    this.isVerified = init.isVerified ?? (() => true)
    this.maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
    this.maxQueuedMessages = init.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES
    this.writeTimeoutMs = init.writeTimeoutMs ?? WRITE_TIMEOUT_MS
    this.maxSnapshotBytes = init.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES
    this.chunkBytes = init.snapshotChunkBytes ?? SNAPSHOT_CHUNK_BYTES
    this.onSnapshotSent = init.onSnapshotSent
  }

  onMessage (handler: (message: Message) => void): void {
    this.handler = handler
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.watchdog = setInterval(() => { this.resetStuckLinks() }, Math.max(10, this.writeTimeoutMs / 5))
    this.watchdog.unref?.()
    await this.components.registrar.handle(RAFT_PROTOCOL, (stream, connection) => { this.receive(stream, connection) }, { maxInboundStreams: 8, maxOutboundStreams: 8 })
    await this.components.registrar.handle(SNAPSHOT_PROTOCOL, (stream, connection) => { this.receiveSnapshot(stream, connection) }, { maxInboundStreams: 4, maxOutboundStreams: 4 })
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    if (this.watchdog !== undefined) clearInterval(this.watchdog)
    this.watchdog = undefined
    const stopped = new RaftTransportStoppedError('the Raft transport stopped')
    for (const link of this.links.values()) {
      if (link.retryTimer !== undefined) clearTimeout(link.retryTimer)
      link.stream?.abort(stopped)
    }
    this.links.clear()
    for (const s of this.inbound) s.abort(stopped)
    this.inbound.clear()
    this.partials.clear()
    await this.components.registrar.unhandle(RAFT_PROTOCOL)
    await this.components.registrar.unhandle(SNAPSHOT_PROTOCOL)
  }

  /** Messages waiting for `peer` (for status). */
  queued (peer: string): number {
    return this.links.get(peer)?.queue.length ?? 0
  }

  send (messages: Message[]): void {
    if (!this.started) return
    for (const m of messages) {
      if (m.to === this.self || m.to === '') continue
      if (m.type === 'snapshot') { this.sendSnapshot(m); continue }
      const link = this.link(m.to)
      if (link === undefined) { this.stats.dropped++; continue }
      if (m.type === 'append') link.queue.push(...splitAppend(m, this.maxFrameBytes - 1024))
      else if (m.type === 'propose') link.queue.push(...splitPropose(m, this.maxFrameBytes - 1024))
      else link.queue.push(m)
      this.bound(link)
    }
    for (const m of messages) {
      const link = this.links.get(m.to)
      if (link !== undefined) this.pump(link)
    }
  }

  private link (peer: string): Link | undefined {
    let link = this.links.get(peer)
    if (link !== undefined) return link
    let peerId: PeerId
    try {
      peerId = peerIdFromString(peer)
    } catch {
      return undefined
    }
    link = { peerId, queue: [], stream: undefined, lp: undefined, busy: false, failures: 0, retryAt: 0, retryTimer: undefined, writingSince: undefined }
    this.links.set(peer, link)
    return link
  }

  private bound (link: Link): void {
    while (link.queue.length > this.maxQueuedMessages) {
      let at = link.queue.findIndex(m => m.type === 'append' || m.type === 'heartbeat')
      if (at < 0) at = 0
      link.queue.splice(at, 1)
      this.stats.dropped++
    }
  }

  private pump (link: Link): void {
    if (link.busy || !this.started || link.queue.length === 0) return
    link.busy = true
    this.flush(link)
      .catch((err: unknown) => {
        this.stats.streamFailures++
        this.log('sending to %p failed - %e', link.peerId, err)
        link.stream?.abort(err instanceof Error ? err : new Error(String(err)))
        link.stream = undefined
        link.lp = undefined
        link.failures++
        link.retryAt = Date.now() + Math.min(MAX_REDIAL_MS, MIN_REDIAL_MS * 2 ** (link.failures - 1))
      })
      .finally(() => {
        link.busy = false
        if (link.queue.length > 0 && this.started && this.links.get(link.peerId.toString()) === link) {
          const wait = Math.max(0, link.retryAt - Date.now())
          if (wait === 0) this.pump(link)
          else if (link.retryTimer === undefined) {
            link.retryTimer = setTimeout(() => { link.retryTimer = undefined; this.pump(link) }, wait)
            link.retryTimer.unref?.()
          }
        }
      })
  }

  private async flush (link: Link): Promise<void> {
    if (Date.now() < link.retryAt) return
    if (!this.isVerified(link.peerId)) {
      this.stats.dropped += link.queue.length
      link.queue.length = 0
      return
    }
    if (link.lp === undefined || link.stream?.status !== 'open') await this.openLink(link)
    while (link.queue.length > 0 && this.started) {
      const batch: pb.RaftMessage[] = []
      let size = 0
      while (link.queue.length > 0) {
        const next = link.queue[0] as Exclude<Message, SnapshotMessage>
        const s = approximateSize(next)
        if (batch.length > 0 && size + s > this.maxFrameBytes - 1024) break
        link.queue.shift()
        batch.push(messageToPb(next))
        size += s
      }
      const bytes = pb.MessageBatch.encode({ messages: batch })
      link.writingSince = Date.now()
      try {
        await (link.lp as LengthPrefixedStream<Stream>).write(bytes)
      } finally {
        link.writingSince = undefined
      }
      this.stats.framesSent++
      this.stats.messagesSent += batch.length
    }
    link.failures = 0
  }

  /** A write that has waited on its stream for `writeTimeoutMs` (a peer that stopped reading) fails its link. */
  private resetStuckLinks (): void {
    const now = Date.now()
    for (const link of this.links.values()) {
      if (link.writingSince !== undefined && now - link.writingSince >= this.writeTimeoutMs) {
        link.writingSince = undefined
        link.stream?.abort(new RaftWriteTimeoutError(`no progress writing to ${link.peerId.toString()} for ${this.writeTimeoutMs} ms`))
      }
    }
  }

  private async openLink (link: Link): Promise<void> {
    const signal = AbortSignal.timeout(STREAM_OPEN_TIMEOUT_MS)
    let connection = this.components.connectionManager.getConnections(link.peerId).find(c => c.status === 'open')
    if (connection === undefined) connection = await this.components.connectionManager.openConnection(link.peerId, { signal })
    const stream = await connection.newStream(RAFT_PROTOCOL, { signal })
    if (!this.started) { stream.abort(new RaftTransportStoppedError('stopped')); throw new RaftTransportStoppedError('stopped') }
    link.stream = stream
    link.lp = lpStream(stream, { maxDataLength: this.maxFrameBytes })
    stream.addEventListener('close', () => {
      if (link.stream === stream) { link.stream = undefined; link.lp = undefined }
    })
    // The receiving side never writes; drain whatever arrives so the stream never stalls.
    void (async () => { try { for await (const _ of stream) { /* ignore */ } } catch { /* closed */ } })()
  }

  private receive (stream: Stream, connection: Connection): void {
    const from = connection.remotePeer
    if (!this.started) { stream.abort(new RaftTransportStoppedError('stopped')); return }
    if (!this.isVerified(from)) {
      this.stats.unverified++
      stream.abort(new UnverifiedRaftPeerError(`${from.toString()} is not verified`))
      return
    }
    this.inbound.add(stream)
    this.readLoop(stream, from.toString())
      .catch((err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err))
        if (e instanceof MalformedRaftMessageError || FRAMING_ERRORS.has(e.name)) {
          this.stats.malformed++
          this.log('malformed Raft frame from %p - %e', from, e)
          stream.abort(e)
        } else if (stream.status === 'open') {
          stream.abort(e)
        }
      })
      .finally(() => { this.inbound.delete(stream) })
  }

  private async readLoop (stream: Stream, from: string): Promise<void> {
    const frames = new FrameDecoder(this.maxFrameBytes)
    try {
      for await (const chunk of stream) {
        if (!this.started) return
        for (const frame of frames.push(chunk instanceof Uint8Array ? chunk : chunk.subarray())) this.deliver(frame, from)
      }
    } catch (err) {
      if (err instanceof MalformedRaftMessageError || stream.status === 'open') throw err
    }
  }

  private deliver (frame: Uint8Array, from: string): void {
    let messages: Message[]
    try {
      messages = pb.MessageBatch.decode(frame).messages.map(p => messageFromPb(p, from, this.self))
    } catch (err) {
      throw new MalformedRaftMessageError(`bad Raft frame: ${(err as Error).message}`)
    }
    this.stats.messagesReceived += messages.length
    for (const m of messages) {
      try {
        this.handler(m)
      } catch (err) {
        this.log.error('the Raft message handler threw - %e', err)
      }
    }
  }

  // ------------------------------------------------------------------ snapshots

  private sendSnapshot (m: SnapshotMessage): void {
    const current = this.snapshotsOut.get(m.to)
    if (current !== undefined) {
      // A newer snapshot replaces a pending one; the running transfer picks it up on its next attempt.
      if (m.snapshot.metadata.index >= current.message.snapshot.metadata.index) current.message = m
      return
    }
    const entry = { message: m, running: true }
    this.snapshotsOut.set(m.to, entry)
    this.runSnapshot(m.to, entry)
      .catch((err: unknown) => { this.log('snapshot to %s failed - %e', m.to, err) })
      .finally(() => { this.snapshotsOut.delete(m.to) })
  }

  private async runSnapshot (to: string, entry: { message: SnapshotMessage }): Promise<void> {
    let peerId: PeerId
    try { peerId = peerIdFromString(to) } catch { return }
    for (let attempt = 0; attempt < 8 && this.started; attempt++) {
      const m = entry.message
      try {
        await this.transferSnapshot(peerId, m)
        this.stats.snapshotsSent++
        this.onSnapshotSent?.(to, true)
        if (entry.message === m) return
        attempt = -1
      } catch (err) {
        this.stats.streamFailures++
        this.log('snapshot transfer to %s broke (attempt %d) - %e', to, attempt + 1, err)
        await new Promise(resolve => setTimeout(resolve, Math.min(MAX_REDIAL_MS, MIN_REDIAL_MS * 2 ** attempt)))
      }
    }
    this.onSnapshotSent?.(to, false)
  }

  private async transferSnapshot (peerId: PeerId, m: SnapshotMessage): Promise<void> {
    const signal = AbortSignal.timeout(120_000)
    let connection = this.components.connectionManager.getConnections(peerId).find(c => c.status === 'open')
    if (connection === undefined) connection = await this.components.connectionManager.openConnection(peerId, { signal })
    const stream = await connection.newStream(SNAPSHOT_PROTOCOL, { signal })
    try {
      const s = pbStream(stream, { maxDataLength: this.chunkBytes + 4096 })
      const data = m.snapshot.data
      await s.write({ term: m.term, metadata: metadataToPb(m.snapshot.metadata), size: data.length }, pb.SnapshotOffer, { signal })
      const resume = await s.read(pb.SnapshotResume, { signal })
      let offset = toSafe(resume.offset, 'offset')
      if (offset > data.length) throw new MalformedRaftMessageError('resume offset beyond the snapshot')
      if (offset > 0) this.stats.snapshotResumes++
      while (offset < data.length) {
        const chunk = data.subarray(offset, Math.min(data.length, offset + this.chunkBytes))
        await s.write({ offset, data: chunk as Uint8Array<ArrayBuffer> }, pb.SnapshotChunk, { signal })
        offset += chunk.length
      }
      const done = await s.read(pb.SnapshotDone, { signal })
      if (!done.accepted) throw new MalformedRaftMessageError('the receiver refused the snapshot')
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }

  private receiveSnapshot (stream: Stream, connection: Connection): void {
    const from = connection.remotePeer
    if (!this.started || !this.isVerified(from)) {
      this.stats.unverified++
      stream.abort(new UnverifiedRaftPeerError(`${from.toString()} may not send snapshots`))
      return
    }
    this.inbound.add(stream)
    this.readSnapshot(stream, from.toString())
      .catch((err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err))
        if (e instanceof MalformedRaftMessageError || FRAMING_ERRORS.has(e.name)) this.stats.malformed++
        this.log('incoming snapshot from %s broke - %e', from, e)
        stream.abort(e)
      })
      .finally(() => { this.inbound.delete(stream) })
  }

  private async readSnapshot (stream: Stream, from: string): Promise<void> {
    const s = pbStream(stream, { maxDataLength: this.chunkBytes + 4096 })
    const signal = AbortSignal.timeout(120_000)
    let offer: pb.SnapshotOffer
    let metadata
    let size: number
    try {
      offer = await s.read(pb.SnapshotOffer, { signal })
      metadata = metadataFromPb(offer.metadata)
      size = toSafe(offer.size, 'size')
    } catch (err) {
      if (err instanceof Error && FRAMING_ERRORS.has(err.name)) throw err
      throw new MalformedRaftMessageError(`bad snapshot offer: ${(err as Error).message}`)
    }
    if (size > this.maxSnapshotBytes) throw new MalformedRaftMessageError(`snapshot of ${size} bytes exceeds ${this.maxSnapshotBytes}`)
    const term = toSafe(offer.term, 'term')
    const now = Date.now()
    for (const [k, p] of this.partials) if (now - p.touchedAt > PARTIAL_SNAPSHOT_TTL_MS) this.partials.delete(k)
    let partial = this.partials.get(from)
    if (partial === undefined || partial.index !== metadata.index || partial.term !== metadata.term || partial.size !== size) {
      partial = { index: metadata.index, term: metadata.term, size, data: new Uint8Array(size), received: 0, touchedAt: now }
      this.partials.set(from, partial)
    }
    await s.write({ offset: partial.received }, pb.SnapshotResume, { signal })
    while (partial.received < size) {
      let chunk: pb.SnapshotChunk
      try {
        chunk = await s.read(pb.SnapshotChunk, { signal })
      } catch (err) {
        if (err instanceof Error && (FRAMING_ERRORS.has(err.name) || err.name === 'UnexpectedEOFError' || stream.status !== 'open')) throw err
        throw new MalformedRaftMessageError(`bad snapshot chunk: ${(err as Error).message}`)
      }
      const offset = toSafe(chunk.offset, 'offset')
      if (offset !== partial.received || offset + chunk.data.length > size) throw new MalformedRaftMessageError(`snapshot chunk at ${offset} does not follow ${partial.received}`)
      partial.data.set(chunk.data, offset)
      partial.received += chunk.data.length
      partial.touchedAt = Date.now()
    }
    this.partials.delete(from)
    this.stats.snapshotsReceived++
    this.handler({ type: 'snapshot', from, to: this.self, term, snapshot: { metadata, data: partial.data } })
    await s.write({ accepted: true }, pb.SnapshotDone, { signal })
    await stream.close({ signal }).catch(() => {})
  }
}
