import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { Registry } from 'prom-client'
import { registerHistogramSnapshot } from '../../../src/node/metrics.js'
import { LatencyHistogram } from '../../../src/util/pure/latency-histogram.js'

const BOUNDS = [0.001, 0.01, 0.1, 1]

describe('LatencyHistogram', () => {
  it('counts each value in the first bucket whose bound is at least the value, cumulatively', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 10, noNaN: true })), (values) => {
      const h = new LatencyHistogram(BOUNDS)
      for (const v of values) h.observe(v)
      const s = h.snapshot()
      assert.deepEqual(s.cumulative, [...BOUNDS.map(b => values.filter(v => v <= b).length), values.length])
      assert.equal(s.count, values.length)
      assert.ok(Math.abs(s.sum - values.reduce((a, b) => a + b, 0)) < 1e-9)
    }))
  })

  it('refuses bounds that are not strictly ascending or not finite', () => {
    assert.throws(() => new LatencyHistogram([0.1, 0.1]), RangeError)
    assert.throws(() => new LatencyHistogram([1, 0.5]), RangeError)
    assert.throws(() => new LatencyHistogram([0.1, Infinity]), RangeError)
  })

  it('is exposed by a Prometheus registry as a histogram, read at scrape time', async () => {
    const registry = new Registry()
    const h = new LatencyHistogram(BOUNDS)
    registerHistogramSnapshot(registry, 'test_latency_seconds', 'a test', () => h.snapshot())
    h.observe(0.0005)
    h.observe(0.05)
    h.observe(5)
    const text = await registry.metrics()
    assert.match(text, /^# TYPE test_latency_seconds histogram$/m)
    assert.match(text, /^test_latency_seconds_bucket\{le="0.001"\} 1$/m)
    assert.match(text, /^test_latency_seconds_bucket\{le="0.01"\} 1$/m)
    assert.match(text, /^test_latency_seconds_bucket\{le="0.1"\} 2$/m)
    assert.match(text, /^test_latency_seconds_bucket\{le="1"\} 2$/m)
    assert.match(text, /^test_latency_seconds_bucket\{le="\+Inf"\} 3$/m)
    assert.match(text, /^test_latency_seconds_count 3$/m)
    assert.match(text, /^test_latency_seconds_sum 5.0505$/m)
    h.observe(0.5)
    assert.match(await registry.metrics(), /^test_latency_seconds_count 4$/m)
  })
})
