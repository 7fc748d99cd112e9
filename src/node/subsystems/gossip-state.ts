/**
 * The gossip-state subsystem: each node's own keys spread over gossipsub (`state` service) and
 * repaired by anti-entropy (`antiEntropy` service, shared with other subsystems' keyspaces).
 *
 * Contracts:
 * - `node.state.update(key, value)` changes this node's view at once; the returned promise resolves
 *   once the update is queued for gossip and waits while the queue is full (backpressure).
 * - HTTP: `PUT /v1/state/{key}` (JSON body) → 200 `{"ok":true}`; `DELETE /v1/state/{key}`;
 *   `GET /v1/state` → `{ "<peerId>": { "<key>": value } }` as this node sees the mesh. A queue that
 *   stays full for 5 s answers 503 `Backpressure` with Retry-After.
 * - Only verified peers take part in anti-entropy.
 */
import { antiEntropy } from '../../mesh/anti-entropy/index.js'
import { gossipState } from '../../mesh/gossip-state/index.js'
import { ApiError, malformed } from '../http-api.js'
import { localWriteRoute } from './serving.js'
import type { Subsystem } from './types.js'
import type { AntiEntropy } from '../../mesh/anti-entropy/index.js'
import type { GossipState, JsonValue } from '../../mesh/gossip-state/index.js'

declare module '../federation-node.js' {
  interface FederationNode {
    /** Gossip state: `update(key, value)`, `delete(key)`, `get(peer, key)`, `all()`, `onUpdate(cb)`. */
    state: GossipState
    /** Anti-entropy repair shared by gossip state and replication: `syncWith(peer)`, `stats`. */
    antiEntropy: AntiEntropy
  }
}

/** How long an HTTP state update may wait for room in the publish queue. */
const HTTP_QUEUE_WAIT_MS = 5_000

export const gossipStateSubsystem: Subsystem = {
  name: 'gossip-state',
  services: (ctx) => ({
    antiEntropy: antiEntropy({ preset: ctx.options.gossipPreset, isVerified: (peer) => ctx.isVerified(peer) }),
    state: gossipState({ preset: ctx.options.gossipPreset })
  }),
  attach (node) {
    const services = node.libp2p.services as { state: GossipState, antiEntropy: AntiEntropy }
    node.state = services.state
    node.antiEntropy = services.antiEntropy
    node.addStatusSection('gossipState', () => ({ ...node.state.stats, queue: node.state.queueState }))
    node.addStatusSection('antiEntropy', () => node.antiEntropy.stats)
  },
  routes (api, node) {
    const write = localWriteRoute(api, node)
    api.route('GET', '/v1/state', () => ({ body: node.state.all() }))
    const change = async (run: (signal: AbortSignal) => Promise<void>): Promise<{ body: { ok: true } }> => {
      try {
        await run(AbortSignal.timeout(HTTP_QUEUE_WAIT_MS))
      } catch (err) {
        const name = (err as Error).name
        if (name === 'TimeoutError' || name === 'AbortError') throw new ApiError('Backpressure', 503, 'the gossip queue stayed full; retry later', { 'Retry-After': '1' })
        if (name === 'StateValueTooLargeError') throw new ApiError(name, 413, (err as Error).message)
        if (name === 'InvalidStateValueError' || name === 'InvalidStateKeyError') throw malformed((err as Error).message)
        throw err
      }
      return { body: { ok: true } }
    }
    write('PUT', '/v1/state/{key*}', async (req) => {
      const value = await req.json() as JsonValue
      return await change(async (signal) => { await node.state.update(req.params.key as string, value, { signal }) })
    })
    write('DELETE', '/v1/state/{key*}', async (req) => await change(async (signal) => { await node.state.delete(req.params.key as string, { signal }) }))
  }
}
