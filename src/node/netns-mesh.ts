/**
 * A mesh of `fedmesh start` processes, each in its own Linux network namespace, all plugged into a
 * switch namespace whose bridges can be split to cut the network for real (TCP connections hang, no
 * process is paused). Used by the partition integration tests; needs root and iproute2.
 *
 * Layout: a switch namespace `fmp-sw-<pid>` with bridges `br0` and `br1`; host namespace
 * `fmp-h<i>-<pid>` per node with `eth0` (address `10.<subnet>.0.<i+1>/24`) whose peer `port<i>`
 * sits in the switch. Every node listens on its `eth0` address and bootstraps from every node started before it. Each
 * node's HTTP API listens on the loopback of its own namespace, which the caller cannot reach; a
 * small relay started in that namespace exposes it on a Unix socket in the mesh's temporary
 * directory, and `fetch(i, path)` goes through it.
 *
 * Contracts:
 * - Only namespaces it creates are touched (names carry this process's pid); no address or
 *   interface of the caller's namespace is used or changed.
 * - `cut(a, b)` puts group `b`'s switch ports on `br1` and group `a`'s on `br0`: nodes within a group
 *   still reach each other, nodes across groups do not. `heal()` puts every port back on `br0`.
 * - `stop()` ends every process it started (SIGTERM, then SIGKILL after 5 s), deletes every
 *   namespace it created and removes its temporary directory; it is idempotent and safe after a
 *   failed `start`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fedmeshBin, stopChild } from './local-mesh.js'
import { NODE_PROCESS_ENV, NODE_PROCESS_FLAGS } from './process-tuning.js'
import type { MeshProcess } from './local-mesh.js'
import type { ChildProcess } from 'node:child_process'

export class NetnsError extends Error {
  override name = 'NetnsError'
}

/** A node process as in LocalMesh, in a namespace of its own. */
export interface NetnsNode extends Omit<MeshProcess, 'api'> {
  namespace: string
  /** This node's `eth0` address (`10.<subnet>.0.<index+1>`). */
  ip: string
  /** The API address inside the node's namespace (not reachable from the caller; use `mesh.fetch`). */
  api: string
}

export interface NetnsMeshOptions {
  nodes: number
  /** Extra `fedmesh start` flags for node `index`. */
  args?: (index: number) => string[]
  /** Second octet of the mesh's 10.x.0.0/24 subnet (77 by default). */
  subnet?: number
  env?: NodeJS.ProcessEnv
  /** How long one node may take to print its ready line. */
  readyTimeoutMs?: number
}

export interface NetnsResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export interface NetnsRequestInit {
  method?: string
  body?: string
  headers?: Record<string, string>
  timeoutMs?: number
}

const RELAY = `const net=require('node:net');const [sock,port]=process.argv.slice(1);
net.createServer((c)=>{const u=net.connect(Number(port),'127.0.0.1');c.on('error',()=>u.destroy());u.on('error',()=>c.destroy());c.pipe(u);u.pipe(c)})
.listen(sock,()=>{process.stdout.write('ready\\n')});process.stdin.on('end',()=>process.exit(0));process.stdin.resume()`

/** Why network namespaces cannot be used here, or false when they can (for `{ skip }`). */
export function netnsUnavailable (): string | false {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces'
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return 'needs iproute2 (ip netns)'
  const probe = `fmp-probe-${process.pid}`
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' })
  if (added.status !== 0) return `cannot create a network namespace: ${added.stderr.trim()}`
  spawnSync('ip', ['netns', 'del', probe])
  return false
}

/**
 * Deletes namespaces named like this module's (`fmp-sw-<pid>`, `fmp-h<i>-<pid>`) whose creating process is gone (a
 * run killed before its cleanup); namespaces of live processes are left alone. Returns the names deleted.
 */
export function sweepStaleNamespaces (): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  if (listed.status !== 0) return []
  const swept: string[] = []
  for (const line of listed.stdout.split('\n')) {
    const m = /^(fmp-(?:sw|h\d+)-(\d+))(?:\s|$)/.exec(line)
    if (m == null) continue
    const pid = Number(m[2])
    if (pid === process.pid || isAlive(pid)) continue
    if (spawnSync('ip', ['netns', 'del', m[1]!]).status === 0) swept.push(m[1]!)
  }
  return swept
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** This process's namespaces that still exist (empty after `stop()`). */
export function ownNamespaces (): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  return listed.stdout.split('\n').map(l => l.split(/\s/)[0] ?? '').filter(n => new RegExp(`^fmp-(sw|h\\d+)-${process.pid}$`).test(n))
}

let guard: string[] | undefined
/** A command prefix that kills a node when the process that started it dies (so a killed test run leaves no node behind). */
function orphanGuard (): string[] {
  guard ??= spawnSync('setpriv', ['--pdeathsig', 'KILL', 'true']).status === 0 ? ['setpriv', '--pdeathsig', 'KILL'] : []
  return guard
}

function ip (...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new NetnsError(`ip ${args.join(' ')} failed: ${r.stderr.trim() || String(r.error)}`)
}

export class NetnsMesh {
  readonly nodes: NetnsNode[] = []
  readonly baseDir: string
  readonly switchNamespace: string
  private readonly options: NetnsMeshOptions
  private readonly namespaces: string[] = []
  private readonly relays: ChildProcess[] = []
  private readonly sockets = new Map<number, string>()
  private stopped = false

  private constructor (options: NetnsMeshOptions) {
    if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 250) throw new RangeError('nodes must be 1..250')
    this.options = options
    this.baseDir = mkdtempSync(join(tmpdir(), 'fmp-'))
    this.switchNamespace = `fmp-sw-${process.pid}`
  }

  static async start (options: NetnsMeshOptions): Promise<NetnsMesh> {
    sweepStaleNamespaces()
    const mesh = new NetnsMesh(options)
    try {
      mesh.buildNetwork()
      // One at a time, each bootstrapping from every node before it: the mesh is complete once the last
      // node is ready, whatever the timing of peer exchange.
      const bootstrap: string[] = []
      for (let i = 0; i < options.nodes; i++) {
        const node = await mesh.spawnNode(i, bootstrap.flatMap(a => ['--bootstrap', a]))
        const addr = node.addresses.find(a => a.startsWith(`/ip4/${node.ip}/`))
        if (addr == null) throw new NetnsError(`node ${i} announced no address on ${node.ip}: ${node.addresses.join(' ')}`)
        bootstrap.push(addr)
      }
    } catch (err) {
      await mesh.stop()
      throw err
    }
    return mesh
  }

  namespaceOf (index: number): string {
    return `fmp-h${index}-${process.pid}`
  }

  ipOf (index: number): string {
    return `10.${this.options.subnet ?? 77}.0.${index + 1}`
  }

  private buildNetwork (): void {
    const sw = this.switchNamespace
    ip('netns', 'add', sw)
    this.namespaces.push(sw)
    ip('-n', sw, 'link', 'set', 'lo', 'up')
    for (const br of ['br0', 'br1']) {
      ip('-n', sw, 'link', 'add', br, 'type', 'bridge')
      ip('-n', sw, 'link', 'set', br, 'up')
    }
    for (let i = 0; i < this.options.nodes; i++) {
      const host = this.namespaceOf(i)
      ip('netns', 'add', host)
      this.namespaces.push(host)
      ip('-n', sw, 'link', 'add', `port${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host)
      ip('-n', sw, 'link', 'set', `port${i}`, 'master', 'br0', 'up')
      ip('-n', host, 'link', 'set', 'lo', 'up')
      ip('-n', host, 'addr', 'add', `${this.ipOf(i)}/24`, 'dev', 'eth0')
      ip('-n', host, 'link', 'set', 'eth0', 'up')
    }
  }

  private async spawnNode (index: number, extra: string[]): Promise<NetnsNode> {
    const namespace = this.namespaceOf(index)
    const dataDir = join(this.baseDir, `node-${index}`)
    const args = ['netns', 'exec', namespace, ...orphanGuard(), process.execPath, ...NODE_PROCESS_FLAGS, fedmeshBin(), 'start', '--json', '--data-dir', dataDir,
      '--listen', `/ip4/${this.ipOf(index)}/tcp/4001`, '--api', '127.0.0.1:0', '--no-mdns', ...extra, ...(this.options.args?.(index) ?? [])]
    // `ip netns exec` (and setpriv) exec the command, so the child's pid is the node's own (signals reach it).
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...NODE_PROCESS_ENV, ...this.options.env } })
    const stderr: string[] = []
    createInterface({ input: child.stderr! }).on('line', (l) => { stderr.push(l); if (stderr.length > 500) stderr.shift() })
    const timeoutMs = this.options.readyTimeoutMs ?? 20_000
    const partial: NetnsNode = { index, namespace, ip: this.ipOf(index), child, dataDir, stderr, peerId: '', addresses: [], api: '' }
    this.nodes.push(partial)
    const ready = await new Promise<{ peerId: string, addresses: string[], api: string }>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new NetnsError(`node ${index} printed no ready line within ${timeoutMs} ms; stderr:\n${stderr.join('\n')}`)) }, timeoutMs)
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          const msg = JSON.parse(line) as { event?: string, peerId: string, addresses: string[], api: string }
          if (msg.event === 'ready') { clearTimeout(timer); resolve(msg) }
        } catch { /* a log line, not the ready line */ }
      })
      child.once('exit', (code) => { clearTimeout(timer); reject(new NetnsError(`node ${index} exited with ${code} before it was ready; stderr:\n${stderr.join('\n')}`)) })
    })
    Object.assign(partial, ready)
    await this.startRelay(index, Number(new URL(ready.api).port))
    return partial
  }

  private async startRelay (index: number, port: number): Promise<void> {
    const socket = join(this.baseDir, `api-${index}.sock`)
    const relay = spawn('ip', ['netns', 'exec', this.namespaceOf(index), process.execPath, '-e', RELAY, socket, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.relays.push(relay)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new NetnsError(`the API relay of node ${index} did not start`)) }, 10_000)
      createInterface({ input: relay.stdout! }).once('line', () => { clearTimeout(timer); resolve() })
      relay.once('exit', (code) => { clearTimeout(timer); reject(new NetnsError(`the API relay of node ${index} exited with ${code}`)) })
    })
    this.sockets.set(index, socket)
  }

  node (index: number): NetnsNode {
    const n = this.nodes.find(p => p.index === index)
    if (n == null) throw new RangeError(`no node ${index}`)
    return n
  }

  /** An HTTP request to node `index`'s API (`path` like `/v1/status`), made inside its namespace. */
  async fetch (index: number, path: string, init: NetnsRequestInit = {}): Promise<NetnsResponse> {
    const socketPath = this.sockets.get(index)
    if (socketPath == null) throw new RangeError(`no API relay for node ${index}`)
    const timeoutMs = init.timeoutMs ?? 10_000
    return await new Promise<NetnsResponse>((resolve, reject) => {
      const body = init.body === undefined ? undefined : Buffer.from(init.body)
      const headers: Record<string, string> = { ...init.headers }
      if (body !== undefined) headers['content-length'] = String(body.length)
      const req = request({ socketPath, path, method: init.method ?? 'GET', headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const flat: Record<string, string> = {}
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v
          resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks).toString('utf8') })
        })
        res.on('error', reject)
      })
      req.on('timeout', () => { req.destroy(new NetnsError(`${init.method ?? 'GET'} ${path} on node ${index} timed out after ${timeoutMs} ms`)) })
      req.on('error', reject)
      req.end(body)
    })
  }

  /** Like `fetch`, parsing a JSON body; throws when the status is not 2xx. */
  async json<T = unknown> (index: number, path: string, init: NetnsRequestInit = {}): Promise<T> {
    const res = await this.fetch(index, path, init)
    if (res.status < 200 || res.status > 299) throw new NetnsError(`${init.method ?? 'GET'} ${path} on node ${index}: ${res.status} ${res.body}`)
    return JSON.parse(res.body) as T
  }

  /** Cuts the network between `groupA` and `groupB` (nodes in neither stay with `groupA`). */
  cut (groupA: number[], groupB: number[]): void {
    for (const i of groupA) if (groupB.includes(i)) throw new RangeError(`node ${i} is in both groups`)
    for (const i of groupA) this.attach(i, 'br0')
    for (const i of groupB) this.attach(i, 'br1')
  }

  /** Reconnects every node to one network. */
  heal (): void {
    for (let i = 0; i < this.options.nodes; i++) this.attach(i, 'br0')
  }

  private attach (index: number, bridge: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.options.nodes) throw new RangeError(`no node ${index}`)
    ip('-n', this.switchNamespace, 'link', 'set', `port${index}`, 'nomaster')
    ip('-n', this.switchNamespace, 'link', 'set', `port${index}`, 'master', bridge, 'up')
  }

  /** Sends a signal to one node; resolves when it has exited (except for SIGSTOP/SIGCONT). */
  async signal (index: number, signal: NodeJS.Signals): Promise<number | null> {
    const { child } = this.node(index)
    if (child.exitCode != null || child.signalCode != null) return child.exitCode
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code) }))
    child.kill(signal)
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') return null
    return await exited
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await Promise.all([...this.nodes.map(async n => stopChild(n.child)), ...this.relays.map(stopChild)])
    const failures: string[] = []
    for (const ns of this.namespaces.reverse()) {
      const r = spawnSync('ip', ['netns', 'del', ns], { encoding: 'utf8' })
      if (r.status !== 0) failures.push(`${ns}: ${r.stderr.trim()}`)
    }
    rmSync(this.baseDir, { recursive: true, force: true })
    if (failures.length > 0) throw new NetnsError(`could not delete namespaces: ${failures.join('; ')}`)
  }
}
