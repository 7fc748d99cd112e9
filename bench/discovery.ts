/**
 * Time to first connection by each discovery path, medians over N runs (default 7), with fedmesh
 * nodes. Baseline in the same run: a direct dial of a known address.
 *   bootstrap: start() of a node with --bootstrap → connected
 *   dns:       start() of a node with dnsSrv (SRV + A from an in-process DNS server on loopback) → connected
 *   mdns:      two node processes in two network namespaces on one bridge, start() → connected
 *              (needs root; skipped otherwise)
 * Run: `npm run build && node dist/bench/discovery.js [runs]`.
 */
import '../src/util/polyfill.js'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import { createFederationNode } from '../src/index.js'
import { startDnsServer } from '../test/unit/discovery/helpers.js'
import type { FederationNode } from '../src/index.js'

const runs = Number(process.argv[2] ?? 7)
const median = (xs: number[]): number => { const s = xs.filter(x => !Number.isNaN(x)).sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN }

async function timeToConnect (make: () => Promise<FederationNode>): Promise<number> {
  const node = await make()
  let t0 = 0
  const connected = new Promise<number>((resolve) => node.addEventListener('peer:connect', () => { resolve(performance.now() - t0) }, { once: true }))
  t0 = performance.now()
  await node.start()
  const ms = await Promise.race([connected, new Promise<number>(resolve => setTimeout(() => { resolve(NaN) }, 10_000))])
  await node.stop()
  return ms
}

const dir = await mkdtemp(join(tmpdir(), 'fedmesh-bench-discovery-'))
const target = await createFederationNode({ dataDir: join(dir, 'target'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
await target.start()
const targetAddr = target.addresses()[0] as string
const port = Number(multiaddr(targetAddr).getComponents().find(c => c.name === 'tcp')?.value)
const dns = await startDnsServer()
dns.zone.srv.set('_fedmesh._tcp.bench.test', [{ priority: 10, weight: 1, port, target: 'node1.bench.test' }])
dns.zone.a.set('node1.bench.test', ['127.0.0.1'])

const direct: number[] = []; const boot: number[] = []; const viaDns: number[] = []
for (let i = 0; i < runs; i++) {
  direct.push(await timeToConnect(async () => {
    const n = await createFederationNode({ dataDir: join(dir, `d${i}`), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
    n.addEventListener('start', () => { void n.libp2p.dial(multiaddr(targetAddr)) }, { once: true })
    return n
  }))
  boot.push(await timeToConnect(async () => createFederationNode({ dataDir: join(dir, `b${i}`), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap: [targetAddr] })))
  viaDns.push(await timeToConnect(async () => createFederationNode({ dataDir: join(dir, `n${i}`), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dnsSrv: { name: '_fedmesh._tcp.bench.test', server: dns.server } })))
}
await target.stop()
await dns.close()

let mdns = { together: [] as number[], joiner: [] as number[] }
let mdnsNote = ''
if (process.getuid?.() !== 0 || spawnSync('ip', ['netns', 'list']).status !== 0) {
  mdnsNote = 'skipped: needs root and iproute2 for network namespaces'
} else {
  mdns = await mdnsRuns(runs, dir)
}
await rm(dir, { recursive: true, force: true })

const f = (n: number): string => Number.isNaN(n) ? '-' : `${n.toFixed(1)} ms`
console.log(`time to first connection (medians of ${runs} runs)`)
console.log('| path | median | vs direct dial |')
console.log('|---|---|---|')
console.log(`| direct dial of a known address (baseline) | ${f(median(direct))} | 1.00x |`)
console.log(`| bootstrap | ${f(median(boot))} | ${(median(boot) / median(direct)).toFixed(2)}x |`)
console.log(`| DNS SRV + A | ${f(median(viaDns))} | ${(median(viaDns) / median(direct)).toFixed(2)}x |`)
for (const [label, xs] of [['mDNS, a node joining a running one (two namespaces)', mdns.joiner], ['mDNS, two nodes starting together (query interval 1 s)', mdns.together]] as const) {
  console.log(`| ${label} | ${mdnsNote === '' ? f(median(xs)) : mdnsNote} | ${mdnsNote === '' ? `${(median(xs) / median(direct)).toFixed(2)}x` : '-'} |`)
}

async function mdnsRuns (n: number, base: string): Promise<{ together: number[], joiner: number[] }> {
  const probe = fileURLToPath(new URL('./mdns-probe.js', import.meta.url))
  const id = process.pid
  const sw = `fm-bsw-${id}`; const hosts = [`fm-bh1-${id}`, `fm-bh2-${id}`]
  const ip = (...args: string[]): void => { const r = spawnSync('ip', args); if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.toString()}`) }
  const out = { together: [] as number[], joiner: [] as number[] }
  try {
    ip('netns', 'add', sw); ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge'); ip('-n', sw, 'link', 'set', 'br0', 'up')
    hosts.forEach((h, i) => {
      ip('netns', 'add', h)
      ip('-n', sw, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h)
      ip('-n', sw, 'link', 'set', `p${i}`, 'master', 'br0', 'up')
      ip('-n', h, 'link', 'set', 'lo', 'up'); ip('-n', h, 'addr', 'add', `10.78.0.${i + 1}/24`, 'dev', 'eth0'); ip('-n', h, 'link', 'set', 'eth0', 'up')
      ip('-n', h, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
    })
    for (let r = 0; r < 2 * n; r++) {
      // Even runs: both nodes start together. Odd runs: the second joins 1.5 s after the first.
      const joiner = r % 2 === 1
      const results = await Promise.all(hosts.map(async (h, i) => new Promise<void>((resolve) => setTimeout(resolve, joiner && i === 1 ? 1_500 : 0)).then(async () => new Promise<number>((resolve) => {
        const child = spawn('ip', ['netns', 'exec', h, process.execPath, probe, `bench-${id}-${r}`, join(base, `m${r}-${i}`)], { stdio: ['ignore', 'pipe', 'ignore'] })
        let text = ''
        child.stdout.on('data', (d: Buffer) => { text += d.toString() })
        child.on('exit', () => { try { resolve((JSON.parse(text) as { ms: number }).ms) } catch { resolve(NaN) } })
      }))))
      ;(joiner ? out.joiner : out.together).push(joiner ? results[1] as number : Math.max(...results))
    }
  } finally {
    for (const h of hosts) spawnSync('ip', ['netns', 'del', h])
    spawnSync('ip', ['netns', 'del', sw])
  }
  return out
}
