import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runSimulation } from './simulator.js'

const SEEDS = 500
const CHURN_SEEDS = 150

function runSeeds (count: number, profile: 'mixed' | 'churn'): { failures: string[], ops: number, stalls: number[] } {
  const failures: string[] = []
  const stalls: number[] = []
  let ops = 0
  for (let seed = 1; seed <= count; seed++) {
    const r = runSimulation(seed, { profile })
    ops += r.opsOk
    if (!r.progressedWhenQuiet) stalls.push(seed)
    if (r.violations.length > 0) {
      const flag = profile === 'churn' ? ' --profile churn' : ''
      failures.push(`seed ${seed}: ${r.violations[0]}\n  replay: npx tsx test/simulation/raft/raft-sim-cli.ts --seed ${seed}${flag} --verbose`)
    }
  }
  if (failures.length > 0) console.log(failures.join('\n'))
  return { failures, ops, stalls }
}

describe('raft simulation', () => {
  it(`keeps every safety property and a linearizable history over ${SEEDS} seeds`, () => {
    const { failures, ops, stalls } = runSeeds(SEEDS, 'mixed')
    assert.deepEqual(failures, [])
    assert.ok(ops > SEEDS * 50, `clients completed only ${ops} operations`)
    assert.deepEqual(stalls, [], 'runs that made no progress once the network healed')
  })

  it(`stays safe under leader churn with half-replicated logs (${CHURN_SEEDS} seeds)`, () => {
    const { failures, stalls } = runSeeds(CHURN_SEEDS, 'churn')
    assert.deepEqual(failures, [])
    assert.deepEqual(stalls, [])
  })

  it('is deterministic: the same seed replays the same run', () => {
    const a = runSimulation(77)
    const b = runSimulation(77)
    assert.deepEqual(a, b)
  })

  it('the checks catch a driver that serves reads locally without ReadIndex', () => {
    let caught = 0
    for (let seed = 1; seed <= 40; seed++) {
      const r = runSimulation(seed, { unsafeLocalReads: true })
      if (r.linearizable === false) caught++
    }
    assert.ok(caught > 0, 'stale reads went unnoticed')
  })
})
