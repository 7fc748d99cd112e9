import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { fingerprintOf, MemorySyncStore } from '../../../src/mesh/core/anti-entropy/index.js'
import { DIGEST_BYTES, FingerprintIndex } from '../../../src/replication/store/fingerprint-index.js'
import type { KeyRange } from '../../../src/mesh/core/anti-entropy/index.js'

/** Keys from a small alphabet so that batches hit existing keys, ranges split them, and order matters. */
const key = fc.stringMatching(/^[a-d\u00e9]{0,4}$/)
const digest = fc.uint8Array({ minLength: DIGEST_BYTES, maxLength: DIGEST_BYTES })
/** A batch of changes: key → digest, or undefined (removed). */
const batch = fc.array(fc.tuple(key, fc.option(digest, { nil: undefined })), { maxLength: 12 })
const range: fc.Arbitrary<KeyRange> = fc.tuple(key, fc.option(key, { nil: null })).map(([lower, upper]) => ({ lower, upper }))

describe('FingerprintIndex answers like the reference MemorySyncStore', () => {
  it('fingerprints, ranks and versions agree after any sequence of batches', () => {
    fc.assert(fc.property(fc.array(batch, { maxLength: 8 }), fc.array(range, { minLength: 1, maxLength: 6 }), fc.nat(6), (batches, ranges, offset) => {
      const index = new FingerprintIndex()
      const reference = new MemorySyncStore()
      for (const changes of batches) {
        const map = new Map(changes)
        index.update(map)
        for (const [k, d] of map) {
          if (d === undefined) reference.delete(k)
          else reference.set({ key: k, version: d, payload: new Uint8Array(0) })
        }
        assert.equal(index.size, reference.size)
        for (const r of ranges) {
          assert.deepEqual(index.fingerprint(r), reference.fingerprint(r))
          assert.equal(index.keyAt(r, offset), reference.keyAt(r, offset))
          const got = index.versions(r)
          assert.deepEqual(got.map(v => [v.key, [...v.version]]), [...reference.versions(r)].map(v => [v.key, [...v.version]]))
          assert.deepEqual(index.fingerprint(r), fingerprintOf(got))
        }
      }
    }), { numRuns: 300 })
  })

  it('returns copies: a later change does not alter versions handed out before', () => {
    const index = new FingerprintIndex()
    index.update(new Map([['k', new Uint8Array(DIGEST_BYTES).fill(1)]]))
    const before = index.versions({ lower: '', upper: null })
    index.update(new Map([['k', new Uint8Array(DIGEST_BYTES).fill(2)]]))
    assert.deepEqual([...before[0]!.version], new Array(DIGEST_BYTES).fill(1))
    assert.deepEqual([...index.digestOf('k')!], new Array(DIGEST_BYTES).fill(2))
  })
})
