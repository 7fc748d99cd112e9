/**
 * The HTTP client API: a small router on node:http. Subsystems add routes with `route()`.
 *
 * Contracts:
 * - Every error is JSON `{"error": "<ErrorName>", "message": "..."}` with a fitting status: 400
 *   malformed request, 404 unknown route or absent key, 405 wrong method, 413 body too large, 500
 *   internal (the message then says no more than that), 503 with `Retry-After` when not available now.
 * - A handler error with a numeric `status` (see `ApiError`) keeps its name and status; any other
 *   error is a 500 and is logged.
 * - A body larger than `maxBodyBytes` is refused with 413 before it is read in full.
 */
import { createServer } from 'node:http'
import type { Logger } from '@libp2p/interface'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

export class ApiError extends Error {
  readonly status: number
  readonly headers: Record<string, string>
  constructor (name: string, status: number, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = name
    this.status = status
    this.headers = headers
  }
}

export const notFound = (message = 'not found'): ApiError => new ApiError('NotFound', 404, message)
export const malformed = (message: string): ApiError => new ApiError('MalformedRequest', 400, message)

export interface ApiRequest {
  method: string
  /** Decoded path, e.g. `/v1/kv/a/b`. */
  path: string
  /** Captured path parameters: `{name}` one segment, `{name*}` the rest of the path. */
  params: Record<string, string>
  query: URLSearchParams
  headers: IncomingMessage['headers']
  /** The body, at most `maxBodyBytes` (413 beyond): a view of the received bytes, to copy when kept. */
  body(): Promise<Uint8Array>
  /** The body parsed as JSON (400 when it is not). */
  json(): Promise<unknown>
  /** The raw request and response, for handlers that stream (server-sent events). */
  raw: { req: IncomingMessage, res: ServerResponse }
}

export interface ApiResponse {
  status?: number
  headers?: Record<string, string>
  /** Uint8Array and string are sent as is; anything else as JSON. */
  body?: unknown
  /** Set when the handler has written the response itself (streaming). */
  streamed?: boolean
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse> | ApiResponse

/** A pattern segment: literal text, `{name}` (one segment) or `{name*}` (the rest of the path, at least one segment). */
type Segment = { kind: 'literal', text: string } | { kind: 'param', name: string } | { kind: 'rest', name: string }

interface Route {
  method: string
  pattern: string
  segments: Segment[]
  handler: Handler
}

export interface HttpApiInit {
  host: string
  port: number
  log: Logger
  maxBodyBytes?: number
  onRequest?: (status: number) => void
}

export class HttpApi {
  private readonly routes: Route[] = []
  private server?: Server
  private readonly init: HttpApiInit
  private readonly maxBodyBytes: number
  private readonly sockets = new Set<Socket>()

  constructor (init: HttpApiInit) {
    this.init = init
    this.maxBodyBytes = init.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  }

  route (method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean).map(parseSegment), handler })
    return this
  }

  /** `host:port` actually bound (the port is resolved when 0 was asked for). */
  address (): { host: string, port: number } {
    const a = this.server?.address() as AddressInfo | null | undefined
    return { host: this.init.host, port: a?.port ?? this.init.port }
  }

  async start (): Promise<void> {
    const server = createServer((req, res) => { void this.handle(req, res) })
    server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)) })
    server.keepAliveTimeout = 5_000
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.init.port, this.init.host, () => { server.off('error', reject); resolve() })
    })
    this.init.log('HTTP API listening on %s:%d', this.init.host, this.address().port)
  }

  async stop (): Promise<void> {
    const server = this.server
    if (server == null) return
    this.server = undefined
    const closed = new Promise<void>((resolve) => server.close(() => { resolve() }))
    server.closeIdleConnections()
    for (const s of this.sockets) s.destroy()
    await closed
  }

  private match (method: string, path: string): { route?: Route, params: Record<string, string>, allowed: string[] } {
    const parts = path.split('/').filter(Boolean)
    const allowed: string[] = []
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts)
      if (params == null) continue
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params, allowed }
      allowed.push(route.method)
    }
    return { params: {}, allowed }
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    let status = 500
    try {
      let target: { pathname: string, search: string }
      try {
        target = splitTarget(req.url ?? '/')
      } catch {
        throw malformed('the request target is not a URL')
      }
      const { pathname, search } = target
      let path: string
      try {
        path = decodeURIComponent(pathname)
      } catch {
        throw malformed('the path has an invalid percent-encoding')
      }
      const declared = Number(req.headers['content-length'] ?? 0)
      if (Number.isFinite(declared) && declared > this.maxBodyBytes) {
        throw new ApiError('BodyTooLarge', 413, `the body may have at most ${this.maxBodyBytes} bytes`, { Connection: 'close' })
      }
      const { route, params, allowed } = this.match(req.method ?? 'GET', pathname)
      if (route == null) {
        if (allowed.length > 0) throw new ApiError('MethodNotAllowed', 405, `${req.method ?? ''} is not allowed here; use ${allowed.join(', ')}`, { Allow: allowed.join(', ') })
        throw notFound(`no route for ${req.method ?? ''} ${path}`)
      }
      const out = await route.handler(new IncomingApiRequest(req, res, path, params, search, this.maxBodyBytes))
      status = out.status ?? 200
      if (out.streamed === true) return
      send(res, status, out.headers ?? {}, out.body)
    } catch (err) {
      const e = err as Error & { status?: number, headers?: Record<string, string> }
      if (typeof e.status === 'number') {
        status = e.status
        send(res, status, e.headers ?? {}, { error: e.name, message: e.message })
      } else {
        status = 500
        this.init.log.error('HTTP %s %s failed - %e', req.method, req.url, err)
        send(res, 500, {}, { error: 'InternalError', message: 'the request failed inside the node; see its log' })
      }
    } finally {
      this.init.onRequest?.(status)
    }
  }
}

/**
 * The path and query of a request target as WHATWG URL parsing gives them (dot segments resolved, backslashes
 * as slashes, an absolute-form target reduced to its path). The common plain `/path?query` skips the parser.
 * Throws for an absolute-form target that is not a URL.
 */
export function splitTarget (target: string): { pathname: string, search: string } {
  if (target.charCodeAt(0) === 47 /* / */ && !PARSER_NEEDED.test(target)) {
    const q = target.indexOf('?')
    return q < 0 ? { pathname: target, search: '' } : { pathname: target.slice(0, q), search: target.slice(q) }
  }
  // An origin-form target is a path even when it starts with `//` (not a host, as it would be relative to a base).
  const url = new URL(target.charCodeAt(0) === 47 ? `http://localhost${target}` : target)
  return { pathname: url.pathname, search: url.search }
}

/**
 * Where URL parsing would give another path once decoded: dot segments (also percent-encoded), backslashes, a
 * fragment, controls, spaces and non-ASCII (which it strips or escapes). Characters it merely escapes decode to
 * themselves.
 */
const PARSER_NEEDED = /\/(?:\.|%2e)|\\|#|[^\x21-\x7e]/i

/** One request as handlers see it: the query is parsed, and the body read, only when asked for. */
class IncomingApiRequest implements ApiRequest {
  readonly method: string
  readonly headers: IncomingMessage['headers']
  readonly raw: { req: IncomingMessage, res: ServerResponse }
  private parsedQuery?: URLSearchParams

  constructor (req: IncomingMessage, res: ServerResponse, readonly path: string, readonly params: Record<string, string>, private readonly search: string, private readonly maxBodyBytes: number) {
    this.method = req.method ?? 'GET'
    this.headers = req.headers
    this.raw = { req, res }
  }

  get query (): URLSearchParams {
    return (this.parsedQuery ??= new URLSearchParams(this.search))
  }

  async body (): Promise<Uint8Array> {
    return await readBody(this.raw.req, this.maxBodyBytes)
  }

  async json (): Promise<unknown> {
    const bytes = await this.body()
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    } catch {
      throw malformed('the body is not valid JSON')
    }
  }
}

function parseSegment (p: string): Segment {
  if (p.startsWith('{') && p.endsWith('*}')) return { kind: 'rest', name: p.slice(1, -2) }
  if (p.startsWith('{') && p.endsWith('}')) return { kind: 'param', name: p.slice(1, -1) }
  return { kind: 'literal', text: p }
}

function matchSegments (pattern: Segment[], parts: string[]): Record<string, string> | undefined {
  // Literals and lengths first, so that a route that does not match allocates nothing.
  const last = pattern[pattern.length - 1]
  const rest = last?.kind === 'rest'
  if (rest ? parts.length < pattern.length : parts.length !== pattern.length) return undefined
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as Segment
    if (p.kind === 'literal' && p.text !== parts[i]) return undefined
  }
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as Segment
    if (p.kind === 'param') params[p.name] = decodeURIComponent(parts[i] as string)
    else if (p.kind === 'rest') params[p.name] = parts.slice(i).map(s => decodeURIComponent(s)).join('/')
  }
  return params
}

async function readBody (req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return await new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        req.resume()
        reject(new ApiError('BodyTooLarge', 413, `the body may have at most ${limit} bytes`, { Connection: 'close' }))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => {
      // A view, not a copy: the chunks are this request's own.
      const body = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength))
    })
    req.once('error', reject)
  })
}

function send (res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  if (res.headersSent) { res.end(); return }
  let payload: Uint8Array | string
  let type: string
  if (body instanceof Uint8Array) { payload = body; type = 'application/octet-stream' } else if (typeof body === 'string') { payload = body; type = 'text/plain; charset=utf-8' } else if (body === undefined) { payload = ''; type = 'text/plain; charset=utf-8' } else { payload = JSON.stringify(body) + '\n'; type = 'application/json' }
  const head: Array<string | number> = ['Content-Type', type, 'Content-Length', typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength]
  for (const name in headers) head.push(name, headers[name] as string)
  res.writeHead(status, head)
  res.end(payload)
}
