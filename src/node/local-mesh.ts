/**
 * A mesh of `fedmesh start` processes on loopback: ephemeral ports, temporary data dirs, each node
 * bootstrapping from every node started before it. Used by `fedmesh demo`, the local-mesh example, the
 * integration tests and the benchmarks.
 *
 * Contract: `stop()` ends every process it started (SIGTERM, then SIGKILL after a grace period) and
 * removes the data dirs it created; it never touches any other process.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { NODE_PROCESS_ENV, NODE_PROCESS_FLAGS } from './process-tuning.js'
import type { ChildProcess } from 'node:child_process'

export interface MeshProcess {
  index: number
  child: ChildProcess
  peerId: string
  addresses: string[]
  /** `http://127.0.0.1:PORT` */
  api: string
  dataDir: string
  /** Everything the process wrote to stderr (its logs), for diagnosis. */
  stderr: string[]
}

export interface LocalMeshOptions {
  nodes: number
  /** Extra `fedmesh start` flags for node `index`. */
  args?: (index: number) => string[]
  /** Where data dirs go (a new temporary directory by default; removed by stop() only when created here). */
  baseDir?: string
  env?: NodeJS.ProcessEnv
  /** Flags for the `node` executable of every process (e.g. `--cpu-prof`); NODE_PROCESS_FLAGS by default. */
  nodeArgs?: string[]
  onProgress?: (message: string) => void
  /** How long one node may take to print its ready line. */
  readyTimeoutMs?: number
}

export class ProcessStartError extends Error {
  override name = 'ProcessStartError'
}

/** The `bin/fedmesh.js` of this package, found from this module's location (src or dist). */
export function fedmeshBin (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'fedmesh') return join(dir, 'bin', 'fedmesh.js')
    dir = dirname(dir)
  }
  throw new ProcessStartError('cannot find the fedmesh package root from ' + import.meta.url)
}

/** Ends a child process: SIGTERM (after SIGCONT, in case it is paused), SIGKILL if it has not exited within 5 s. */
export async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
  child.kill('SIGCONT')
  child.kill('SIGTERM')
  const t = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(t)
}

export class LocalMesh {
  readonly nodes: MeshProcess[] = []
  readonly baseDir: string
  private readonly ownsBaseDir: boolean
  private readonly options: LocalMeshOptions

  private constructor (options: LocalMeshOptions) {
    this.options = options
    this.ownsBaseDir = options.baseDir == null
    this.baseDir = options.baseDir ?? mkdtempSync(join(tmpdir(), 'fedmesh-mesh-'))
  }

  static async start (options: LocalMeshOptions): Promise<LocalMesh> {
    const mesh = new LocalMesh(options)
    try {
      // One at a time, each bootstrapping from every node before it: the mesh is complete as soon as the
      // last node is ready, whatever the timing of peer exchange (which is tested on its own).
      const bootstrap: string[] = []
      for (let i = 0; i < options.nodes; i++) {
        const node = await mesh.spawnNode(i, bootstrap.flatMap(a => ['--bootstrap', a]))
        const addr = node.addresses[0]
        if (addr == null) throw new ProcessStartError(`node ${i} announced no address`)
        bootstrap.push(addr)
      }
    } catch (err) {
      await mesh.stop()
      throw err
    }
    return mesh
  }

  /** Starts node `index` (again, after a kill or stop: same data dir, so same identity). */
  async spawnNode (index: number, extra: string[]): Promise<MeshProcess> {
    const dataDir = join(this.baseDir, `node-${index}`)
    const args = [fedmeshBin(), 'start', '--json', '--data-dir', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--no-mdns', ...extra, ...(this.options.args?.(index) ?? [])]
    this.options.onProgress?.(`starting node ${index + 1}/${this.options.nodes}`)
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? NODE_PROCESS_FLAGS), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...NODE_PROCESS_ENV, ...this.options.env } })
    const stderr: string[] = []
    createInterface({ input: child.stderr! }).on('line', (l) => { stderr.push(l); if (stderr.length > 500) stderr.shift() })
    const ready = await new Promise<{ peerId: string, addresses: string[], api: string }>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new ProcessStartError(`node ${index} printed no ready line within ${this.options.readyTimeoutMs ?? 20_000} ms; stderr:\n${stderr.join('\n')}`)) }, this.options.readyTimeoutMs ?? 20_000)
      const lines = createInterface({ input: child.stdout! })
      lines.on('line', (line) => {
        try {
          const msg = JSON.parse(line) as { event?: string, peerId: string, addresses: string[], api: string }
          if (msg.event === 'ready') { clearTimeout(timer); resolve(msg) }
        } catch { /* a log line, not the ready line */ }
      })
      child.once('exit', (code) => { clearTimeout(timer); reject(new ProcessStartError(`node ${index} exited with ${code} before it was ready; stderr:\n${stderr.join('\n')}`)) })
    })
    const proc: MeshProcess = { index, child, dataDir, stderr, ...ready }
    const at = this.nodes.findIndex(n => n.index === index)
    if (at >= 0) this.nodes[at] = proc
    else this.nodes.push(proc)
    this.options.onProgress?.(`node ${index + 1} ready: ${ready.peerId} (api ${ready.api})`)
    return proc
  }

  node (index: number): MeshProcess {
    const n = this.nodes.find(p => p.index === index)
    if (n == null) throw new RangeError(`no node ${index}`)
    return n
  }

  /** Sends a signal to one node; resolves when it has exited (for SIGTERM/SIGKILL). */
  async signal (index: number, signal: NodeJS.Signals): Promise<number | null> {
    const { child } = this.node(index)
    if (child.exitCode != null || child.signalCode != null) return child.exitCode
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      child.kill(signal)
      return null
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code) }))
    child.kill(signal)
    return await exited
  }

  async stop (): Promise<void> {
    await Promise.all(this.nodes.map(async ({ child }) => { await stopChild(child) }))
    if (this.ownsBaseDir) rmSync(this.baseDir, { recursive: true, force: true })
  }
}
