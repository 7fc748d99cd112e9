/**
 * `createFederationNode(options)`: validates options, opens the data dir (identity and LevelDB
 * datastore), composes libp2p with fedmesh's services and returns a node that is not yet started.
 */
import '../util/polyfill.js'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultLogger } from '@libp2p/logger'
import { LevelDatastore } from 'datastore-level'
import { createLibp2p } from 'libp2p'
import { Registry } from 'prom-client'
import { PeerDirectory } from '../discovery/peer-directory.js'
import { createVerification, InvalidPreSharedKeyError } from '../discovery/verification.js'
import type { RefusalReason } from '../discovery/verification.js'
import { ConfigError, parseNodeOptions } from './config.js'
import { FederationNode } from './federation-node.js'
import { HttpApi } from './http-api.js'
import { loadOrCreateIdentity } from './identity.js'
import { buildLibp2pOptions } from './libp2p-options.js'
import { createNodeMetrics } from './metrics.js'
import { registerBaseRoutes } from './routes.js'
import { SUBSYSTEMS } from './subsystems/index.js'
import { VERSION } from './version.js'
import type { SubsystemContext } from './subsystems/types.js'
import type { FederationNodeOptions } from './config.js'

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError'
}

export async function createFederationNode (input: FederationNodeOptions = {}): Promise<FederationNode> {
  const options = parseNodeOptions(input)
  let verification
  try {
    verification = createVerification({ psk: options.psk, allow: options.allow })
  } catch (err) {
    if (err instanceof InvalidPreSharedKeyError) throw new ConfigError('psk', err.message)
    throw err
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 })
  const privateKey = await loadOrCreateIdentity(options.dataDir)
  // The peer store and keychain are small: LevelDB's default 8 MiB cache and 4 MiB write buffer would be most of a node's memory.
  const datastore = new LevelDatastore(join(options.dataDir, 'datastore'), { cacheSize: 512 * 1024, writeBufferSize: 1024 * 1024 })
  try {
    await datastore.open()
  } catch (err) {
    const text = String((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message)
    if (/lock/i.test(text)) throw new DataDirInUseError(`data dir ${options.dataDir} is in use by another running node`)
    throw err
  }
  const logger = defaultLogger()
  const log = logger.forComponent('fedmesh:node')
  const registry = new Registry()
  const peers = new PeerDirectory()
  let onRefused: (peer: string, reason: RefusalReason) => void = () => {}
  const ctx: SubsystemContext = {
    options,
    peers,
    verification,
    isVerified: (peer) => verification.isAllowed(peer.toString()) && (!verification.configured || peers.isVerified(peer.toString()))
  }
  const base = buildLibp2pOptions({
    options,
    privateKey,
    datastore,
    registry,
    verification,
    peers,
    version: VERSION,
    onRefused: (peer, reason) => { onRefused(peer.toString(), reason) }
  })
  for (const subsystem of SUBSYSTEMS) Object.assign(base.services ?? {}, subsystem.services(ctx))
  let libp2p
  try {
    libp2p = await createLibp2p({ ...base, logger })
  } catch (err) {
    await datastore.close()
    throw err
  }
  const metrics = createNodeMetrics(registry, libp2p.metrics)
  onRefused = (peer, reason) => {
    metrics.refused.increment({ [reason]: true })
    log('refused a connection with %s: not on the %s', peer, reason)
  }
  const api = options.api
  const node = new FederationNode({
    libp2p,
    options,
    datastore,
    peers,
    verification,
    metrics,
    log,
    createApi: api == null
      ? undefined
      : (node) => {
          const http = new HttpApi({
            host: api.host,
            port: api.port,
            log: logger.forComponent('fedmesh:http'),
            onRequest: (status) => { metrics.countHttpRequest(status) }
          })
          registerBaseRoutes(http, node)
          for (const subsystem of SUBSYSTEMS) subsystem.routes?.(http, node)
          return http
        }
  })
  for (const subsystem of SUBSYSTEMS) subsystem.attach?.(node, ctx)
  return node
}
