/**
 * Local writes while partitioned: when the node's partition options turn `serveLocalWhilePartitioned`
 * off, a node on a side without quorum refuses local writes (503 `Partitioned`, Retry-After) until the
 * partition heals. Routes that write local state register through `localWriteRoute`.
 */
import { ApiError } from '../http-api.js'
import type { FederationNode } from '../federation-node.js'
import type { Handler, HttpApi } from '../http-api.js'

export class PartitionedError extends ApiError {
  constructor (unreachable: number) {
    super('Partitioned', 503, `this node cannot reach a quorum of the mesh (${unreachable} members unreachable) and serves no local writes while partitioned`, { 'Retry-After': '1' })
  }
}

/** `api.route` for a handler that writes local state: refused while the node should not serve locally. */
export function localWriteRoute (api: HttpApi, node: FederationNode): (method: string, pattern: string, handler: Handler) => void {
  return (method, pattern, handler) => {
    api.route(method, pattern, async (req) => {
      const partition = (node as Partial<Pick<FederationNode, 'partition'>>).partition
      if (partition != null && !partition.shouldServeLocal()) throw new PartitionedError(partition.current().affectedNodes.length)
      return await handler(req)
    })
  }
}
