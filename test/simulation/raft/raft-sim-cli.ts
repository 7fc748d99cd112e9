/**
 * Runs the Raft simulator over many seeds and prints a summary.
 *
 *   npx tsx test/simulation/raft/raft-sim-cli.ts --seeds 10000 [--from 1]
 *   npx tsx test/simulation/raft/raft-sim-cli.ts --seed 42 --verbose
 *   npx tsx test/simulation/raft/raft-sim-cli.ts --seeds 2000 --profile churn   (leader churn, small batches)
 *   node dist/test/simulation/raft/raft-sim-cli.js ...   (after a build)
 */
import { runSimulation } from './simulator.js'
import type { SimResult } from './simulator.js'

function arg (name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const verbose = process.argv.includes('--verbose')
const single = arg('seed')
const from = Number(arg('from') ?? 1)
const count = single !== undefined ? 1 : Number(arg('seeds') ?? 1000)
const first = single !== undefined ? Number(single) : from
const durationMs = arg('duration') !== undefined ? Number(arg('duration')) : undefined
const profile = arg('profile') === 'churn' ? 'churn' : 'mixed'

const started = Date.now()
let ops = 0
let opsOk = 0
let unknownChecks = 0
const stalls: number[] = []
const failed: SimResult[] = []
const totals: Record<string, number> = {}

for (let seed = first; seed < first + count; seed++) {
  const r = runSimulation(seed, { verbose, durationMs, profile })
  ops += r.ops
  opsOk += r.opsOk
  if (r.linearizable === 'unknown') unknownChecks++
  if (!r.progressedWhenQuiet) stalls.push(seed)
  for (const [k, v] of Object.entries(r.stats)) totals[k] = (totals[k] ?? 0) + v
  if (r.violations.length > 0) {
    failed.push(r)
    console.log(`seed ${seed}: ${r.violations.length} violation(s)`)
    for (const v of r.violations) console.log(`  ${v}`)
    console.log(`  replay: npx tsx test/simulation/raft/raft-sim-cli.ts --seed ${seed}${profile === 'churn' ? ' --profile churn' : ''} --verbose`)
  }
  if (!verbose && (seed - first + 1) % 1000 === 0) {
    console.log(`... ${seed - first + 1} seeds, ${failed.length} with violations, ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }
}

const secs = (Date.now() - started) / 1000
console.log(`seeds run: ${count} (${first}..${first + count - 1}), profile ${profile}`)
console.log(`seeds with violations: ${failed.length}${failed.length > 0 ? ` (${failed.map((r) => r.seed).join(', ')})` : ''}`)
console.log(`client ops: ${ops} issued, ${opsOk} with known outcome checked for linearizability, ${ops - opsOk} timed out (unknown outcome)`)
console.log(`linearizability checks that hit the time budget: ${unknownChecks}`)
console.log(`runs with no client progress in the quiet period (liveness): ${stalls.length}${stalls.length > 0 ? ` (seeds ${stalls.slice(0, 20).join(', ')})` : ''}`)
console.log(`totals: ${Object.entries(totals).map(([k, v]) => `${k} ${v}`).join(', ')}`)
console.log(`time: ${secs.toFixed(1)} s (${(secs * 1000 / count).toFixed(1)} ms per seed)`)
process.exitCode = failed.length > 0 ? 1 : 0
