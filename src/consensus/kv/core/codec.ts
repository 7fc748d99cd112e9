import { ByteReader, ByteWriter, isUint, isWellFormedString } from './bytes.js'
import { MalformedCommandError } from './errors.js'
import type { KvCommand } from './types.js'

/**
 * Wire format of a command (all integers unsigned LEB128, strings UTF-8, both length-prefixed where
 * variable):
 *
 *   version (1 byte, = 1) | header (1 byte: op code in bits 0-3, bit 4 = ifRevision present) | fields
 *
 *   put           key, value, [ifRevision]
 *   delete        key, [ifRevision]
 *   lock-acquire  name, owner, ttlMs, now
 *   lock-release  name, token
 *   lock-refresh  name, token, ttlMs, now
 *   noop          (nothing)
 *
 * The encoding is canonical: `encodeKvCommand(decodeKvCommand(b))` equals `b` for every accepted `b`.
 */
export const KV_COMMAND_FORMAT_VERSION = 1

const OP_CODES = {
  put: 1,
  delete: 2,
  'lock-acquire': 3,
  'lock-release': 4,
  'lock-refresh': 5,
  noop: 6
} as const

const HAS_IF_REVISION = 0x10
const OP_MASK = 0x0f

function fail (reason: string): MalformedCommandError {
  return new MalformedCommandError(`malformed key-value command: ${reason}`)
}

function checkString (value: unknown, field: string): void {
  if (typeof value !== 'string') throw fail(`${field} must be a string`)
  if (!isWellFormedString(value)) throw fail(`${field} contains an unpaired surrogate`)
}

function checkUint (value: unknown, field: string): void {
  if (!isUint(value)) throw fail(`${field} must be a non-negative safe integer`)
}

/**
 * Throws `MalformedCommandError` unless `cmd` is a well-formed command: known op, strings without
 * unpaired surrogates, `Uint8Array` values, every number a non-negative safe integer and
 * `now + ttlMs` a safe integer.
 */
export function validateKvCommand (cmd: unknown): asserts cmd is KvCommand {
  if (cmd === null || typeof cmd !== 'object') throw fail('not an object')
  const c = cmd as Record<string, unknown>
  switch (c.op) {
    case 'put':
      checkString(c.key, 'key')
      if (!(c.value instanceof Uint8Array)) throw fail('value must be a Uint8Array')
      if (c.ifRevision !== undefined) checkUint(c.ifRevision, 'ifRevision')
      return
    case 'delete':
      checkString(c.key, 'key')
      if (c.ifRevision !== undefined) checkUint(c.ifRevision, 'ifRevision')
      return
    case 'lock-acquire':
      checkString(c.name, 'name')
      checkString(c.owner, 'owner')
      checkUint(c.ttlMs, 'ttlMs')
      checkUint(c.now, 'now')
      if (!Number.isSafeInteger((c.now as number) + (c.ttlMs as number))) throw fail('now + ttlMs is not a safe integer')
      return
    case 'lock-release':
      checkString(c.name, 'name')
      checkUint(c.token, 'token')
      return
    case 'lock-refresh':
      checkString(c.name, 'name')
      checkUint(c.token, 'token')
      checkUint(c.ttlMs, 'ttlMs')
      checkUint(c.now, 'now')
      if (!Number.isSafeInteger((c.now as number) + (c.ttlMs as number))) throw fail('now + ttlMs is not a safe integer')
      return
    case 'noop':
      return
    default:
      throw fail(`unknown op ${JSON.stringify(c.op)}`)
  }
}

/** Encodes a command; throws `MalformedCommandError` if it is not well-formed (see `validateKvCommand`). */
export function encodeKvCommand (cmd: KvCommand): Uint8Array {
  validateKvCommand(cmd)
  const w = new ByteWriter().byte(KV_COMMAND_FORMAT_VERSION)
  switch (cmd.op) {
    case 'put':
      w.byte(OP_CODES.put | (cmd.ifRevision !== undefined ? HAS_IF_REVISION : 0)).string(cmd.key).bytes(cmd.value)
      if (cmd.ifRevision !== undefined) w.uint(cmd.ifRevision)
      break
    case 'delete':
      w.byte(OP_CODES.delete | (cmd.ifRevision !== undefined ? HAS_IF_REVISION : 0)).string(cmd.key)
      if (cmd.ifRevision !== undefined) w.uint(cmd.ifRevision)
      break
    case 'lock-acquire':
      w.byte(OP_CODES['lock-acquire']).string(cmd.name).string(cmd.owner).uint(cmd.ttlMs).uint(cmd.now)
      break
    case 'lock-release':
      w.byte(OP_CODES['lock-release']).string(cmd.name).uint(cmd.token)
      break
    case 'lock-refresh':
      w.byte(OP_CODES['lock-refresh']).string(cmd.name).uint(cmd.token).uint(cmd.ttlMs).uint(cmd.now)
      break
    case 'noop':
      w.byte(OP_CODES.noop)
      break
  }
  return w.finish()
}

/**
 * Decodes a command. Throws `MalformedCommandError` (and nothing else) for any input that is not
 * exactly one canonical encoding. The returned command owns its bytes (no view into `bytes`), unless
 * `views` is set: then a put's value is a view into `bytes`, for input that nobody modifies afterwards.
 */
export function decodeKvCommand (bytes: Uint8Array, options: { views?: boolean } = {}): KvCommand {
  if (!(bytes instanceof Uint8Array)) throw fail('input is not a Uint8Array')
  const r = new ByteReader(bytes, fail)
  const version = r.byte()
  if (version !== KV_COMMAND_FORMAT_VERSION) throw fail(`unsupported format version ${version}`)
  const header = r.byte()
  const opCode = header & OP_MASK
  const hasIfRevision = (header & HAS_IF_REVISION) !== 0
  const extraBits = header & ~(OP_MASK | HAS_IF_REVISION)
  if (extraBits !== 0) throw fail(`unknown header bits 0x${extraBits.toString(16)}`)
  if (hasIfRevision && opCode !== OP_CODES.put && opCode !== OP_CODES.delete) throw fail('ifRevision flag on an op without one')
  let cmd: KvCommand
  switch (opCode) {
    case OP_CODES.put: {
      const key = r.string()
      const value = options.views === true ? r.bytesView() : r.bytes()
      cmd = hasIfRevision ? { op: 'put', key, value, ifRevision: r.uint() } : { op: 'put', key, value }
      break
    }
    case OP_CODES.delete: {
      const key = r.string()
      cmd = hasIfRevision ? { op: 'delete', key, ifRevision: r.uint() } : { op: 'delete', key }
      break
    }
    case OP_CODES['lock-acquire']: {
      const name = r.string()
      const owner = r.string()
      const ttlMs = r.uint()
      const now = r.uint()
      cmd = { op: 'lock-acquire', name, owner, ttlMs, now }
      break
    }
    case OP_CODES['lock-release']: {
      const name = r.string()
      const token = r.uint()
      cmd = { op: 'lock-release', name, token }
      break
    }
    case OP_CODES['lock-refresh']: {
      const name = r.string()
      const token = r.uint()
      const ttlMs = r.uint()
      const now = r.uint()
      cmd = { op: 'lock-refresh', name, token, ttlMs, now }
      break
    }
    case OP_CODES.noop:
      cmd = { op: 'noop' }
      break
    default:
      throw fail(`unknown op code ${opCode}`)
  }
  r.end()
  validateKvCommand(cmd)
  return cmd
}
