import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PartitionDetector } from '../../../../src/mesh/core/partition/partition-detector.js'
import { recoveryPlan } from '../../../../src/mesh/core/partition/recovery.js'
import { HealthView } from '../../../../src/mesh/core/health/health-view.js'
import type { PeerStatus } from '../../../../src/mesh/core/health/types.js'
import type { PartitionEvent } from '../../../../src/mesh/core/partition/types.js'

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5']

/** A status source where `down` peers are dead and the rest alive. */
function statuses (down: readonly string[], suspect: readonly string[] = []): { statusOf: (p: string) => PeerStatus | undefined } {
  return { statusOf: (p) => (down.includes(p) ? 'dead' : suspect.includes(p) ? 'suspect' : NODES.includes(p) ? 'alive' : undefined) }
}

function detector (self: string, extra: Partial<ConstructorParameters<typeof PartitionDetector>[0]> = {}): PartitionDetector {
  const d = new PartitionDetector({ self, ...extra })
  d.setMembers(NODES)
  return d
}

describe('PartitionDetector: a 5-node mesh split 2|3', () => {
  const minoritySide = ['n1', 'n2']
  const majoritySide = ['n3', 'n4', 'n5']

  it('the minority side (n1) sees a minority partition and stops serving locally', () => {
    const d = detector('n1')
    assert.deepEqual(d.update(statuses([]), 0), [])
    assert.equal(d.isPartitioned(), false)
    const events = d.update(statuses(majoritySide), 1000)
    assert.equal(events.length, 1)
    assert.equal(events[0]?.type, 'detected')
    assert.deepEqual(d.current(), { partitioned: true, type: 'minority', affectedNodes: majoritySide, since: 1000 })
    assert.equal(d.shouldServeLocal(), false)
    assert.throws(() => d.assertServing(), { name: 'PartitionedError' })
  })

  it('the majority side (n4) sees a majority partition and keeps serving', () => {
    const d = detector('n4')
    d.update(statuses(minoritySide, []), 1000)
    assert.deepEqual(d.current(), { partitioned: true, type: 'majority', affectedNodes: minoritySide, since: 1000 })
    assert.equal(d.shouldServeLocal(), true)
  })

  it('suspect members count as unreachable', () => {
    const d = detector('n1')
    d.update(statuses(['n3'], ['n4', 'n5']), 0)
    assert.equal(d.current().type, 'minority')
  })

  it('heals on both sides with a plan: anti-entropy with the affected nodes at once', () => {
    for (const [self, cut, side] of [['n1', majoritySide, 'minority'], ['n4', minoritySide, 'majority']] as const) {
      const d = detector(self)
      d.update(statuses(cut), 1000)
      d.update(statuses(cut), 1500)
      const events = d.update(statuses([]), 4000)
      assert.equal(events.length, 1)
      const healed = events[0] as Extract<PartitionEvent, { type: 'healed' }>
      assert.equal(healed.type, 'healed')
      assert.equal(healed.durationMs, 3000)
      assert.equal(healed.plan.side, side)
      assert.deepEqual(healed.plan.actions[0], { kind: 'anti-entropy', peers: [...cut], direction: 'push-pull' })
      assert.equal(healed.plan.actions.some((a) => a.kind === 'resume-serving'), side === 'minority')
      assert.deepEqual(d.current(), { partitioned: false, type: 'none', affectedNodes: [], since: null })
      assert.equal(d.shouldServeLocal(), true)
      assert.deepEqual(d.stats(), { partitionsSeen: 1, healed: 1, partitioned: false, type: 'none', longestMs: 3000, totalPartitionedMs: 3000 })
    }
  })

  it('builds a report with duration, affected nodes, divergence per subsystem and the resolution', () => {
    const d = detector('n1', { strategy: 'merge', serveLocalWhilePartitioned: true })
    const [detected] = d.update(statuses(['n4', 'n5']), 100)
    assert.equal(detected?.type, 'detected')
    assert.equal(d.current().type, 'majority')
    d.update(statuses(['n3', 'n4', 'n5']), 200)
    assert.equal(d.current().type, 'minority')
    assert.equal(d.shouldServeLocal(), true, 'serveLocalWhilePartitioned')
    d.reportDivergence('replication', { localChanges: 3, conflicts: 1 })
    const [healed] = d.update(statuses([]), 5100)
    d.reportDivergence('replication', { remoteChanges: 7, conflicts: 1, detail: 'resolved by LWW' })
    d.reportDivergence('gossip', { detail: 'state versions reconciled' })
    assert.equal(healed?.type, 'healed')
    const report = d.completeRecovery(healed.episode, { outcome: 'resolved' }, 5200)
    assert.deepEqual(report, {
      id: 1,
      startedAt: 100,
      healedAt: 5100,
      durationMs: 5000,
      side: 'minority',
      types: ['majority', 'minority'],
      affectedNodes: ['n3', 'n4', 'n5'],
      plan: { strategy: 'merge', side: 'minority', actions: [{ kind: 'anti-entropy', peers: ['n3', 'n4', 'n5'], direction: 'push-pull' }] },
      divergence: {
        gossip: { detail: 'state versions reconciled' },
        replication: { localChanges: 3, remoteChanges: 7, conflicts: 2, detail: 'resolved by LWW' }
      },
      resolution: { outcome: 'resolved' },
      completedAt: 5200
    })
    assert.deepEqual(d.reports(), [report])
    assert.throws(() => d.completeRecovery(healed.episode, { outcome: 'resolved' }, 5300), { name: 'UnknownPartitionError' })
  })

  it('reports a change of side or of affected nodes while partitioned', () => {
    const d = detector('n1')
    d.update(statuses(['n3', 'n4', 'n5']), 0)
    const changed = d.update(statuses(['n2', 'n3', 'n4', 'n5']), 100)
    assert.deepEqual(changed.map((e) => e.type), ['changed'])
    assert.deepEqual(d.current(), { partitioned: true, type: 'isolated', affectedNodes: ['n2', 'n3', 'n4', 'n5'], since: 0 })
    assert.deepEqual(d.update(statuses(['n2', 'n3', 'n4', 'n5']), 200), [], 'no event without a change')
  })
})

describe('PartitionDetector: rules and options', () => {
  it('a single unreachable member on the quorum side is not a partition (default threshold 2)', () => {
    const d = detector('n1')
    assert.deepEqual(d.update(statuses(['n5']), 0), [])
    const strict = detector('n1', { majoritySideMinUnreachable: 1 })
    assert.equal(strict.update(statuses(['n5']), 0)[0]?.type, 'detected')
    const never = detector('n4', { majoritySideMinUnreachable: Infinity })
    never.update(statuses(['n1', 'n2']), 0)
    assert.equal(never.isPartitioned(), false)
  })

  it('losing the Raft voters quorum is a minority partition even with a majority of members reachable', () => {
    const d = detector('n1')
    d.setVoters(['n1', 'n4', 'n5'])
    d.update(statuses(['n4', 'n5']), 0)
    assert.equal(d.current().type, 'minority')
    d.setVoters(undefined)
    d.update(statuses(['n4', 'n5']), 10)
    assert.equal(d.current().type, 'majority')
  })

  it('debounces detection and healing', () => {
    const d = detector('n1', { detectAfterMs: 500, healAfterMs: 300 })
    assert.deepEqual(d.update(statuses(['n3', 'n4', 'n5']), 0), [])
    assert.deepEqual(d.update(statuses([]), 200), [], 'a blip resets the clock')
    assert.deepEqual(d.update(statuses(['n3', 'n4', 'n5']), 300), [])
    assert.deepEqual(d.update(statuses(['n3', 'n4', 'n5']), 700), [])
    assert.equal(d.update(statuses(['n3', 'n4', 'n5']), 800)[0]?.type, 'detected')
    assert.equal(d.current().since, 300)
    assert.deepEqual(d.update(statuses([]), 900), [])
    assert.equal(d.update(statuses([]), 1200)[0]?.type, 'healed')
  })

  it('members the health view never heard of count as unreachable unless told otherwise', () => {
    const view = new HealthView()
    view.heartbeat('n2', {}, 0)
    const d = detector('n1')
    d.update(view, 0)
    assert.equal(d.current().type, 'minority')
    const lenient = detector('n1', { unknownIsUnreachable: false })
    lenient.update(view, 0)
    assert.equal(lenient.isPartitioned(), false)
  })

  it('a lone node or a node with everyone reachable is never partitioned', () => {
    const alone = new PartitionDetector({ self: 'solo' })
    assert.deepEqual(alone.update(statuses([]), 0), [])
    const d = detector('n1')
    d.update(statuses([]), 0)
    assert.equal(d.isPartitioned(), false)
  })

  it('five live health views split 2|3 and heal: each side sees its own type, all heal at once', () => {
    const views = new Map(NODES.map((n) => [n, new HealthView()]))
    const detectors = new Map(NODES.map((n) => [n, detector(n)]))
    const side = (n: string): number => (n === 'n1' || n === 'n2' ? 0 : 1)
    const linked = (a: string, b: string, t: number): boolean => !(t >= 3000 && t < 7000 && side(a) !== side(b))
    for (const [self, view] of views) for (const p of NODES) if (p !== self) view.connectionOpened(p, 0)
    const events = new Map<string, PartitionEvent[]>(NODES.map((n) => [n, []]))
    for (let t = 0; t <= 10_000; t += 100) {
      for (const [self, view] of views) {
        for (const p of NODES) if (p !== self && t % 200 === 0 && linked(self, p, t)) view.heartbeat(p, { seq: t }, t)
        view.tick(t)
        events.get(self)?.push(...(detectors.get(self) as PartitionDetector).update(view, t))
      }
    }
    for (const n of NODES) {
      const own = events.get(n) as PartitionEvent[]
      assert.deepEqual(own.map((e) => e.type), ['detected', 'healed'], n)
      const [detected, healed] = own as [Extract<PartitionEvent, { type: 'detected' }>, Extract<PartitionEvent, { type: 'healed' }>]
      assert.ok(detected.at > 3000 && detected.at < 4000, `${n} detected at ${detected.at}`)
      assert.equal(detected.state.type, side(n) === 0 ? 'minority' : 'majority', n)
      assert.deepEqual(detected.state.affectedNodes, side(n) === 0 ? ['n3', 'n4', 'n5'] : ['n1', 'n2'], n)
      assert.equal(healed.at, 7000, n)
      assert.equal(healed.plan.side, side(n) === 0 ? 'minority' : 'majority')
    }
  })

  it('plans recovery per strategy and side', () => {
    assert.deepEqual(recoveryPlan('reset-to-known-good', 'minority', ['a'], true).actions, [{ kind: 'adopt-state', from: ['a'] }, { kind: 'resume-serving' }])
    assert.deepEqual(recoveryPlan('reset-to-known-good', 'majority', ['a'], false).actions, [{ kind: 'anti-entropy', peers: ['a'], direction: 'push' }])
    const manual = recoveryPlan('manual', 'minority', ['a', 'b'], true)
    assert.deepEqual(manual.actions.map((a) => a.kind), ['alert-operator'])
    assert.throws(() => new PartitionDetector({ self: 'x', strategy: 'yolo' as 'manual' }), { name: 'InvalidOptionError' })
    assert.throws(() => new PartitionDetector({ self: '' }), { name: 'InvalidOptionError' })
  })
})
