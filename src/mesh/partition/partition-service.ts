import { serviceDependencies, TypedEventEmitter } from '@libp2p/interface'
import { PartitionDetector } from '../core/partition/index.js'
import { MissingHealthServiceError } from './errors.js'
import { DEFAULT_DETECT_AFTER_MS, DEFAULT_HEAL_AFTER_MS, DEFAULT_RECOVERY_TIMEOUT_MS, DEFAULT_STRATEGY } from './constants.js'
import type { HealthSource, PartitionComponents, PartitionInit, PartitionServiceEvents, StateAdopter, SyncCapable } from './types.js'
import type {
  PartitionEvent, PartitionReport, PartitionResolution, PartitionState, PartitionStats, RecoveryPlan, SubsystemDivergence
} from '../core/partition/index.js'
import type { Logger, Startable } from '@libp2p/interface'

/**
 * The driver of the pure `PartitionDetector`: re-evaluates after every health tick, publishes detections and
 * heals as events, and carries out the recovery plan when a partition heals. See index.ts for the contract.
 */
export class PartitionService extends TypedEventEmitter<PartitionServiceEvents> implements Startable {
  readonly [Symbol.toStringTag] = '@fedmesh/partition'
  readonly [serviceDependencies]: string[] = ['@fedmesh/health']

  readonly detector: PartitionDetector
  private readonly components: PartitionComponents
  private readonly log: Logger
  private readonly recoveryTimeoutMs: number
  private voterSource: (() => Iterable<string> | undefined) | undefined
  private readonly recoveries = new Set<Promise<void>>()
  private started = false
  private health: HealthSource | undefined

  constructor (components: PartitionComponents, init: PartitionInit = {}) {
    super()
    this.components = components
    this.log = components.logger.forComponent('fedmesh:partition')
    this.recoveryTimeoutMs = init.recoveryTimeoutMs ?? DEFAULT_RECOVERY_TIMEOUT_MS
    this.voterSource = init.voters
    this.detector = new PartitionDetector({
      self: components.peerId.toString(),
      strategy: init.strategy ?? DEFAULT_STRATEGY,
      detectAfterMs: init.detectAfterMs ?? DEFAULT_DETECT_AFTER_MS,
      healAfterMs: init.healAfterMs ?? DEFAULT_HEAL_AFTER_MS,
      majoritySideMinUnreachable: init.majoritySideMinUnreachable,
      serveLocalWhilePartitioned: init.serveLocalWhilePartitioned,
      maxReports: init.maxReports
    })
    this.registerMetrics()
  }

  isStarted (): boolean {
    return this.started
  }

  start (): void {
    if (this.started) return
    let health: HealthSource | undefined
    try {
      health = this.components.health
    } catch {
      // libp2p's components throw for a service that is not configured.
    }
    if (health == null) throw new MissingHealthServiceError('the partition service needs the health service, named `health`')
    this.health = health
    health.addEventListener('tick', this.onTick)
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.health?.removeEventListener('tick', this.onTick)
    await Promise.allSettled([...this.recoveries])
  }

  /** Replaces the source of the Raft voter set (e.g. once a Raft subsystem is composed). */
  setVoterSource (voters: (() => Iterable<string> | undefined) | undefined): void {
    this.voterSource = voters
  }

  /** False while this node is on a side without quorum and serving local requests there is off. */
  shouldServeLocal (): boolean {
    return this.detector.shouldServeLocal()
  }

  isPartitioned (): boolean {
    return this.detector.isPartitioned()
  }

  /** `{ partitioned, type, affectedNodes, since }` with `since` in ms since the epoch (null when not partitioned). */
  current (): PartitionState {
    return this.detector.current()
  }

  /** Reports of healed partitions whose recovery has run, oldest first. */
  reports (): PartitionReport[] {
    return this.detector.reports()
  }

  /** Members the detector counts (peers that took part and have not left, plus voters), sorted. */
  members (): string[] {
    return this.detector.knownMembers()
  }

  /** A subsystem records what diverged during the current (or latest healed) partition. */
  reportDivergence (subsystem: string, divergence: SubsystemDivergence): void {
    this.detector.reportDivergence(subsystem, divergence)
  }

  get stats (): PartitionStats {
    return this.detector.stats()
  }

  /** Waits for recoveries in progress (tests, shutdown). */
  async settled (): Promise<void> {
    await Promise.allSettled([...this.recoveries])
  }

  private readonly onTick = (evt: CustomEvent<number>): void => {
    if (!this.started || this.health === undefined) return
    this.evaluate(this.health, evt.detail)
  }

  private evaluate (health: HealthSource, now: number): void {
    let voters: string[] | undefined
    try {
      const source = this.voterSource?.()
      voters = source === undefined ? undefined : [...source]
    } catch (err) {
      this.log.error('the voter source threw - %e', err)
    }
    const members = health.view.peers().map(p => p.peer)
    this.detector.setMembers(voters === undefined ? members : [...members, ...voters])
    this.detector.setVoters(voters)
    for (const event of this.detector.update(health.view, now)) this.publish(event)
  }

  private publish (event: PartitionEvent): void {
    switch (event.type) {
      case 'detected':
        this.log('partition detected (%s): %s unreachable', event.state.type, event.state.affectedNodes.join(', '))
        this.safeDispatchEvent('partition:detected', { detail: event.state })
        break
      case 'changed':
        this.log('partition changed (%s): %s unreachable', event.state.type, event.state.affectedNodes.join(', '))
        this.safeDispatchEvent('partition:changed', { detail: event.state })
        break
      case 'healed': {
        this.log('partition %d healed after %d ms; recovery: %s', event.episode, event.durationMs, event.plan.actions.map(a => a.kind).join(', '))
        this.safeDispatchEvent('partition:healed', { detail: { episode: event.episode, durationMs: event.durationMs, plan: event.plan } })
        const recovery = this.recover(event.episode, event.plan)
          .catch((err: unknown) => { this.log.error('recovery of partition %d failed - %e', event.episode, err) })
        this.recoveries.add(recovery)
        void recovery.finally(() => { this.recoveries.delete(recovery) })
        break
      }
    }
  }

  /** Carries out a healed partition's plan, then closes the episode with its report. */
  private async recover (episode: number, plan: RecoveryPlan): Promise<void> {
    const health = this.health
    if (health === undefined) return
    const notes: string[] = []
    let failed = false
    let manual = false
    for (const action of plan.actions) {
      switch (action.kind) {
        case 'anti-entropy': {
          const sync = this.antiEntropy()
          if (sync === undefined) {
            notes.push('no anti-entropy service: nothing to reconcile')
            break
          }
          const results = await Promise.allSettled(action.peers.map(async (peer) => {
            const results = await sync.syncWith(health.peerIdOf(peer), undefined, { signal: AbortSignal.timeout(this.recoveryTimeoutMs) })
            this.noteSyncResults(results)
          }))
          const failures = results.filter(r => r.status === 'rejected')
          notes.push(`anti-entropy (${action.direction}) with ${action.peers.length - failures.length}/${action.peers.length} peer(s)`)
          if (failures.length > 0) {
            failed = true
            notes.push(...failures.map(f => String((f.reason as Error)?.message ?? f.reason)))
          }
          break
        }
        case 'adopt-state': {
          // The majority's state replaces this side's: from the first peer that answers (one is enough, and
          // adopting from several would let the later ones undo the earlier).
          const replication = this.replication()
          if (replication === undefined) {
            manual = true
            notes.push(`no replication service to adopt state from ${action.from.length} peer(s): reconcile by hand`)
            break
          }
          const errors: string[] = []
          let adopted = false
          for (const peer of action.from) {
            try {
              const result = await replication.adoptFrom(health.peerIdOf(peer), { signal: AbortSignal.timeout(this.recoveryTimeoutMs) })
              const keys = typeof result?.keys === 'number' ? result.keys : 0
              this.detector.reportDivergence('replication:adopt-state', { localChanges: keys, detail: `${keys} key(s) reset to the state of ${peer}` })
              notes.push(`adopted the state of ${peer}: ${keys} key(s) reset`)
              adopted = true
              break
            } catch (err) {
              errors.push(`${peer}: ${String((err as Error)?.message ?? err)}`)
            }
          }
          if (!adopted) {
            failed = true
            notes.push(action.from.length === 0 ? 'no peer to adopt state from' : `adopting state failed with every peer (${errors.join('; ')})`)
          }
          break
        }
        case 'resume-serving':
          notes.push('serving resumed')
          break
        case 'alert-operator':
          manual = true
          this.log.error('partition %d: %s', episode, action.message)
          notes.push(action.message)
          break
      }
    }
    const resolution: PartitionResolution = { outcome: failed ? 'failed' : manual ? 'manual' : 'resolved', detail: notes.join('; ') }
    if (!this.started) return
    const report = this.detector.completeRecovery(episode, resolution, Date.now())
    this.safeDispatchEvent('partition:report', { detail: report })
  }

  /** Records entries moved by anti-entropy as the episode's divergence (per keyspace). */
  private noteSyncResults (results: unknown): void {
    if (!Array.isArray(results)) return
    for (const r of results as Array<Record<string, unknown>>) {
      if (typeof r?.keyspace !== 'string' || typeof r.entriesSent !== 'number' || typeof r.entriesApplied !== 'number') continue
      this.detector.reportDivergence(`anti-entropy:${r.keyspace}`, { localChanges: r.entriesSent, remoteChanges: r.entriesApplied })
    }
  }

  private antiEntropy (): SyncCapable | undefined {
    try {
      const service = this.components.antiEntropy
      return typeof service?.syncWith === 'function' ? service : undefined
    } catch {
      // libp2p's components throw for a service that is not configured.
      return undefined
    }
  }

  private replication (): StateAdopter | undefined {
    try {
      const service = this.components.replication
      return typeof service?.adoptFrom === 'function' ? service : undefined
    } catch {
      // libp2p's components throw for a service that is not configured.
      return undefined
    }
  }

  private registerMetrics (): void {
    const metrics = this.components.metrics
    if (metrics == null) return
    metrics.registerMetric('fedmesh_partitioned', { help: '1 while this node considers itself partitioned', calculate: () => this.detector.isPartitioned() ? 1 : 0 })
    metrics.registerCounter('fedmesh_partitions_seen_total', { help: 'Partitions detected since start', calculate: () => this.detector.stats().partitionsSeen })
    metrics.registerCounter('fedmesh_partitions_healed_total', { help: 'Partitions healed since start', calculate: () => this.detector.stats().healed })
  }
}
