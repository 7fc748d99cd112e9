/**
 * Wire format of one gossip-state update (a gossipsub message): the same `SyncEntry` protobuf message that
 * anti-entropy carries, holding `toSyncEntry(update)`. One encoding for both paths, so an update that arrives by
 * gossip and one repaired by anti-entropy are byte-identical.
 */
import { fromSyncEntry, toSyncEntry } from '../core/gossip-state/view.js'
import type { GossipUpdate } from '../core/gossip-state/types.js'
import { SyncEntry as WireSyncEntry } from './sync.js'

export class GossipDecodeError extends Error {
  override name = 'GossipDecodeError'
}

export function encodeGossipUpdate (update: GossipUpdate): Uint8Array {
  const entry = toSyncEntry(update)
  return WireSyncEntry.encode({
    key: entry.key, version: entry.version as Uint8Array<ArrayBuffer>, payload: entry.payload as Uint8Array<ArrayBuffer>
  })
}

export function decodeGossipUpdate (bytes: Uint8Array): GossipUpdate {
  let update: GossipUpdate | undefined
  try {
    const wire = WireSyncEntry.decode(bytes)
    update = fromSyncEntry({ key: wire.key, version: wire.version, payload: wire.payload })
  } catch (err) {
    throw new GossipDecodeError(`malformed gossip update: ${(err as Error).message}`)
  }
  if (update === undefined) throw new GossipDecodeError('malformed gossip update')
  return update
}
