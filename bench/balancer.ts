/**
 * Cost per selection of each balancer algorithm (ns/op, 10 and 100 candidates, ratios against round-robin
 * measured in the same run), then failure-detection times from the seeded simulated scenarios with the
 * default health settings. Run: npx tsx bench/balancer.ts
 */
import { HealthView } from '../src/mesh/core/health/health-view.js'
import { DEFAULT_HEALTH_OPTIONS } from '../src/mesh/core/health/constants.js'
import { LoadBalancer } from '../src/mesh/core/balancer/load-balancer.js'
import { BALANCER_ALGORITHMS } from '../src/mesh/core/balancer/types.js'
import type { BalancerAlgorithm } from '../src/mesh/core/balancer/types.js'
import { BreakerRegistry } from '../src/mesh/core/breaker/registry.js'
import { seededRandom } from '../src/util/pure/random.js'
import { BUSY_CPU, firstEvent, runScenario } from '../test/unit/mesh/health/scenario.js'

const SIZES = [10, 100]
const ROUNDS = 5

function setup (n: number): { lb: LoadBalancer, candidates: string[] } {
  const view = new HealthView()
  const candidates = Array.from({ length: n }, (_, i) => `12D3KooWpeer${String(i).padStart(4, '0')}`)
  const rng = seededRandom(n)
  for (const p of candidates) {
    view.heartbeat(p, { load: rng.next(), capacity: rng.int(1, 4), latencyMs: rng.int(1, 50) }, 0)
    view.rtt(p, rng.int(1, 10), 0)
  }
  const lb = new LoadBalancer({ health: view, gate: new BreakerRegistry(), random: seededRandom(1) })
  for (const p of candidates) {
    for (let k = 0; k < rng.int(0, 3); k++) lb.acquire(p)
    lb.observeLatency(p, rng.int(1, 40))
  }
  return { lb, candidates }
}

function nsPerOp (lb: LoadBalancer, candidates: string[], algorithm: BalancerAlgorithm, iterations: number): number {
  const keys = Array.from({ length: 1024 }, (_, i) => `object/${i}`)
  let sink = 0
  const run = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const chosen = lb.select(candidates, { algorithm, key: keys[i & 1023] as string, now: 0 })
      if (chosen !== undefined) sink += chosen.length
    }
  }
  run(Math.min(iterations, 2000))
  const samples: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    run(iterations)
    samples.push(Number(process.hrtime.bigint() - t0) / iterations)
  }
  if (sink === -1) console.log(sink)
  return samples.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] as number
}

console.log('Balancer: cost per selection (median of 5 rounds; eligibility filter with health, breaker gate, dedupe included)\n')
const table: Array<Record<string, string>> = []
const results = new Map<string, number>()
for (const n of SIZES) {
  const { lb, candidates } = setup(n)
  const iterations = n === 10 ? 200_000 : 40_000
  for (const algorithm of BALANCER_ALGORITHMS) results.set(`${algorithm}/${n}`, nsPerOp(lb, candidates, algorithm, iterations))
}
for (const algorithm of BALANCER_ALGORITHMS) {
  const row: Record<string, string> = { algorithm }
  for (const n of SIZES) {
    const ns = results.get(`${algorithm}/${n}`) as number
    const base = results.get(`round-robin/${n}`) as number
    row[`ns/op (n=${n})`] = ns.toFixed(0)
    row[`× round-robin (n=${n})`] = (ns / base).toFixed(2)
  }
  table.push(row)
}
console.table(table)

console.log('\nFailure detection with default settings (simulated; heartbeats every %d ms, ticks every %d ms, 100 seeds)\n',
  DEFAULT_HEALTH_OPTIONS.heartbeatIntervalMs, DEFAULT_HEALTH_OPTIONS.tickIntervalMs)
const SEEDS = Array.from({ length: 100 }, (_, i) => i + 1)
const killed: number[] = []
const frozenSuspect: number[] = []
const frozenDead: number[] = []
const thawed: number[] = []
for (const seed of SEEDS) {
  const at = 8000 + seed * 37
  const k = runScenario({ seed, durationMs: at + 5000, killAt: at })
  killed.push((firstEvent(k.events, 'dead') ?? Infinity) - at)
  const f = runScenario({ seed, durationMs: at + 8000, freezeAt: at, thawAt: at + 4000 })
  frozenSuspect.push((firstEvent(f.events, 'suspect') ?? Infinity) - at)
  frozenDead.push((firstEvent(f.events, 'dead') ?? Infinity) - at)
  thawed.push((firstEvent(f.events, 'alive', at + 4000) ?? Infinity) - (at + 4000))
}
function busyRun (profile: typeof BUSY_CPU): { dead: number, suspect: number, gap: number } {
  let dead = 0; let suspect = 0; let gap = 0
  for (const seed of SEEDS) {
    const b = runScenario({ seed, durationMs: 60_000, busy: profile })
    dead += b.events.filter((e) => e.type === 'dead').length
    suspect += b.events.filter((e) => e.type === 'suspect').length
    gap = Math.max(gap, b.longestGapMs)
  }
  return { dead, suspect, gap }
}
const busy = busyRun(BUSY_CPU)
const stalls = busyRun({ ...BUSY_CPU, observerBlockChance: 0.02, observerBlockMaxMs: 2500 })
const summary = (xs: number[]): Record<string, string> => {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number): string => String(s[Math.min(s.length - 1, Math.floor(p * s.length))])
  return { min: String(s[0]), median: q(0.5), p95: q(0.95), max: String(s[s.length - 1]) }
}
console.table({
  'killed → dead (ms after kill)': summary(killed),
  'frozen → suspect (ms after freeze)': summary(frozenSuspect),
  'frozen → dead (ms after freeze)': summary(frozenDead),
  'thawed → alive (ms after thaw)': summary(thawed)
})
console.log(`busy CPU (late heartbeats ≤ 800 ms, slow deliveries ≤ 500 ms, observer stalls ≤ 600 ms), ${SEEDS.length} runs × 60 s: ` +
  `${busy.dead} false dead, ${busy.suspect} transient suspects, longest heartbeat gap ${busy.gap} ms`)
console.log(`same with observer stalls ≤ 2.5 s, ${SEEDS.length} runs × 60 s: ${stalls.dead} false dead, ${stalls.suspect} transient suspects, ` +
  `longest heartbeat gap ${stalls.gap} ms`)
