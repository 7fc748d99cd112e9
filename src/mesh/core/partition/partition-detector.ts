import { InvalidOptionError, requireNumber } from '../health/errors.js'
import { DEFAULT_PARTITION_OPTIONS } from './constants.js'
import { PartitionedError, UnknownPartitionError } from './errors.js'
import { recoveryPlan } from './recovery.js'
import { buildPartitionReport, mergeDivergence } from './report.js'
import type { PartitionEpisode } from './report.js'
import type {
  PartitionDetectorOptions, PartitionEvent, PartitionReport, PartitionResolution, PartitionState, PartitionStats,
  PartitionType, RecoveryStrategy, StatusSource, SubsystemDivergence
} from './types.js'

const STRATEGIES: readonly RecoveryStrategy[] = ['wait-for-heal', 'merge', 'reset-to-known-good', 'manual']

const NOT_PARTITIONED: PartitionState = Object.freeze({ partitioned: false, type: 'none', affectedNodes: [], since: null }) as PartitionState

/**
 * Decides from the health view and the known membership whether this node is cut off, on which side, and
 * what to do when the cut heals. Pure: `update(health, now)` re-evaluates and returns detect/change/heal
 * events; nothing else changes the state.
 *
 * A member is reachable when the health view says `alive` (self always is). This node is partitioned when
 * the reachable members are not a majority of the known members, or when a Raft voter set is given and
 * the reachable voters are not a quorum of it (`minority`, or `isolated` when no other member is reachable);
 * or, keeping quorum, when at least `majoritySideMinUnreachable` members are unreachable (`majority`).
 */
export class PartitionDetector {
  private readonly options: Required<PartitionDetectorOptions>
  private readonly members = new Set<string>()
  private voters: Set<string> | undefined
  private state: PartitionState = NOT_PARTITIONED
  private episode: PartitionEpisode | undefined
  /** Healed episodes waiting for `completeRecovery`. */
  private readonly awaiting = new Map<number, PartitionEpisode>()
  private readonly finished: PartitionReport[] = []
  private pendingSince: number | undefined
  private nextEpisodeId = 1
  private readonly counters = { partitionsSeen: 0, healed: 0, longestMs: 0, totalPartitionedMs: 0 }

  constructor (options: PartitionDetectorOptions) {
    const o = { ...DEFAULT_PARTITION_OPTIONS, self: options.self } as Required<PartitionDetectorOptions>
    for (const [key, value] of Object.entries(options)) if (value !== undefined) (o as unknown as Record<string, unknown>)[key] = value
    if (typeof o.self !== 'string' || o.self === '') throw new InvalidOptionError('self must be a non-empty node id')
    if (!STRATEGIES.includes(o.strategy)) throw new InvalidOptionError(`strategy must be one of ${STRATEGIES.join(', ')}, got ${String(o.strategy)}`)
    requireNumber('majoritySideMinUnreachable', o.majoritySideMinUnreachable, 1, true)
    requireNumber('detectAfterMs', o.detectAfterMs, 0)
    requireNumber('healAfterMs', o.healAfterMs, 0)
    requireNumber('maxReports', o.maxReports, 0)
    this.options = o
    this.members.add(o.self)
  }

  /** Replaces the known membership (self is always a member). Takes effect at the next `update`. */
  setMembers (members: Iterable<string>): void {
    this.members.clear()
    this.members.add(this.options.self)
    for (const m of members) this.members.add(m)
  }

  /** Adds members (e.g. discovered peers). */
  addMembers (members: Iterable<string>): void {
    for (const m of members) this.members.add(m)
  }

  /** Removes members that left for good (self stays). */
  removeMembers (members: Iterable<string>): void {
    for (const m of members) if (m !== this.options.self) this.members.delete(m)
  }

  /** The Raft voter set, or undefined when there is no Raft configuration. */
  setVoters (voters: Iterable<string> | undefined): void {
    this.voters = voters === undefined ? undefined : new Set(voters)
    if (this.voters !== undefined && this.voters.size === 0) this.voters = undefined
  }

  knownMembers (): string[] {
    return [...this.members].sort()
  }

  /** Re-evaluates with the health view at `now`; returns the events this caused. */
  update (health: StatusSource, now: number): PartitionEvent[] {
    const candidate = this.classify(health)
    const events: PartitionEvent[] = []
    const wasPartitioned = this.state.partitioned
    const isPartitioned = candidate.type !== 'none'

    if (isPartitioned === wasPartitioned) {
      this.pendingSince = undefined
      if (isPartitioned) this.applyChange(candidate, now, events)
      return events
    }
    this.pendingSince ??= now
    const delay = isPartitioned ? this.options.detectAfterMs : this.options.healAfterMs
    if (now - this.pendingSince < delay) return events
    const startedAt = this.pendingSince
    this.pendingSince = undefined
    if (isPartitioned) this.detect(candidate, startedAt, now, events)
    else this.heal(now, events)
    return events
  }

  current (): PartitionState {
    return { ...this.state, affectedNodes: [...this.state.affectedNodes] }
  }

  isPartitioned (): boolean {
    return this.state.partitioned
  }

  /** Whether local requests should be served now (always, unless on the minority side without `serveLocalWhilePartitioned`). */
  shouldServeLocal (): boolean {
    return !this.lacksQuorum() || this.options.serveLocalWhilePartitioned
  }

  /** Throws PartitionedError when local requests should be refused now. */
  assertServing (): void {
    if (!this.shouldServeLocal()) throw new PartitionedError([...this.state.affectedNodes])
  }

  /**
   * Records what diverged in `subsystem` during the current partition, or the latest healed one still
   * awaiting its report. Ignored when there is neither.
   */
  reportDivergence (subsystem: string, divergence: SubsystemDivergence): void {
    const target = this.episode ?? [...this.awaiting.values()].at(-1)
    if (target === undefined) return
    target.divergence.set(subsystem, mergeDivergence(target.divergence.get(subsystem), divergence))
  }

  /** Closes a healed episode once the adapter has carried out its plan; returns (and keeps) its report. */
  completeRecovery (episodeId: number, resolution: PartitionResolution, now: number): PartitionReport {
    const episode = this.awaiting.get(episodeId)
    if (episode === undefined) throw new UnknownPartitionError(`no healed partition ${episodeId} awaits a report`)
    this.awaiting.delete(episodeId)
    const report = buildPartitionReport(episode, resolution, now)
    this.finished.push(report)
    while (this.finished.length > this.options.maxReports) this.finished.shift()
    return report
  }

  /** Finished reports, oldest first. */
  reports (): PartitionReport[] {
    return [...this.finished]
  }

  stats (): PartitionStats {
    return { ...this.counters, partitioned: this.state.partitioned, type: this.state.type }
  }

  private lacksQuorum (): boolean {
    return this.state.type === 'minority' || this.state.type === 'isolated'
  }

  private classify (health: StatusSource): { type: PartitionType, affected: string[] } {
    const self = this.options.self
    const reachable = (peer: string): boolean => {
      if (peer === self) return true
      const status = health.statusOf(peer)
      return status === undefined ? !this.options.unknownIsUnreachable : status === 'alive'
    }
    const affected: string[] = []
    for (const m of this.members) if (!reachable(m)) affected.push(m)
    affected.sort()
    const others = this.members.size - 1
    if (others === 0 || affected.length === 0) return { type: 'none', affected: [] }
    if (affected.length === others) return { type: 'isolated', affected }
    const reachableMembers = this.members.size - affected.length
    let quorum = reachableMembers >= Math.floor(this.members.size / 2) + 1
    if (this.voters !== undefined) {
      let reachableVoters = 0
      for (const v of this.voters) if (reachable(v)) reachableVoters++
      quorum &&= reachableVoters >= Math.floor(this.voters.size / 2) + 1
    }
    if (!quorum) return { type: 'minority', affected }
    if (affected.length >= this.options.majoritySideMinUnreachable) return { type: 'majority', affected }
    return { type: 'none', affected: [] }
  }

  private detect (candidate: { type: PartitionType, affected: string[] }, startedAt: number, now: number, events: PartitionEvent[]): void {
    const episode: PartitionEpisode = {
      id: this.nextEpisodeId++,
      startedAt,
      healedAt: undefined,
      types: [candidate.type],
      affected: new Set(candidate.affected),
      everMinority: false,
      refusedService: false,
      plan: undefined,
      divergence: new Map()
    }
    this.episode = episode
    this.counters.partitionsSeen++
    this.state = { partitioned: true, type: candidate.type, affectedNodes: candidate.affected, since: startedAt }
    this.noteSide()
    events.push({ type: 'detected', at: now, episode: episode.id, state: this.current() })
  }

  private applyChange (candidate: { type: PartitionType, affected: string[] }, now: number, events: PartitionEvent[]): void {
    const episode = this.episode
    if (episode === undefined) return
    const sameType = candidate.type === this.state.type
    const sameNodes = candidate.affected.length === this.state.affectedNodes.length &&
      candidate.affected.every((node, i) => node === this.state.affectedNodes[i])
    if (sameType && sameNodes) return
    if (!sameType) episode.types.push(candidate.type)
    for (const node of candidate.affected) episode.affected.add(node)
    this.state = { partitioned: true, type: candidate.type, affectedNodes: candidate.affected, since: this.state.since }
    this.noteSide()
    events.push({ type: 'changed', at: now, episode: episode.id, state: this.current() })
  }

  private noteSide (): void {
    const episode = this.episode
    if (episode === undefined || !this.lacksQuorum()) return
    episode.everMinority = true
    if (!this.options.serveLocalWhilePartitioned) episode.refusedService = true
  }

  private heal (now: number, events: PartitionEvent[]): void {
    const episode = this.episode
    this.state = NOT_PARTITIONED
    this.episode = undefined
    if (episode === undefined) return
    episode.healedAt = now
    const side = episode.everMinority ? 'minority' : 'majority'
    episode.plan = recoveryPlan(this.options.strategy, side, [...episode.affected].sort(), episode.refusedService)
    this.awaiting.set(episode.id, episode)
    while (this.awaiting.size > Math.max(1, this.options.maxReports)) {
      const oldest = this.awaiting.keys().next().value as number
      this.awaiting.delete(oldest)
    }
    const durationMs = now - episode.startedAt
    this.counters.healed++
    this.counters.longestMs = Math.max(this.counters.longestMs, durationMs)
    this.counters.totalPartitionedMs += durationMs
    events.push({ type: 'healed', at: now, episode: episode.id, durationMs, plan: episode.plan })
  }
}
