/**
 * Maps anti-entropy messages between the pure core's types and the protobuf wire format (sync.proto).
 * Decoding validates what the core relies on and throws `SyncDecodeError` otherwise.
 */
import { FINGERPRINT_BYTES } from '../core/anti-entropy/hash.js'
import type { KeyRange, RangeMessage, SyncMessage } from '../core/anti-entropy/types.js'
import { SyncMessage as WireSyncMessage } from './sync.js'
import type { SyncRange as WireSyncRange } from './sync.js'

export class SyncDecodeError extends Error {
  override name = 'SyncDecodeError'
}

/** Caps applied while decoding, so a hostile peer cannot make us allocate without bound. */
export interface SyncDecodeLimits {
  maxRanges?: number
  maxWants?: number
  maxEntries?: number
  maxItemsPerRange?: number
}

export const SYNC_DECODE_DEFAULTS = Object.freeze({
  maxRanges: 4096,
  maxWants: 65536,
  maxEntries: 65536,
  maxItemsPerRange: 4096
})

export function toWire (message: SyncMessage): WireSyncMessage {
  let previousUpper: string | null | undefined
  const ranges: WireSyncRange[] = message.ranges.map((r) => {
    const wire: WireSyncRange = { count: 0, items: [] }
    if (previousUpper !== r.range.lower) wire.lower = r.range.lower
    if (r.range.upper !== null) wire.upper = r.range.upper
    previousUpper = r.range.upper
    if (r.kind === 'fingerprint') {
      wire.fingerprint = r.fingerprint.hash as Uint8Array<ArrayBuffer>
      wire.count = r.fingerprint.count
    } else {
      wire.items = r.items.map(i => ({ key: i.key, version: i.version as Uint8Array<ArrayBuffer> }))
    }
    return wire
  })
  return {
    ranges,
    wants: message.wants,
    entries: message.entries.map(e => ({
      key: e.key, version: e.version as Uint8Array<ArrayBuffer>, payload: e.payload as Uint8Array<ArrayBuffer>
    })),
    endOfTurn: message.endOfTurn
  }
}

export function fromWire (wire: WireSyncMessage): SyncMessage {
  let previousUpper: string | null | undefined
  const ranges: RangeMessage[] = wire.ranges.map((r, index) => {
    let lower: string
    if (r.lower !== undefined) lower = r.lower
    else if (typeof previousUpper === 'string') lower = previousUpper
    else throw new SyncDecodeError(`range ${index} has no lower bound and does not follow a bounded range`)
    const range: KeyRange = { lower, upper: r.upper ?? null }
    if (range.upper !== null && range.upper <= range.lower) throw new SyncDecodeError(`range ${index} is empty or inverted`)
    previousUpper = range.upper
    if (r.fingerprint !== undefined) {
      if (r.fingerprint.length !== FINGERPRINT_BYTES) throw new SyncDecodeError(`range ${index} fingerprint is not ${FINGERPRINT_BYTES} bytes`)
      if (r.items.length > 0) throw new SyncDecodeError(`range ${index} has both a fingerprint and items`)
      return { kind: 'fingerprint', range, fingerprint: { count: r.count, hash: r.fingerprint.slice() } }
    }
    return { kind: 'items', range, items: r.items.map(i => ({ key: i.key, version: i.version.slice() })) }
  })
  return {
    ranges,
    wants: wire.wants,
    entries: wire.entries.map(e => ({ key: e.key, version: e.version.slice(), payload: e.payload.slice() })),
    endOfTurn: wire.endOfTurn
  }
}

export function encodeSyncMessage (message: SyncMessage): Uint8Array {
  return WireSyncMessage.encode(toWire(message))
}

export function decodeSyncMessage (bytes: Uint8Array, limits: SyncDecodeLimits = {}): SyncMessage {
  let wire: WireSyncMessage
  try {
    wire = WireSyncMessage.decode(bytes, {
      limits: {
        ranges: limits.maxRanges ?? SYNC_DECODE_DEFAULTS.maxRanges,
        wants: limits.maxWants ?? SYNC_DECODE_DEFAULTS.maxWants,
        entries: limits.maxEntries ?? SYNC_DECODE_DEFAULTS.maxEntries,
        ranges$: { items: limits.maxItemsPerRange ?? SYNC_DECODE_DEFAULTS.maxItemsPerRange }
      }
    })
  } catch (err) {
    if (err instanceof SyncDecodeError) throw err
    throw new SyncDecodeError(`malformed sync message: ${(err as Error).message}`)
  }
  return fromWire(wire)
}

/** Encoded size in bytes: pass as `measure` to a `SyncSession` to count traffic. */
export function encodedSize (message: SyncMessage): number {
  return encodeSyncMessage(message).length
}
