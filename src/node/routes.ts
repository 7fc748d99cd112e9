/**
 * The node's own HTTP routes: liveness, Prometheus metrics and status. Subsystems add theirs.
 */
import type { FederationNode } from './federation-node.js'
import type { HttpApi } from './http-api.js'

export function registerBaseRoutes (api: HttpApi, node: FederationNode): void {
  api.route('GET', '/healthz', () => {
    if (!node.isStarted) return { status: 503, headers: { 'Retry-After': '1' }, body: { error: 'NotStarted', message: 'the node is starting' } }
    return { body: { ok: true } }
  })
  api.route('GET', '/metrics', async () => ({
    headers: { 'Content-Type': node.metrics.registry.contentType },
    body: await node.metrics.render()
  }))
  api.route('GET', '/v1/status', () => ({ body: node.status() }))
}
