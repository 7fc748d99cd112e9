import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { encodeKvCommand } from '../../../src/consensus/kv/core/index.js'
import { isTaggedBy, readProposalTag, tagProposal } from '../../../src/consensus/raft-service/forwarded-proposals.js'
import { kvCommandArb } from '../../unit/consensus/kv/arbitraries.js'

const instance = fc.uint8Array({ minLength: 8, maxLength: 8 })
const seq = fc.oneof(fc.nat({ max: 300 }), fc.maxSafeNat())

describe('proposal tags (entry data of writes forwarded through the leader)', () => {
  it('readProposalTag(tagProposal(id, seq, command)) gives back id, seq and the command', () => {
    fc.assert(fc.property(instance, seq, fc.uint8Array({ maxLength: 40 }), (id, n, command) => {
      const tag = readProposalTag(tagProposal(id, n, command))
      assert.ok(tag !== undefined)
      assert.equal(tag.seq, n)
      assert.deepEqual(tag.command, command)
      assert.ok(isTaggedBy(tag, id))
    }))
  })

  it('a tag matches no other instance id', () => {
    fc.assert(fc.property(instance, instance, seq, (a, b, n) => {
      fc.pre(!a.every((x, i) => x === b[i]))
      const tag = readProposalTag(tagProposal(a, n, new Uint8Array(0))) as NonNullable<ReturnType<typeof readProposalTag>>
      assert.equal(isTaggedBy(tag, b), false)
    }))
  })

  it('an encoded KV command is never read as tagged', () => {
    fc.assert(fc.property(kvCommandArb({ wideNumbers: true, anyStrings: true }), (cmd) => {
      assert.equal(readProposalTag(encodeKvCommand(cmd)), undefined)
    }))
  })

  it('a truncated tag reads as untagged instead of throwing', () => {
    fc.assert(fc.property(instance, fc.maxSafeNat(), (id, n) => {
      const data = tagProposal(id, n, new Uint8Array(0))
      for (let len = 0; len < data.length; len++) assert.equal(readProposalTag(data.subarray(0, len)), undefined)
    }), { numRuns: 50 })
  })
})
