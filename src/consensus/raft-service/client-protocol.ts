/**
 * `/fedmesh/raft-client/1.0.0`: requests between nodes of a Raft cluster (a follower forwarding a
 * proposal to the leader, cluster-formation queries, join/remove/transfer requests).
 *
 * Contract: one long-lived outbound stream per peer, opened on demand; requests carry an id and
 * are answered in any order by a `ClientResponse` with the same id. Frames made in one turn of the event loop
 * leave together in one write (one muxer frame, one Noise message). A request whose answer does not
 * arrive before its signal aborts rejects; a broken stream rejects every request in flight on it.
 * Only verified peers are served. A malformed frame resets the stream.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import * as pb from '../pb/raft.js'
import { CLIENT_PROTOCOL, MAX_CLIENT_FRAME_BYTES } from './constants.js'
import { ClientRequestTimeoutError, RaftStoppedError } from './errors.js'
import type { RaftTransportComponents } from '../transport/libp2p-transport.js'
import type { AbortOptions, Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

export type ClientRequestBody = Omit<pb.ClientRequest, 'id'>
export type ClientResponseBody = Omit<pb.ClientResponse, 'id'>
export type ClientRequestHandler = (request: ClientRequestBody, from: string) => Promise<ClientResponseBody>

interface OutLink {
  stream: Stream
  lp: LengthPrefixedStream<Stream>
  out: FrameBatcher
  pending: Map<bigint, { resolve: (r: pb.ClientResponse) => void, reject: (e: Error) => void }>
}

/** Collects the frames written to one stream during a turn of the event loop and writes them at once. */
class FrameBatcher {
  private frames: Uint8Array[] = []
  private scheduled = false

  constructor (private readonly lp: LengthPrefixedStream<Stream>, private readonly onError: (err: Error) => void) {}

  push (frame: Uint8Array): void {
    this.frames.push(frame)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      const frames = this.frames
      this.frames = []
      this.lp.writeV(frames).catch((err: unknown) => { this.onError(err instanceof Error ? err : new Error(String(err))) })
    })
  }
}

export class RaftClientProtocol {
  malformed = 0
  private readonly components: RaftTransportComponents
  private readonly log: Logger
  private readonly isVerified: (peer: PeerId) => boolean
  private readonly handler: ClientRequestHandler
  private readonly links = new Map<string, OutLink>()
  private readonly opening = new Map<string, Promise<OutLink>>()
  private readonly inbound = new Set<Stream>()
  private nextId = 1n
  private started = false

  constructor (components: RaftTransportComponents, init: { isVerified: (peer: PeerId) => boolean, handler: ClientRequestHandler }) {
    this.components = components
    this.log = components.logger.forComponent('fedmesh:raft:client')
    this.isVerified = init.isVerified
    this.handler = init.handler
  }

  async start (): Promise<void> {
    this.started = true
    await this.components.registrar.handle(CLIENT_PROTOCOL, (stream, connection) => { this.serve(stream, connection) }, { maxInboundStreams: 8, maxOutboundStreams: 8 })
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    const stopped = new RaftStoppedError('the Raft service stopped')
    for (const link of this.links.values()) this.fail(link, stopped)
    this.links.clear()
    for (const s of this.inbound) s.abort(stopped)
    this.inbound.clear()
    await this.components.registrar.unhandle(CLIENT_PROTOCOL)
  }

  /**
   * Sends `body` to `peer` and resolves with its answer. Rejects with ClientRequestTimeoutError after `timeoutMs`
   * (opening the stream included), with the signal's reason when it aborts, or with the stream's error.
   */
  async request (peer: string, body: ClientRequestBody, options: AbortOptions & { timeoutMs?: number } = {}): Promise<pb.ClientResponse> {
    if (!this.started) throw new RaftStoppedError('the Raft service is stopped')
    const startedAt = Date.now()
    const { timeoutMs } = options
    let link = this.links.get(peer)
    if (link === undefined || link.stream.status !== 'open') {
      const signals = [options.signal, timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs)].filter(s => s !== undefined)
      link = await this.link(peer, signals.length === 0 ? {} : { signal: AbortSignal.any(signals) })
    }
    const out = link
    const id = this.nextId++
    const { signal } = options
    signal?.throwIfAborted()
    return await new Promise<pb.ClientResponse>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const settle = (): void => {
        if (timer !== undefined) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        out.pending.delete(id)
      }
      const onAbort = (): void => {
        settle()
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
      }
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          settle()
          reject(new ClientRequestTimeoutError(`${peer} did not answer within ${timeoutMs} ms`))
        }, Math.max(0, timeoutMs - (Date.now() - startedAt)))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      out.pending.set(id, {
        resolve: (r) => { settle(); resolve(r) },
        reject: (e) => { settle(); reject(e) }
      })
      out.out.push(pb.ClientRequest.encode({ ...body, id }))
    })
  }

  private async link (peer: string, options: AbortOptions): Promise<OutLink> {
    const existing = this.links.get(peer)
    if (existing !== undefined && existing.stream.status === 'open') return existing
    let opening = this.opening.get(peer)
    if (opening === undefined) {
      opening = this.open(peer, options).finally(() => { this.opening.delete(peer) })
      this.opening.set(peer, opening)
    }
    return await opening
  }

  private async open (peer: string, options: AbortOptions): Promise<OutLink> {
    const peerId = peerIdFromString(peer)
    let connection = this.components.connectionManager.getConnections(peerId).find(c => c.status === 'open')
    if (connection === undefined) connection = await this.components.connectionManager.openConnection(peerId, options)
    const stream = await connection.newStream(CLIENT_PROTOCOL, options)
    const lp = lpStream(stream, { maxDataLength: MAX_CLIENT_FRAME_BYTES })
    const link: OutLink = { stream, lp, out: new FrameBatcher(lp, (err) => { this.fail(link, err) }), pending: new Map() }
    this.links.set(peer, link)
    void this.readResponses(peer, link)
    return link
  }

  private async readResponses (peer: string, link: OutLink): Promise<void> {
    try {
      while (this.started) {
        const frame = await link.lp.read()
        const response = pb.ClientResponse.decode(frame)
        const waiter = link.pending.get(response.id)
        link.pending.delete(response.id)
        waiter?.resolve(response)
      }
    } catch (err) {
      this.log('client stream to %s ended - %e', peer, err)
      this.fail(link, err instanceof Error ? err : new Error(String(err)))
    } finally {
      if (this.links.get(peer) === link) this.links.delete(peer)
    }
  }

  private fail (link: OutLink, err: Error): void {
    for (const w of link.pending.values()) w.reject(err)
    link.pending.clear()
    if (link.stream.status === 'open') link.stream.abort(err)
  }

  private serve (stream: Stream, connection: Connection): void {
    const from = connection.remotePeer
    if (!this.started || !this.isVerified(from)) {
      stream.abort(new RaftStoppedError('not serving this peer'))
      return
    }
    this.inbound.add(stream)
    const lp = lpStream(stream, { maxDataLength: MAX_CLIENT_FRAME_BYTES })
    const peer = from.toString()
    const out = new FrameBatcher(lp, (err) => {
      this.log('answering %s failed - %e', peer, err)
      if (stream.status === 'open') stream.abort(err)
    })
    void (async () => {
      try {
        while (this.started) {
          const frame = await lp.read()
          let request: pb.ClientRequest
          try {
            request = pb.ClientRequest.decode(frame)
          } catch (err) {
            this.malformed++
            throw err
          }
          this.handler(request, peer)
            .catch((err: unknown) => ({ error: (err as Error).name ?? 'Error', message: (err as Error).message ?? String(err), leader: '', result: new Uint8Array(0) }))
            .then((body) => { out.push(pb.ClientResponse.encode({ ...body, id: request.id })) })
            .catch((err: unknown) => { this.log('answering %s failed - %e', peer, err) })
        }
      } catch (err) {
        if (stream.status === 'open') stream.abort(err instanceof Error ? err : new Error(String(err)))
      } finally {
        this.inbound.delete(stream)
      }
    })()
  }
}
