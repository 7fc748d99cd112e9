import { MemorySyncStore } from '../../../../src/mesh/core/anti-entropy/index.js'
import type { SyncEntry } from '../../../../src/mesh/core/anti-entropy/index.js'

const encoder = new TextEncoder()

export function version (n: number): Uint8Array {
  const v = new Uint8Array(4)
  new DataView(v.buffer).setUint32(0, n)
  return v
}

export function entry (key: string, ver: number, value = `${key}@${ver}`): SyncEntry {
  return { key, version: version(ver), payload: encoder.encode(value) }
}

export function keyName (i: number): string {
  return `k${i.toString().padStart(6, '0')}`
}

/** A store holding `count` keys k000000.. at version 1. */
export function filledStore (count: number, offset = 0): MemorySyncStore {
  const s = new MemorySyncStore()
  for (let i = 0; i < count; i++) s.set(entry(keyName(i + offset), 1))
  return s
}

/** Entries as comparable plain data, in key order. */
export function dump (store: MemorySyncStore): Array<[string, string, string]> {
  return [...store.entries()].map(e => [e.key, Buffer.from(e.version).toString('hex'), Buffer.from(e.payload).toString('hex')])
}

export function copyStore (from: MemorySyncStore): MemorySyncStore {
  const s = new MemorySyncStore()
  for (const e of from.entries()) s.set(e)
  return s
}
