import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ForwardedProposals, readProposalTag } from '../../../../src/consensus/raft-service/forwarded-proposals.js'
import type { KvResult } from '../../../../src/consensus/kv/core/index.js'

const id = (b: number): Uint8Array => new Uint8Array(8).fill(b)
const result = (revision: number): KvResult => ({ ok: true, revision, events: [] })
const command = new Uint8Array([1, 2, 3])

describe('ForwardedProposals', () => {
  it('answers the caller when its own tagged entry is applied, with that result, and ignores other instances', async () => {
    let applied = 0
    const fp = new ForwardedProposals(id(1), { applied: () => { applied++ } })
    const other = new ForwardedProposals(id(2))
    const { seq, data } = fp.tag(command)
    const waiting = fp.wait(seq, 'leader', 5_000)
    const foreign = readProposalTag(other.tag(command).data)!
    fp.settle({ ...foreign, seq }, result(1))
    assert.equal(fp.size, 1)
    const tag = readProposalTag(data)!
    assert.deepEqual(tag.command, command)
    fp.settle(tag, result(7))
    assert.deepEqual(await waiting, result(7))
    assert.equal(fp.size, 0)
    assert.equal(applied, 1)
    fp.settle(tag, result(8)) // applied again (e.g. replayed after a restart of the state machine): nobody waits
  })

  it('fails proposals sent to a former leader at once, and keeps those sent to the current one', async () => {
    let failed = 0
    const fp = new ForwardedProposals(id(1), { failed: () => { failed++ } })
    const a = fp.tag(command)
    const b = fp.tag(command)
    const toOld = fp.wait(a.seq, 'old', 5_000)
    const toNew = fp.wait(b.seq, 'new', 5_000)
    fp.failUnlessLeader('new', () => new Error('leader changed'))
    await assert.rejects(toOld, /leader changed/)
    assert.equal(fp.size, 1)
    fp.settle(readProposalTag(b.data)!, result(3))
    assert.deepEqual(await toNew, result(3))
    assert.equal(failed, 1)
  })

  it('gives up with NoQuorumError once expired past the timeout, or when the caller aborts', async () => {
    const fp = new ForwardedProposals(id(1))
    const t = fp.tag(command)
    const waiting = fp.wait(t.seq, 'l', 20)
    fp.expire(performance.now())
    assert.equal(fp.size, 1)
    fp.expire(performance.now() + 20)
    await assert.rejects(waiting, { name: 'NoQuorumError', message: /not applied within 20 ms/ })
    const controller = new AbortController()
    const a = fp.tag(command)
    const aborted = fp.wait(a.seq, 'l', 5_000, controller.signal)
    controller.abort()
    await assert.rejects(aborted, { name: 'NoQuorumError' })
    assert.equal(fp.size, 0)
  })

  it('refuses an instance id that is not 8 bytes', () => {
    assert.throws(() => new ForwardedProposals(new Uint8Array(4)), RangeError)
  })
})
