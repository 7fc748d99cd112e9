import fc from 'fast-check'
import type { KvCommand } from '../../../../src/consensus/kv/core/index.js'

/** Small key/name pools so that random commands collide on the same keys and locks. */
const key = fc.oneof(fc.constantFrom('a', 'b', 'a/b', 'a/c', ''), fc.string({ unit: 'grapheme', maxLength: 6 }))
const lockName = fc.constantFrom('l1', 'l2', 'l3')
const owner = fc.constantFrom('alice', 'bob', 'carol')
const smallUint = fc.nat({ max: 40 })
const anyUint = fc.oneof(smallUint, fc.maxSafeNat())

export function kvCommandArb (opts: { wideNumbers?: boolean, anyStrings?: boolean } = {}): fc.Arbitrary<KvCommand> {
  const num = opts.wideNumbers === true ? anyUint : smallUint
  const str = opts.anyStrings === true ? fc.string({ unit: 'grapheme', maxLength: 12 }) : key
  // Bounded so that now + ttlMs stays a safe integer, as the codec requires.
  const time = opts.wideNumbers === true ? fc.nat({ max: 2 ** 52 - 1 }) : fc.nat({ max: 100 })
  const value = fc.uint8Array({ maxLength: 16 })
  return fc.oneof(
    fc.record({ op: fc.constant('put' as const), key: str, value }, { noNullPrototype: true }),
    fc.record({ op: fc.constant('put' as const), key: str, value, ifRevision: num }, { noNullPrototype: true }),
    fc.record({ op: fc.constant('delete' as const), key: str }, { noNullPrototype: true }),
    fc.record({ op: fc.constant('delete' as const), key: str, ifRevision: num }, { noNullPrototype: true }),
    fc.record({ op: fc.constant('lock-acquire' as const), name: opts.anyStrings === true ? str : lockName, owner: opts.anyStrings === true ? str : owner, ttlMs: time, now: time }, { noNullPrototype: true }),
    fc.record({ op: fc.constant('lock-release' as const), name: opts.anyStrings === true ? str : lockName, token: num }, { noNullPrototype: true }),
    fc.record({ op: fc.constant('lock-refresh' as const), name: opts.anyStrings === true ? str : lockName, token: num, ttlMs: time, now: time }, { noNullPrototype: true }),
    fc.constant({ op: 'noop' as const })
  )
}
