import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { InterArrivalWindow, phi, PHI_MAX } from '../../../../src/mesh/core/health/phi.js'
import { Ewma } from '../../../../src/mesh/core/health/ewma.js'

describe('phi accrual', () => {
  it('is 0 with no silence, about 0.3 at the mean, and grows with silence', () => {
    assert.equal(phi(0, 200, 50), 0)
    assert.ok(Math.abs(phi(200, 200, 50) - Math.log10(2)) < 1e-3)
    assert.ok(phi(400, 200, 50) > 4 && phi(400, 200, 50) < 5)
    assert.equal(phi(1e9, 200, 50), PHI_MAX)
  })

  it('is monotone in the silence and falls as the spread grows', () => {
    fc.assert(fc.property(
      fc.double({ min: 1, max: 1e4, noNaN: true }), fc.double({ min: 0, max: 1e4, noNaN: true }),
      fc.double({ min: 1, max: 2e3, noNaN: true }), fc.double({ min: 1, max: 2e3, noNaN: true }),
      (mean, elapsed, sd, extra) => {
        assert.ok(phi(elapsed + extra, mean, sd) >= phi(elapsed, mean, sd))
        if (elapsed > mean) assert.ok(phi(elapsed, mean, sd + extra) <= phi(elapsed, mean, sd) + 1e-9)
      }))
  })

  it('the window keeps the last N samples and their mean and deviation', () => {
    const w = new InterArrivalWindow(3)
    for (const s of [100, 200, 300, 400]) w.add(s)
    assert.equal(w.size, 3)
    assert.equal(w.mean, 300)
    assert.ok(Math.abs(w.stdDev - Math.sqrt(20000 / 3)) < 1e-6)
    w.add(-1)
    w.add(Number.NaN)
    assert.equal(w.size, 3)
    assert.throws(() => new InterArrivalWindow(0), RangeError)
  })

  it('the EWMA starts at the first sample and moves by alpha', () => {
    const e = new Ewma(0.25)
    assert.equal(e.value, undefined)
    e.add(100)
    e.add(200)
    assert.equal(e.value, 125)
    assert.throws(() => new Ewma(0), RangeError)
  })
})
