import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BUSY_CPU, firstEvent, runScenario } from './scenario.js'

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1)

describe('detection scenarios (simulated time, default settings)', () => {
  it('a killed peer (connection closes) goes suspect then dead within 1 s', () => {
    for (const seed of SEEDS) {
      const killAt = 8000 + seed * 37
      const { events } = runScenario({ seed, durationMs: killAt + 5000, killAt })
      const suspect = firstEvent(events, 'suspect')
      const dead = firstEvent(events, 'dead')
      assert.ok(suspect !== undefined && dead !== undefined, `seed ${seed}`)
      assert.ok(suspect >= killAt && suspect <= dead)
      assert.ok(dead - killAt <= 1000, `seed ${seed}: dead ${dead - killAt} ms after the kill`)
    }
  })

  it('a frozen peer (connection stays) goes suspect, then dead within 3 s, not before 2 s', () => {
    for (const seed of SEEDS) {
      const freezeAt = 8000 + seed * 37
      const { events } = runScenario({ seed, durationMs: freezeAt + 6000, freezeAt })
      const suspect = firstEvent(events, 'suspect')
      const dead = firstEvent(events, 'dead')
      assert.ok(suspect !== undefined && dead !== undefined, `seed ${seed}`)
      assert.ok(suspect >= freezeAt && suspect < dead)
      assert.ok(dead - freezeAt <= 3000, `seed ${seed}: dead ${dead - freezeAt} ms after the freeze`)
      assert.ok(dead - freezeAt >= 2000, `seed ${seed}: dead only ${dead - freezeAt} ms after the freeze`)
    }
  })

  it('a thawed peer is alive again with its first heartbeat (within 200 ms of the thaw)', () => {
    for (const seed of SEEDS) {
      const freezeAt = 8000 + seed * 37
      const thawAt = freezeAt + 4000
      const { events } = runScenario({ seed, durationMs: thawAt + 3000, freezeAt, thawAt })
      assert.ok(firstEvent(events, 'dead') !== undefined)
      const alive = firstEvent(events, 'alive', thawAt)
      assert.ok(alive !== undefined && alive - thawAt <= 200, `seed ${seed}: alive ${alive === undefined ? 'never' : alive - thawAt} ms after thaw`)
      assert.ok(!events.some((e) => e.at > alive && e.type !== 'alive'), 'stays alive')
    }
  })

  it('a busy CPU (late heartbeats, slow delivery, observer stalls) never produces a false dead over 60 s', () => {
    let longestGap = 0
    for (let seed = 1; seed <= 100; seed++) {
      const { events, longestGapMs } = runScenario({ seed, durationMs: 60_000, busy: BUSY_CPU })
      longestGap = Math.max(longestGap, longestGapMs)
      const dead = events.find((e) => e.type === 'dead')
      assert.equal(dead, undefined, `seed ${seed}: false dead at ${dead?.at}`)
    }
    assert.ok(longestGap >= 1000, `the scenario is meant to be harsh (longest gap ${longestGap} ms)`)
  })

  it('control: a naive fixed 900 ms timeout with no local health falls for the same busy CPU', () => {
    let falseDeaths = 0
    for (let seed = 1; seed <= 20; seed++) {
      const { events } = runScenario({
        seed,
        durationMs: 60_000,
        busy: BUSY_CPU,
        health: { suspectAfterMs: 600, deadAfterMs: 900, minSuspectMs: 0, maxLocalHealthScore: 0, selfPauseThresholdMs: Infinity }
      })
      if (events.some((e) => e.type === 'dead')) falseDeaths++
    }
    assert.ok(falseDeaths >= 10, `only ${falseDeaths} of 20 runs fooled the naive detector`)
  })

  it('an observer that itself stalls for up to 2.5 s does not condemn peers; without local health and stall forgiveness it would', () => {
    const stalls = { ...BUSY_CPU, observerBlockChance: 0.02, observerBlockMaxMs: 2500 }
    let withDead = 0; let withSuspect = 0; let withoutDead = 0; let withoutSuspect = 0
    for (let seed = 1; seed <= 100; seed++) {
      const guarded = runScenario({ seed, durationMs: 60_000, busy: stalls }).events
      withDead += guarded.filter((e) => e.type === 'dead').length
      withSuspect += guarded.filter((e) => e.type === 'suspect').length
      const naive = runScenario({ seed, durationMs: 60_000, busy: stalls, health: { maxLocalHealthScore: 0, selfPauseThresholdMs: Infinity } }).events
      withoutDead += naive.filter((e) => e.type === 'dead').length
      withoutSuspect += naive.filter((e) => e.type === 'suspect').length
    }
    assert.equal(withDead, 0)
    assert.ok(withoutDead > 0, 'the control should show false deads')
    assert.ok(withSuspect * 5 < withoutSuspect, `suspects with ${withSuspect}, without ${withoutSuspect}`)
  })
})
