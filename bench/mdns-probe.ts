/**
 * One fedmesh node with mDNS only (for bench/discovery.ts, run inside a network namespace): prints
 * `{"ms": N}`, the time from start() resolving to its first connection, then exits.
 * Usage: node dist/bench/mdns-probe.js TAG DATA_DIR
 */
import { createFederationNode } from '../src/index.js'

const [tag, dataDir] = process.argv.slice(2)
const node = await createFederationNode({ dataDir, mdns: { tag: tag ?? 'probe', intervalMs: 1_000 } })
let t0 = 0
const connected = new Promise<number>((resolve) => node.addEventListener('peer:connect', () => { resolve(performance.now() - t0) }, { once: true }))
t0 = performance.now()
await node.start()
const ready = performance.now() - t0
const ms = await Promise.race([connected, new Promise<number>(resolve => setTimeout(() => { resolve(NaN) }, 15_000))])
console.log(JSON.stringify({ ms, startMs: ready }))
await new Promise(resolve => setTimeout(resolve, 1_500))
await node.stop()
process.exit(0)
