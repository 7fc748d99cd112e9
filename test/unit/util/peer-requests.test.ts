import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BreakerRegistry } from '../../../src/mesh/core/breaker/index.js'
import { breakersOf, PeerUnavailableError, requestPeer } from '../../../src/util/peer-requests.js'

describe('requests through the circuit breakers', () => {
  it('goes straight through without a health service', async () => {
    assert.equal(breakersOf({}), undefined)
    assert.equal(await requestPeer(undefined, 'p', async () => 7), 7)
  })

  it('stops asking a peer whose breaker opened, and counts refusals that answered as successes', async () => {
    const breakers = new BreakerRegistry({ minimumRequests: 4, failureRatio: 0.5, openMs: 60_000 })
    const gate = breakersOf({ health: { breakers } })
    assert.ok(gate != null)
    const fail = async (): Promise<never> => { throw new Error('ECONNRESET') }
    for (let i = 0; i < 4; i++) await assert.rejects(requestPeer(gate, 'bad', fail), /ECONNRESET/)
    await assert.rejects(requestPeer(gate, 'bad', async () => 1), PeerUnavailableError)

    const refused = Object.assign(new Error('busy'), { name: 'SyncRefusedError' })
    for (let i = 0; i < 8; i++) await assert.rejects(requestPeer(gate, 'busy', async () => { throw refused }, (e) => e.name === 'SyncRefusedError'))
    assert.equal(await requestPeer(gate, 'busy', async () => 2), 2, 'refusals never open the breaker')

    const aborted = Object.assign(new Error('aborted'), { name: 'AbortError' })
    for (let i = 0; i < 8; i++) await assert.rejects(requestPeer(gate, 'slow', async () => { throw aborted }))
    assert.equal(await requestPeer(gate, 'slow', async () => 3), 3, 'aborts never open the breaker')
  })
})

describe('breakersOf', () => {
  it('finds no breakers in a components object that throws for absent components', () => {
    const components = new Proxy({}, { get (_t, prop) { throw new Error(`${String(prop)} not found`) } })
    assert.equal(breakersOf(components), undefined)
  })
})
