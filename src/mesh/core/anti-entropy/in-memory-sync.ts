import type { Random } from '../../../util/pure/random.js'
import { SyncSession } from './session.js'
import type { SyncSessionOptions } from './session.js'
import { SyncProtocolError } from './types.js'
import type { SyncMessage, SyncStats, SyncStep, SyncStore } from './types.js'

export interface InMemorySyncOptions extends SyncSessionOptions {
  /** Applied to every message in flight (e.g. encode then decode through the wire codec). */
  transport?: (message: SyncMessage) => SyncMessage
  /** Stop after delivering this many messages, as if the connection broke (entries delivered so far stay applied). */
  stopAfterMessages?: number
  /** Interleaves the two directions at random instead of alternately (each direction stays in order). */
  random?: Random
  /** Safety limit on delivered messages. Default 1,000,000. */
  maxMessages?: number
}

export interface InMemorySyncResult {
  /** True when both sessions reached `done`. */
  completed: boolean
  messagesDelivered: number
  initiator: SyncStats
  responder: SyncStats
  /** Entries each store accepted by its merge rule. */
  appliedByInitiator: number
  appliedByResponder: number
}

/**
 * Runs one anti-entropy session between two stores in one process: the reference driver (and what tests and the
 * benchmark use). Applies every received entry to the receiving store.
 */
export function syncInMemory (initiatorStore: SyncStore, responderStore: SyncStore, options: InMemorySyncOptions = {}): InMemorySyncResult {
  const initiator = new SyncSession(initiatorStore, options)
  const responder = new SyncSession(responderStore, options)
  const toResponder: SyncMessage[] = []
  const toInitiator: SyncMessage[] = []
  const transport = options.transport ?? ((m: SyncMessage) => m)
  const limit = options.maxMessages ?? 1_000_000
  const stopAfter = options.stopAfterMessages ?? Infinity
  let appliedByInitiator = 0
  let appliedByResponder = 0
  let delivered = 0
  let headI = 0
  let headR = 0

  const take = (step: SyncStep, store: SyncStore, outbound: SyncMessage[]): number => {
    let applied = 0
    for (const entry of step.apply) if (store.apply(entry)) applied++
    for (const m of step.send) outbound.push(transport(m))
    return applied
  }

  take(initiator.start(), initiatorStore, toResponder)
  let turnToResponder = true
  while (headR < toResponder.length || headI < toInitiator.length) {
    if (delivered >= stopAfter) break
    if (delivered >= limit) throw new SyncProtocolError(`session exceeded ${limit} messages`)
    const pendingR = headR < toResponder.length
    const pendingI = headI < toInitiator.length
    let toR: boolean
    if (pendingR && pendingI) toR = options.random !== undefined ? options.random.chance(0.5) : turnToResponder
    else toR = pendingR
    turnToResponder = !toR
    delivered++
    if (toR) {
      appliedByResponder += take(responder.receive(toResponder[headR++] as SyncMessage), responderStore, toInitiator)
    } else {
      appliedByInitiator += take(initiator.receive(toInitiator[headI++] as SyncMessage), initiatorStore, toResponder)
    }
  }
  return {
    completed: initiator.done && responder.done,
    messagesDelivered: delivered,
    initiator: initiator.stats(),
    responder: responder.stats(),
    appliedByInitiator,
    appliedByResponder
  }
}
