/**
 * fedmesh's own node-level metrics, registered through libp2p's Metrics interface so that they
 * land in the same Prometheus registry as libp2p's and every subsystem's (`components.metrics`).
 */
import type { Counter, CounterGroup, Metric, Metrics } from '@libp2p/interface'
import type { Registry } from 'prom-client'

export interface NodeMetrics {
  registry: Registry
  peersConnected: Metric
  discovered: CounterGroup
  refused: CounterGroup
  /** Counts one HTTP API request answered with `status` (kept here; the registry reads the counts when scraped). */
  countHttpRequest(status: number): void
  httpErrors: Counter
  /** Prometheus text exposition of the whole registry. */
  render(): Promise<string>
}

const noopMetric: Metric & Counter = { update () {}, increment () {}, decrement () {}, reset () {}, timer: () => () => {} } as unknown as Metric & Counter
const noopGroup: CounterGroup = { increment () {}, reset () {} } as unknown as CounterGroup

export function createNodeMetrics (registry: Registry, metrics: Metrics | undefined): NodeMetrics {
  const httpByStatus: Record<string, number> = {}
  metrics?.registerCounterGroup('fedmesh_http_requests_total', { label: 'status', help: 'HTTP API requests by status code', calculate: () => ({ ...httpByStatus }) })
  return {
    registry,
    peersConnected: metrics?.registerMetric('fedmesh_peers_connected', { help: 'Peers with at least one open connection' }) ?? noopMetric,
    discovered: metrics?.registerCounterGroup('fedmesh_peers_discovered_total', { label: 'source', help: 'Peer discoveries by source (mdns, bootstrap, dns, exchange)' }) ?? noopGroup,
    refused: metrics?.registerCounterGroup('fedmesh_connections_refused_total', { label: 'reason', help: 'Connections refused by the allowlist' }) ?? noopGroup,
    countHttpRequest: (status) => {
      const key = String(status)
      httpByStatus[key] = (httpByStatus[key] ?? 0) + 1
    },
    httpErrors: metrics?.registerCounter('fedmesh_http_internal_errors_total', { help: 'HTTP API requests that failed with an internal error' }) ?? noopMetric,
    render: async () => registry.metrics()
  }
}
