/**
 * @packageDocumentation
 * The pure core of fedmesh's multi-master replication: clocks, conflict resolvers, CRDTs, integrity
 * checksums and `ReplicaState`, the in-memory state machine that a store adapter persists and a gossip
 * service feeds. No IO, no timers, no randomness: time (ms) is always an argument.
 *
 * @example
 * ```ts
 * const resolvers = { prefixes: { 'cart/': 'merge-union' } } as const
 * const a = new ReplicaState({ nodeId: 'A', resolvers })
 * const b = new ReplicaState({ nodeId: 'B', resolvers })
 * const delta = a.write('cart/1', ['apple'], Date.now())      // persist a.entry('cart/1') and a.meta(), then gossip
 * b.applyDelta(delta, { nowMs: Date.now() })                  // → { status: 'applied', key: 'cart/1', changed: true }
 * b.applyUpdates(a.getUpdatesSince(b.clock()))                // anti-entropy
 * b.read('cart/1')                                            // → { value: ['apple'], clock: { A: 1 }, siblings: 1, capped: false }
 * ```
 *
 * Driving a replica (the adapter's loop):
 * 1. Local write (`write`, `delete`, `mutateCrdt`): persist `entry(key)` and `meta()`, answer the client
 *    with `clockOf(key)`, publish the returned Delta (JSON via `deltaToJSON`).
 * 2. Gossip received: `deltaFromJSON`, `applyDelta(delta, { nowMs })`; if `changed`, persist the entry and
 *    `meta()` (the summary may have advanced even when nothing changed) and notify `onChange` listeners.
 * 3. Periodically, with one peer: send `clock()`, receive `getUpdatesSince(clock)` from it, `applyUpdates`.
 * 4. Periodically: publish `clock()` as this member's acknowledgement; with the latest acknowledgement of
 *    every current member, call `collectGarbage(acks, members)` and delete the keys it returns.
 * 5. Reset-to-known-good (a minority side taking the majority's state): `adoptDelta(delta, nowMs)` for every delta
 *    of the peer's `getUpdatesSince({})`, then `adoptAbsence(peerKeys, hlcWhenStarted, nowMs)`; persist the keys
 *    changed and gossip the corrections they return like local writes.
 * Every replica must be configured with the same resolver table.
 */
export * from './errors.js'
export * from './json.js'
export * from './vector-clock.js'
export * from './hlc.js'
export * from './dot.js'
export * from './versions.js'
export * from './integrity.js'
export * from './resolvers.js'
export * from './entry.js'
export * from './node-table.js'
export * from './replica-state.js'
export * from './crdt/index.js'
export { contextHas, joinContexts, contextOf, nextDot, compactContext, contextToJSON, contextFromJSON, EMPTY_CONTEXT } from './crdt/causal-context.js'
export { joinKernels, kernelToJSON, kernelFromJSON, EMPTY_KERNEL } from './crdt/dot-kernel.js'
