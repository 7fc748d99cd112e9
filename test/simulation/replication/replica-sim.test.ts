import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runReplicaSim } from './replica-sim.js'

// Replay one seed: REPLICA_SIM_SEED=<seed> npx tsx --test test/simulation/replication/replica-sim.test.ts
const only = process.env.REPLICA_SIM_SEED
const count = Number(process.env.REPLICA_SIM_SEEDS ?? 300)
const seeds = only !== undefined ? [Number(only)] : Array.from({ length: count }, (_, i) => i + 1)

describe('replica simulation: 5 replicas, lossy reordering network with partitions, then anti-entropy', () => {
  it(`converges with no lost update on ${seeds.length} seeds`, () => {
    const failed: string[] = []
    let ops = 0
    let conflicts = 0
    let collected = 0
    let collectedDuringRun = 0
    const started = performance.now()
    for (const seed of seeds) {
      const r = runReplicaSim(seed)
      ops += r.ops
      conflicts += r.conflicts
      collected += r.collected
      collectedDuringRun += r.collectedDuringRun
      if (r.problems.length > 0) {
        failed.push(seed.toString())
        console.log(`seed ${seed} FAILED:\n  ${r.problems.slice(0, 8).join('\n  ')}`)
        console.log(`  replay: REPLICA_SIM_SEED=${seed} npx tsx --test test/simulation/replication/replica-sim.test.ts`)
      }
    }
    const secs = (performance.now() - started) / 1000
    console.log(`${seeds.length} seeds, ${ops} operations, ${conflicts} conflicts resolved, ${collected} tombstone keys collected (${collectedDuringRun} while writes and losses went on), ${secs.toFixed(1)} s`)
    assert.deepEqual(failed, [], `failing seeds: ${failed.join(', ')}`)
    // The runs must actually exercise concurrency and collection, or convergence proves little.
    assert.ok(conflicts > seeds.length, 'too few conflicts to be meaningful')
    if (only === undefined) assert.ok(collectedDuringRun > 0, 'no tombstone was collected during the lossy phase')
  })
})
