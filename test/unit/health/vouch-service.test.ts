import '../../../src/util/polyfill.js'
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { identify } from '@libp2p/identify'
import { peerExchange } from '../../../src/discovery/peer-exchange/index.js'
import { health } from '../../../src/mesh/health/index.js'
import { seededRandom } from '../../../src/util/pure/random.js'
import { loopbackNode } from '../../helpers/loopback-node.js'
import type { PeerExchange, PeerExchangeInit } from '../../../src/discovery/peer-exchange/index.js'
import type { HealthInit, HealthService, PeerHealthEventDetail } from '../../../src/mesh/health/index.js'
import type { Libp2p } from '@libp2p/interface'

type MemberNode = Libp2p<{ identify: unknown, exchange: PeerExchange, health: HealthService }>

/** Short silence thresholds so a vouched-for peer without a direct link is condemned within a second. */
const FAST_VIEW: HealthInit['view'] = { suspectAfterMs: 400, deadAfterMs: 800, minDeadAfterMs: 400, minSuspectMs: 100 }

async function member (exchange: PeerExchangeInit = {}, healthInit: HealthInit = {}): Promise<MemberNode> {
  const node = await loopbackNode({
    identify: identify(),
    exchange: peerExchange({ interval: 60_000, random: seededRandom(5), ...exchange }),
    health: health({ pingIntervalMs: 0, measureEventLoopLag: false, view: FAST_VIEW, ...healthInit })
  })
  return node as unknown as MemberNode
}

async function waitFor (check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

function record (service: HealthService, peer: string): PeerHealthEventDetail[] {
  const out: PeerHealthEventDetail[] = []
  for (const type of ['joined', 'alive', 'suspect', 'dead', 'left'] as const) {
    service.addEventListener(type, (evt) => { if (evt.detail.peer === peer) out.push(evt.detail) })
  }
  return out
}

describe('health service: members vouch for newcomers they announce', () => {
  const nodes: MemberNode[] = []
  after(async () => { await Promise.all(nodes.map(async n => n.stop())) })

  /**
   * A hub, a member `other` (with these options) linked to it and seeing it alive, and a newcomer; `events` records
   * what `other` reports about the newcomer, and `join()` has the newcomer dial the hub, which announces it.
   */
  async function scene (otherExchange: PeerExchangeInit, otherHealth: HealthInit = {}): Promise<{
    hub: MemberNode, other: MemberNode, newcomer: MemberNode, events: PeerHealthEventDetail[], join: () => Promise<void>
  }> {
    const hub = await member()
    const other = await member(otherExchange, otherHealth)
    const newcomer = await member({ minConnections: 1 })
    nodes.push(hub, other, newcomer)
    await other.dial(hub.getMultiaddrs()[0] as never)
    await waitFor(() => other.services.health.statusOf(hub.peerId) === 'alive', 3000, 'other sees the hub alive')
    const events = record(other.services.health, newcomer.peerId.toString())
    return { hub, other, newcomer, events, join: async () => { await newcomer.dial(hub.getMultiaddrs()[0] as never) } }
  }

  it('a member holds an announced newcomer alive before any link to it, then by its own link', async () => {
    const { other, newcomer, events, join } = await scene({ announceDialDelay: 50 })

    await join()
    await waitFor(() => other.services.health.statusOf(newcomer.peerId) === 'alive', 3000, 'other holds the newcomer alive')
    assert.deepEqual(events[0], { ...events[0], type: 'joined', reason: 'vouched' })
    assert.equal(other.services.health.stats.vouchesAccepted, 1)

    await waitFor(() => other.services.health.get(newcomer.peerId)?.connected === true, 5000, 'other linked to the newcomer')
    const direct = other.services.health.get(newcomer.peerId)
    assert.equal(direct?.vouchedBy, undefined, 'the direct link replaced the vouch')
    assert.equal(direct?.status, 'alive')
    assert.ok(other.getConnections(newcomer.peerId).some(c => c.direction === 'outbound'), 'other dialed the newcomer it was told about')
    assert.deepEqual(events.map(e => e.type), ['joined'], 'no status change on the way')
  })

  it('a vouched-for peer that never gets a direct link goes suspect, then dead, by the silence rules', async () => {
    // This member never dials what it is told about, and the newcomer never dials it.
    const { hub, other, newcomer, events, join } = await scene({ announceDialDelay: 60_000 })

    await join()
    await waitFor(() => other.services.health.statusOf(newcomer.peerId) === 'alive', 3000, 'vouched alive')
    const vouchedAt = Date.now()
    assert.equal(other.services.health.get(newcomer.peerId)?.vouchedBy, hub.peerId.toString())
    const picks = Array.from({ length: 4 }, () => other.services.health.balancer.select()?.toString())
    assert.ok(picks.every(p => p === hub.peerId.toString()), `not selectable without a link (picked ${picks.join(', ')})`)

    await waitFor(() => other.services.health.statusOf(newcomer.peerId) === 'dead', 3000, 'dead without a direct link')
    const elapsed = Date.now() - vouchedAt
    assert.deepEqual(events.map(e => `${e.type}:${e.reason}`), ['joined:vouched', 'suspect:silence', 'dead:silence'])
    assert.ok(elapsed >= 700, `dead only after deadAfterMs of silence (${elapsed} ms)`)
    assert.equal(other.getConnections(newcomer.peerId).length, 0)
    // The newcomer is alive all along at the hub, which has its own link.
    assert.equal(hub.services.health.statusOf(newcomer.peerId), 'alive')
  })

  it('ignores vouches when acceptVouches is false', async () => {
    const { other, newcomer, join } = await scene({ announceDialDelay: 60_000 }, { acceptVouches: false })
    await join()
    await waitFor(() => other.services.exchange.stats.announcesReceived === 1, 3000, 'the announcement arrived')
    await new Promise(resolve => setTimeout(resolve, 50))
    assert.equal(other.services.health.statusOf(newcomer.peerId), undefined)
    assert.equal(other.services.health.stats.vouchesAccepted, 0)
  })
})
