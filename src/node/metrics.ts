/**
 * fedmesh's own node-level metrics, registered through libp2p's Metrics interface so that they
 * land in the same Prometheus registry as libp2p's and every subsystem's (`components.metrics`).
 */
import type { HistogramSnapshot } from '../util/pure/latency-histogram.js'
import type { Counter, CounterGroup, Metric, Metrics } from '@libp2p/interface'
import type { Metric as PromMetric, Registry } from 'prom-client'

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

/**
 * Exposes a histogram that is counted elsewhere (a `LatencyHistogram` on a hot path) as the Prometheus histogram
 * `name`: `read` is called only when the registry is scraped. It is the registry's metric contract (`get()`), the same
 * shape prom-client's own histograms produce.
 */
export function registerHistogramSnapshot (registry: Registry, name: string, help: string, read: () => HistogramSnapshot): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const h = read()
      const values: Array<{ metricName: string, labels: Record<string, string | number>, value: number }> =
        h.cumulative.map((value, i) => ({ metricName: `${name}_bucket`, labels: { le: h.bounds[i] ?? '+Inf' }, value }))
      values.push({ metricName: `${name}_sum`, labels: {}, value: h.sum })
      values.push({ metricName: `${name}_count`, labels: {}, value: h.count })
      return { name, help, type: 'histogram', aggregator: 'sum', values }
    }
  }
  registry.registerMetric(metric as unknown as PromMetric)
}
