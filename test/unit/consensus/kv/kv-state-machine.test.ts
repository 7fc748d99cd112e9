import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  decodeKvCommand, encodeKvCommand, KvStateMachine, type KvCommand, type KvResult
} from '../../../../src/consensus/kv/core/index.js'
import { kvCommandArb } from './arbitraries.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined): string | undefined => b === undefined ? undefined : new TextDecoder().decode(b)

/** Applies commands at consecutive indexes after the current applied index. */
function run (sm: KvStateMachine, ...cmds: KvCommand[]): KvResult[] {
  return cmds.map((cmd) => sm.apply(sm.appliedIndex + 1, cmd))
}

function put (key: string, value: string, ifRevision?: number): KvCommand {
  return ifRevision === undefined ? { op: 'put', key, value: bytes(value) } : { op: 'put', key, value: bytes(value), ifRevision }
}

describe('KvStateMachine: keys and revisions', () => {
  it('starts empty', () => {
    const sm = new KvStateMachine()
    assert.equal(sm.revision, 0)
    assert.equal(sm.appliedIndex, 0)
    assert.equal(sm.size, 0)
    assert.equal(sm.get('a'), undefined)
    assert.deepEqual(sm.list(), [])
  })

  it('tracks store revision, createRevision, modRevision and version', () => {
    const sm = new KvStateMachine()
    const [r1, r2, r3] = run(sm, put('a', '1'), put('b', '1'), put('a', '2'))
    assert.deepEqual(r1, { ok: true, revision: 1, events: [{ type: 'put', key: 'a', value: bytes('1'), revision: 1 }] })
    assert.equal(r2?.revision, 2)
    assert.equal(r3?.revision, 3)
    assert.deepEqual(sm.get('a'), { value: bytes('2'), createRevision: 1, modRevision: 3, version: 2 })
    assert.deepEqual(sm.get('b'), { value: bytes('1'), createRevision: 2, modRevision: 2, version: 1 })
    assert.equal(sm.revision, 3)
    assert.equal(sm.size, 2)
  })

  it('deletes, emits a delete event, and recreates with a fresh createRevision and version', () => {
    const sm = new KvStateMachine()
    run(sm, put('a', '1'), put('a', '2'))
    const [del] = run(sm, { op: 'delete', key: 'a' })
    assert.deepEqual(del, { ok: true, revision: 3, events: [{ type: 'delete', key: 'a', revision: 3 }] })
    assert.equal(sm.get('a'), undefined)
    assert.equal(sm.size, 0)
    run(sm, put('a', '3'))
    assert.deepEqual(sm.get('a'), { value: bytes('3'), createRevision: 4, modRevision: 4, version: 1 })
  })

  it('reports NotFound when deleting an absent key, without a new revision', () => {
    const sm = new KvStateMachine()
    run(sm, put('a', '1'))
    assert.deepEqual(run(sm, { op: 'delete', key: 'b' })[0], { ok: false, error: 'NotFound', revision: 1 })
    assert.equal(sm.revision, 1)
    assert.equal(sm.appliedIndex, 2)
  })

  it('compare-and-swaps on modRevision', () => {
    const sm = new KvStateMachine()
    run(sm, put('a', '1'), put('b', 'x'))
    assert.deepEqual(run(sm, put('a', '2', 2))[0], { ok: false, error: 'RevisionMismatch', revision: 2, currentRevision: 1 })
    assert.equal(text(sm.get('a')?.value), '1')
    assert.equal(sm.revision, 2)
    const ok = run(sm, put('a', '2', 1))[0]
    assert.equal(ok?.ok, true)
    assert.equal(ok?.revision, 3)
    assert.equal(text(sm.get('a')?.value), '2')
    // The old revision no longer matches.
    assert.equal(run(sm, put('a', '3', 1))[0]?.ok, false)
  })

  it('treats ifRevision 0 as only-if-absent', () => {
    const sm = new KvStateMachine()
    assert.equal(run(sm, put('a', 'first', 0))[0]?.ok, true)
    assert.deepEqual(run(sm, put('a', 'second', 0))[0], { ok: false, error: 'RevisionMismatch', revision: 1, currentRevision: 1 })
    assert.equal(text(sm.get('a')?.value), 'first')
    run(sm, { op: 'delete', key: 'a' })
    assert.equal(run(sm, put('a', 'third', 0))[0]?.ok, true)
  })

  it('compare-and-deletes, checking the revision before absence', () => {
    const sm = new KvStateMachine()
    run(sm, put('a', '1'))
    assert.deepEqual(run(sm, { op: 'delete', key: 'a', ifRevision: 7 })[0], { ok: false, error: 'RevisionMismatch', revision: 1, currentRevision: 1 })
    assert.deepEqual(run(sm, { op: 'delete', key: 'b', ifRevision: 7 })[0], { ok: false, error: 'RevisionMismatch', revision: 1, currentRevision: 0 })
    assert.deepEqual(run(sm, { op: 'delete', key: 'b', ifRevision: 0 })[0], { ok: false, error: 'NotFound', revision: 1 })
    assert.equal(run(sm, { op: 'delete', key: 'a', ifRevision: 1 })[0]?.ok, true)
    assert.equal(sm.size, 0)
  })

  it('lists by prefix in key order', () => {
    const sm = new KvStateMachine()
    run(sm, put('b/2', ''), put('a', ''), put('b/1', ''), put('b', ''), put('c', ''), put('b/10', ''), put('ba', ''))
    assert.deepEqual(sm.list('b/'), [{ key: 'b/1', modRevision: 3 }, { key: 'b/10', modRevision: 6 }, { key: 'b/2', modRevision: 1 }])
    assert.deepEqual(sm.list('b').map((l) => l.key), ['b', 'b/1', 'b/10', 'b/2', 'ba'])
    assert.deepEqual(sm.list().map((l) => l.key), ['a', 'b', 'b/1', 'b/10', 'b/2', 'ba', 'c'])
    assert.deepEqual(sm.list('z'), [])
    run(sm, { op: 'delete', key: 'b/10' })
    assert.deepEqual(sm.list('b/').map((l) => l.key), ['b/1', 'b/2'])
  })

  it('noop changes nothing but the applied index', () => {
    const sm = new KvStateMachine()
    run(sm, put('a', '1'))
    const before = sm.snapshot()
    assert.deepEqual(run(sm, { op: 'noop' })[0], { ok: true, revision: 1, events: [] })
    assert.equal(sm.appliedIndex, 2)
    assert.deepEqual(sm.snapshot().subarray(2), before.subarray(2)) // only the appliedIndex byte differs
  })

  it('isolates stored values from caller buffers', () => {
    const sm = new KvStateMachine()
    const value = bytes('abc')
    const [res] = run(sm, { op: 'put', key: 'k', value })
    value.fill(0)
    const got = sm.get('k')?.value as Uint8Array
    got.fill(0)
    if (res?.ok === true) res.events[0]?.value?.fill(0)
    assert.equal(text(sm.get('k')?.value), 'abc')
  })
})

describe('KvStateMachine: apply indexes', () => {
  it('allows gaps and rejects an index at or below the applied one without changing state', () => {
    const sm = new KvStateMachine()
    sm.apply(3, put('a', '1'))
    sm.apply(10, put('a', '2'))
    const digest = sm.digest()
    for (const index of [10, 9, 0]) {
      assert.throws(() => sm.apply(index, put('a', 'again')), (err: Error) => {
        assert.equal(err.name, 'AlreadyAppliedError')
        assert.equal((err as unknown as { appliedIndex: number }).appliedIndex, 10)
        return true
      })
    }
    assert.equal(sm.digest(), digest)
    assert.throws(() => sm.apply(11.5, { op: 'noop' }), RangeError)
  })

  it('rejects a malformed command object without advancing', () => {
    const sm = new KvStateMachine()
    assert.throws(() => sm.apply(1, { op: 'put', key: 'k', value: 'v' } as unknown as KvCommand), { name: 'MalformedCommandError' })
    assert.equal(sm.appliedIndex, 0)
    assert.equal(sm.revision, 0)
  })
})

describe('KvStateMachine: locks', () => {
  const acquire = (name: string, owner: string, ttlMs: number, now: number): KvCommand => ({ op: 'lock-acquire', name, owner, ttlMs, now })

  it('grants a free lock with the new store revision as fencing token', () => {
    const sm = new KvStateMachine()
    run(sm, put('x', '1'))
    const [res] = run(sm, acquire('L', 'alice', 1000, 5000))
    assert.deepEqual(res, { ok: true, revision: 2, events: [], lock: { owner: 'alice', token: 2, expiresAt: 6000 } })
    assert.deepEqual(sm.lock('L'), { owner: 'alice', token: 2, expiresAt: 6000 })
  })

  it('refuses a held, unexpired lock to another owner and names the holder', () => {
    const sm = new KvStateMachine()
    run(sm, acquire('L', 'alice', 1000, 5000))
    assert.deepEqual(run(sm, acquire('L', 'bob', 1000, 5999))[0], {
      ok: false, error: 'LockHeld', revision: 1, holder: { owner: 'alice', token: 1, expiresAt: 6000 }
    })
    assert.equal(sm.revision, 1)
    assert.equal(sm.lock('L')?.owner, 'alice')
  })

  it('lets another owner take an expired lock, with a larger token', () => {
    const sm = new KvStateMachine()
    run(sm, acquire('L', 'alice', 1000, 5000), put('x', '1'))
    const [res] = run(sm, acquire('L', 'bob', 1000, 6000)) // expiry is inclusive: now >= expiresAt
    assert.deepEqual(res, { ok: true, revision: 3, events: [], lock: { owner: 'bob', token: 3, expiresAt: 7000 } })
    // Alice's token is now stale: she can neither refresh nor release.
    assert.deepEqual(run(sm, { op: 'lock-refresh', name: 'L', token: 1, ttlMs: 1000, now: 6001 })[0], { ok: false, error: 'InvalidToken', revision: 3 })
    assert.deepEqual(run(sm, { op: 'lock-release', name: 'L', token: 1 })[0], { ok: false, error: 'InvalidToken', revision: 3 })
    assert.equal(sm.lock('L')?.owner, 'bob')
  })

  it('treats a re-acquire by the holder as a fresh grant that invalidates the old token', () => {
    const sm = new KvStateMachine()
    run(sm, acquire('L', 'alice', 1000, 0))
    const [again] = run(sm, acquire('L', 'alice', 500, 100))
    assert.deepEqual(again, { ok: true, revision: 2, events: [], lock: { owner: 'alice', token: 2, expiresAt: 600 } })
    assert.equal(run(sm, { op: 'lock-release', name: 'L', token: 1 })[0]?.ok, false)
  })

  it('issues strictly increasing fencing tokens across grants', () => {
    const sm = new KvStateMachine()
    const tokens: number[] = []
    let now = 0
    for (let i = 0; i < 30; i++) {
      const owner = ['a', 'b', 'c'][i % 3] as string
      const [res] = run(sm, acquire('L', owner, 10, now), put('k', String(i)))
      assert.ok(res?.ok === true)
      tokens.push(res.lock?.token as number)
      now += 10
    }
    for (let i = 1; i < tokens.length; i++) assert.ok((tokens[i] as number) > (tokens[i - 1] as number))
  })

  it('refreshes with the current token while unexpired, keeping the token', () => {
    const sm = new KvStateMachine()
    run(sm, acquire('L', 'alice', 1000, 0))
    assert.deepEqual(run(sm, { op: 'lock-refresh', name: 'L', token: 1, ttlMs: 1000, now: 900 })[0], {
      ok: true, revision: 2, events: [], lock: { owner: 'alice', token: 1, expiresAt: 1900 }
    })
    assert.deepEqual(run(sm, acquire('L', 'bob', 1000, 1500))[0]?.ok, false)
    assert.deepEqual(run(sm, { op: 'lock-refresh', name: 'L', token: 2, ttlMs: 1000, now: 1000 })[0], { ok: false, error: 'InvalidToken', revision: 2 })
    assert.deepEqual(run(sm, { op: 'lock-refresh', name: 'L', token: 1, ttlMs: 1000, now: 1900 })[0], { ok: false, error: 'InvalidToken', revision: 2 })
    assert.deepEqual(run(sm, { op: 'lock-refresh', name: 'nope', token: 1, ttlMs: 1000, now: 0 })[0], { ok: false, error: 'NotFound', revision: 2 })
  })

  it('releases with the current token only', () => {
    const sm = new KvStateMachine()
    run(sm, acquire('L', 'alice', 1000, 0))
    assert.deepEqual(run(sm, { op: 'lock-release', name: 'L', token: 99 })[0], { ok: false, error: 'InvalidToken', revision: 1 })
    assert.deepEqual(run(sm, { op: 'lock-release', name: 'L', token: 1 })[0], { ok: true, revision: 2, events: [] })
    assert.equal(sm.lock('L'), undefined)
    assert.deepEqual(run(sm, { op: 'lock-release', name: 'L', token: 1 })[0], { ok: false, error: 'NotFound', revision: 2 })
    assert.equal(run(sm, acquire('L', 'bob', 1000, 10))[0]?.ok, true)
  })

  it('keeps locks independent of each other and of keys', () => {
    const sm = new KvStateMachine()
    run(sm, acquire('L1', 'alice', 1000, 0), acquire('L2', 'bob', 1000, 0), put('L1', 'not a lock'))
    assert.deepEqual(sm.locks().map((l) => [l.name, l.owner, l.token]), [['L1', 'alice', 1], ['L2', 'bob', 2]])
    assert.equal(text(sm.get('L1')?.value), 'not a lock')
  })
})

describe('KvStateMachine: snapshots and determinism', () => {
  it('a large snapshot holds at most an eighth more memory than its bytes (after puts, overwrites, deletes and a restore)', () => {
    const sm = new KvStateMachine()
    const value = 'v'.repeat(100)
    for (let i = 0; i < 3000; i++) run(sm, put(`key/${i}`, value))
    for (let i = 0; i < 1000; i++) run(sm, put(`key/${i}`, 'short'), { op: 'delete', key: `key/${i + 1000}` })
    const slack = (s: Uint8Array): number => s.buffer.byteLength - s.byteLength
    const snap = sm.snapshot()
    assert.ok(snap.byteLength > 64 * 1024)
    assert.ok(slack(snap) <= snap.byteLength / 8, `${slack(snap)} spare bytes for ${snap.byteLength}`)
    const restored = KvStateMachine.restore(snap)
    run(restored, put('key/x', value))
    const again = restored.snapshot()
    assert.ok(slack(again) <= again.byteLength / 8)
    assert.deepEqual(KvStateMachine.restore(again).get('key/x')?.value, new TextEncoder().encode(value))
  })

  it('restores an identical machine (static and in place)', () => {
    const sm = new KvStateMachine()
    run(sm, put('a', '1'), put('b', '2'), put('a', '3'), { op: 'delete', key: 'b' },
      { op: 'lock-acquire', name: 'L', owner: 'o', ttlMs: 10, now: 5 }, put('ü/😀', 'x'))
    const snap = sm.snapshot()
    const copy = KvStateMachine.restore(snap)
    assert.equal(copy.appliedIndex, sm.appliedIndex)
    assert.equal(copy.revision, sm.revision)
    assert.equal(copy.size, sm.size)
    assert.deepEqual(copy.get('a'), sm.get('a'))
    assert.deepEqual(copy.list(), sm.list())
    assert.deepEqual(copy.lock('L'), sm.lock('L'))
    assert.deepEqual(copy.snapshot(), snap)
    assert.equal(copy.digest(), sm.digest())
    assert.match(sm.digest(), /^[0-9a-f]{64}$/)

    const other = new KvStateMachine()
    run(other, put('zzz', 'to be replaced'))
    other.restore(snap)
    assert.equal(other.digest(), sm.digest())
    assert.equal(other.get('zzz'), undefined)
    // A restored machine continues exactly like the original.
    assert.deepEqual(run(other, put('a', '4', 3)), run(sm, put('a', '4', 3)))
    assert.equal(other.digest(), sm.digest())
  })

  it('rejects malformed snapshots with MalformedSnapshotError, leaving the state unchanged', () => {
    const sm = new KvStateMachine()
    run(sm, put('a', '1'), put('b', '2'), { op: 'lock-acquire', name: 'L', owner: 'o', ttlMs: 10, now: 5 })
    const good = sm.snapshot()
    const target = new KvStateMachine()
    run(target, put('keep', 'me'))
    const digest = target.digest()
    const bad: Uint8Array[] = [new Uint8Array(), Uint8Array.from([...good, 0]), good.subarray(0, good.length - 1), Uint8Array.from([9, ...good.subarray(1)])]
    // keys out of order: hand-build a snapshot with keys 'b' before 'a'
    bad.push(Uint8Array.from([1, 2, 2, 2, 1, 0x62, 0, 1, 1, 1, 1, 0x61, 0, 2, 2, 1, 0]))
    // modRevision above the store revision
    bad.push(Uint8Array.from([1, 1, 1, 1, 1, 0x61, 0, 1, 2, 1, 0]))
    for (const b of bad) {
      assert.throws(() => target.restore(b), { name: 'MalformedSnapshotError' })
      assert.equal(target.digest(), digest)
    }
    // The hand-built format is right: with keys in order it restores.
    const ordered = KvStateMachine.restore(Uint8Array.from([1, 2, 2, 2, 1, 0x61, 0, 1, 1, 1, 1, 0x62, 0, 2, 2, 1, 0]))
    assert.deepEqual(ordered.list(), [{ key: 'a', modRevision: 1 }, { key: 'b', modRevision: 2 }])
  })

  it('never throws anything but MalformedSnapshotError on random or corrupted bytes (property)', () => {
    const sm = new KvStateMachine()
    run(sm, put('a', '1'), put('b', '2'), { op: 'lock-acquire', name: 'L', owner: 'o', ttlMs: 10, now: 5 })
    const good = sm.snapshot()
    const corrupted = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
      const b = good.slice()
      b[at % b.length] ^= x
      return b
    })
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), corrupted), (b) => {
      let restored: KvStateMachine
      try {
        restored = KvStateMachine.restore(b)
      } catch (err) {
        assert.equal((err as Error).name, 'MalformedSnapshotError', String(err))
        return
      }
      assert.deepEqual(restored.snapshot(), b) // an accepted snapshot is canonical
    }), { numRuns: 5000 })
  })

  it('gives equal states equal snapshots whatever order keys and locks were inserted in', () => {
    const live = new KvStateMachine()
    run(live, put('y', ''), put('x', ''), { op: 'lock-acquire', name: 'L2', owner: 'o', ttlMs: 1, now: 1 }, { op: 'lock-acquire', name: 'L1', owner: 'o', ttlMs: 1, now: 1 })
    const restored = KvStateMachine.restore(live.snapshot()) // built in sorted order
    const more: KvCommand[] = [put('a', ''), { op: 'lock-acquire', name: 'L0', owner: 'p', ttlMs: 1, now: 1 }, { op: 'delete', key: 'y' }]
    run(live, ...more)
    run(restored, ...more)
    assert.equal(restored.digest(), live.digest())
    assert.deepEqual(restored.locks(), live.locks())
    // A different history gives a different digest.
    const other = new KvStateMachine()
    run(other, put('x', ''), put('y', ''), { op: 'lock-acquire', name: 'L2', owner: 'o', ttlMs: 1, now: 1 }, { op: 'lock-acquire', name: 'L1', owner: 'o', ttlMs: 1, now: 1 }, ...more)
    assert.notEqual(other.digest(), live.digest())
  })

  it('replicas applying the same encoded log agree, also across a snapshot/restore mid-way (property)', () => {
    fc.assert(fc.property(fc.array(kvCommandArb(), { maxLength: 80 }), fc.nat(), fc.array(fc.nat({ max: 3 }), { maxLength: 80 }), (cmds, cut, gaps) => {
      const leader = new KvStateMachine()
      const follower = new KvStateMachine()
      let lagging = new KvStateMachine()
      const split = cmds.length === 0 ? 0 : cut % cmds.length
      let index = 0
      cmds.forEach((cmd, i) => {
        index += 1 + (gaps[i] ?? 0)
        const wire = encodeKvCommand(cmd)
        const r1 = leader.apply(index, cmd)
        const r2 = follower.apply(index, decodeKvCommand(wire))
        assert.deepEqual(r2, r1)
        if (i === split) lagging = KvStateMachine.restore(leader.snapshot())
        else if (i > split) assert.deepEqual(lagging.apply(index, decodeKvCommand(wire)), r1)
        // Invariants of every state.
        assert.ok(r1.revision === leader.revision)
        for (const { key, modRevision } of leader.list()) {
          const e = leader.get(key)
          assert.ok(e !== undefined && e.modRevision === modRevision && e.createRevision <= modRevision && modRevision <= leader.revision)
        }
      })
      assert.equal(follower.digest(), leader.digest())
      if (cmds.length > 0) assert.equal(lagging.digest(), leader.digest())
      assert.equal(leader.appliedIndex, index)
    }), { numRuns: 300 })
  })

  it('agrees with a plain reference model of revisions and locks (property)', () => {
    fc.assert(fc.property(fc.array(kvCommandArb(), { maxLength: 100 }), (cmds) => {
      const sm = new KvStateMachine()
      const keys = new Map<string, { value: Uint8Array, create: number, mod: number, version: number }>()
      const locks = new Map<string, { owner: string, token: number, expiresAt: number }>()
      let rev = 0
      let lastToken = 0
      cmds.forEach((cmd, i) => {
        const res = sm.apply(i + 1, cmd)
        let expectOk: boolean
        switch (cmd.op) {
          case 'put': {
            const cur = keys.get(cmd.key)
            expectOk = cmd.ifRevision === undefined || cmd.ifRevision === (cur?.mod ?? 0)
            if (expectOk) {
              rev++
              keys.set(cmd.key, { value: cmd.value, create: cur?.create ?? rev, mod: rev, version: (cur?.version ?? 0) + 1 })
            }
            break
          }
          case 'delete': {
            const cur = keys.get(cmd.key)
            expectOk = cur !== undefined && (cmd.ifRevision === undefined || cmd.ifRevision === cur.mod)
            if (expectOk) { rev++; keys.delete(cmd.key) }
            break
          }
          case 'lock-acquire': {
            const cur = locks.get(cmd.name)
            expectOk = cur === undefined || cur.owner === cmd.owner || cmd.now >= cur.expiresAt
            if (expectOk) {
              rev++
              locks.set(cmd.name, { owner: cmd.owner, token: rev, expiresAt: cmd.now + cmd.ttlMs })
              assert.ok(rev > lastToken)
              lastToken = rev
            }
            break
          }
          case 'lock-release': {
            expectOk = locks.get(cmd.name)?.token === cmd.token
            if (expectOk) { rev++; locks.delete(cmd.name) }
            break
          }
          case 'lock-refresh': {
            const cur = locks.get(cmd.name)
            expectOk = cur !== undefined && cur.token === cmd.token && cmd.now < cur.expiresAt
            if (expectOk && cur !== undefined) { rev++; locks.set(cmd.name, { ...cur, expiresAt: cmd.now + cmd.ttlMs }) }
            break
          }
          case 'noop':
            expectOk = true
        }
        assert.equal(res.ok, expectOk, JSON.stringify(cmd))
        assert.equal(res.revision, rev)
      })
      assert.equal(sm.size, keys.size)
      for (const [k, v] of keys) assert.deepEqual(sm.get(k), { value: v.value, createRevision: v.create, modRevision: v.mod, version: v.version })
      for (const [n, l] of locks) assert.deepEqual(sm.lock(n), l)
      assert.equal(sm.locks().length, locks.size)
      const sorted = [...keys.keys()].sort()
      assert.deepEqual(sm.list(), sorted.map((key) => ({ key, modRevision: keys.get(key)?.mod })))
      for (const prefix of ['a', 'a/', 'b', 'zz']) assert.deepEqual(sm.list(prefix).map((l) => l.key), sorted.filter((k) => k.startsWith(prefix)))
    }), { numRuns: 300 })
  })

  it('lists and snapshots the same whenever they are asked, with keys created, deleted and created again (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom('a', 'b', 'a/1', 'a/2', 'c', 'b/x', 'd') }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'a/1', 'a/2', 'c', 'b/x', 'd') }),
      fc.record({ kind: fc.constant('list' as const), key: fc.constantFrom('', 'a', 'b') })
    )
    fc.assert(fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      const eager = new KvStateMachine()
      const lazy = new KvStateMachine()
      const model = new Map<string, number>()
      let index = 0
      for (const o of ops) {
        if (o.kind === 'list') {
          const want = [...model.keys()].filter(k => k.startsWith(o.key)).sort().map(key => ({ key, modRevision: model.get(key) }))
          assert.deepEqual(eager.list(o.key), want)
          continue
        }
        index++
        const cmd = o.kind === 'put' ? { op: 'put' as const, key: o.key, value: new Uint8Array([index & 255]) } : { op: 'delete' as const, key: o.key }
        const r = eager.apply(index, cmd)
        lazy.apply(index, cmd)
        if (r.ok && o.kind === 'put') model.set(o.key, r.revision)
        if (r.ok && o.kind === 'delete') model.delete(o.key)
      }
      assert.deepEqual(lazy.snapshot(), eager.snapshot(), 'the snapshot does not depend on when keys were listed')
      assert.deepEqual(lazy.list(), eager.list())
    }), { numRuns: 500 })
  })
})
