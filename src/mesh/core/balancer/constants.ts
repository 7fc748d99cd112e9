import type { BalancerAlgorithm } from './types.js'

export const DEFAULT_ALGORITHM: BalancerAlgorithm = 'round-robin'
/** Virtual nodes per peer: with 128 the load spread between peers stays within roughly ±15%. */
export const DEFAULT_VIRTUAL_NODES = 128
export const DEFAULT_LATENCY_ALPHA = 0.3
