/**
 * @packageDocumentation
 *
 * The pure replicated key-value state machine that Raft applies, and its command codec.
 *
 * @example
 * ```ts
 * import { KvStateMachine, encodeKvCommand, decodeKvCommand } from './index.js'
 *
 * const sm = new KvStateMachine()
 * const bytes = encodeKvCommand({ op: 'put', key: 'a', value: new Uint8Array([1]), ifRevision: 0 })
 * sm.apply(1, decodeKvCommand(bytes)) // { ok: true, revision: 1, events: [{ type: 'put', key: 'a', ... }] }
 * sm.get('a')?.modRevision            // 1
 * ```
 */
export {
  KvStateMachine,
  KV_SNAPSHOT_FORMAT_VERSION
} from './kv-state-machine.js'
export type { NamedLockHolder } from './kv-state-machine.js'
export { decodeKvCommand, encodeKvCommand, validateKvCommand, KV_COMMAND_FORMAT_VERSION } from './codec.js'
export { AlreadyAppliedError, MalformedCommandError, MalformedSnapshotError } from './errors.js'
export type * from './types.js'
