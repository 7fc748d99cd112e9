/**
 * Node benchmark: process start time (spawn → ready line), connect time (in-process: start of a
 * node that bootstraps from another → connected), RSS per node process. Baselines measured in the
 * same run: a bare `node -e ''` process start, and a bare Node process's RSS.
 * Run: `npm run build && node dist/bench/node.js [--runs N]` (or `npx tsx bench/node.ts`).
 */
import '../src/util/polyfill.js'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFederationNode } from '../src/index.js'
import { LocalMesh } from '../src/node/local-mesh.js'

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] ?? 0) || 7

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}
function rssMb (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m?.[1] ?? NaN) / 1024
}

// Baseline: a bare Node process.
const bare: number[] = []
for (let i = 0; i < runs; i++) {
  const t0 = performance.now()
  spawnSync(process.execPath, ['-e', ''])
  bare.push(performance.now() - t0)
}
const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'])
await new Promise(resolve => setTimeout(resolve, 300))
const bareRss = rssMb(idle.pid as number)
idle.kill()

// Process start: spawn → ready line, one node at a time.
const starts: number[] = []
const rss: number[] = []
for (let i = 0; i < runs; i++) {
  const t0 = performance.now()
  const mesh = await LocalMesh.start({ nodes: 1 })
  starts.push(performance.now() - t0)
  await new Promise(resolve => setTimeout(resolve, 500))
  rss.push(rssMb(mesh.node(0).child.pid as number))
  await mesh.stop()
}

// RSS per node in a 5-node mesh after it has settled.
const mesh = await LocalMesh.start({ nodes: 5 })
await new Promise(resolve => setTimeout(resolve, 3_000))
const meshRss = mesh.nodes.map(n => rssMb(n.child.pid as number))
await mesh.stop()

// Connect time, in process: second node start() → peer:connect.
const dir = await mkdtemp(join(tmpdir(), 'fedmesh-bench-'))
const a = await createFederationNode({ dataDir: join(dir, 'a'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
await a.start()
const connects: number[] = []
const inProcessStarts: number[] = []
for (let i = 0; i < runs; i++) {
  const b = await createFederationNode({ dataDir: join(dir, `b${i}`), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: a.addresses() })
  const t0 = performance.now()
  const connected = new Promise<number>((resolve) => { b.addEventListener('peer:connect', () => { resolve(performance.now() - t0) }, { once: true }) })
  await b.start()
  inProcessStarts.push(performance.now() - t0)
  connects.push(await connected)
  await b.stop()
}
await a.stop()
await rm(dir, { recursive: true, force: true })

const f = (n: number): string => n.toFixed(1)
console.log(`fedmesh node benchmark (${runs} runs each, medians)`)
console.log('| measure | fedmesh | baseline | ratio |')
console.log('|---|---|---|---|')
console.log(`| process start → ready | ${f(median(starts))} ms | bare node ${f(median(bare))} ms | ${(median(starts) / median(bare)).toFixed(2)}x |`)
console.log(`| in-process start() (create excluded) | ${f(median(inProcessStarts))} ms | – | – |`)
console.log(`| connect (start() → peer:connect, bootstrap) | ${f(median(connects))} ms | – | – |`)
console.log(`| RSS, one idle node process | ${f(median(rss))} MB | bare node ${f(bareRss)} MB | ${(median(rss) / bareRss).toFixed(2)}x |`)
console.log(`| RSS per node in a 5-node mesh | ${f(median(meshRss))} MB (max ${f(Math.max(...meshRss))}) | bare node ${f(bareRss)} MB | ${(median(meshRss) / bareRss).toFixed(2)}x |`)
