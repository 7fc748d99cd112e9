import type { PartitionReport, PartitionResolution, PartitionType, RecoveryPlan, SubsystemDivergence } from './types.js'

/** One partition episode as recorded by the detector. */
export interface PartitionEpisode {
  readonly id: number
  readonly startedAt: number
  healedAt: number | undefined
  readonly types: PartitionType[]
  readonly affected: Set<string>
  everMinority: boolean
  refusedService: boolean
  plan: RecoveryPlan | undefined
  readonly divergence: Map<string, SubsystemDivergence>
}

/** Adds `more` to the divergence already known for a subsystem (counts add, details join). */
export function mergeDivergence (known: SubsystemDivergence | undefined, more: SubsystemDivergence): SubsystemDivergence {
  if (known === undefined) return { ...more }
  const add = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0))
  const out: SubsystemDivergence = {}
  const localChanges = add(known.localChanges, more.localChanges)
  const remoteChanges = add(known.remoteChanges, more.remoteChanges)
  const conflicts = add(known.conflicts, more.conflicts)
  if (localChanges !== undefined) out.localChanges = localChanges
  if (remoteChanges !== undefined) out.remoteChanges = remoteChanges
  if (conflicts !== undefined) out.conflicts = conflicts
  const detail = [known.detail, more.detail].filter((d) => d !== undefined && d !== '').join('; ')
  if (detail !== '') out.detail = detail
  return out
}

/** The report of a healed episode: duration, sides, affected nodes, what diverged and how it was resolved. */
export function buildPartitionReport (episode: PartitionEpisode, resolution: PartitionResolution, completedAt: number): PartitionReport {
  if (episode.healedAt === undefined || episode.plan === undefined) throw new RangeError(`partition ${episode.id} has not healed`)
  const divergence: Record<string, SubsystemDivergence> = {}
  for (const subsystem of [...episode.divergence.keys()].sort()) divergence[subsystem] = { ...episode.divergence.get(subsystem) }
  return {
    id: episode.id,
    startedAt: episode.startedAt,
    healedAt: episode.healedAt,
    durationMs: episode.healedAt - episode.startedAt,
    side: episode.everMinority ? 'minority' : 'majority',
    types: [...episode.types],
    affectedNodes: [...episode.affected].sort(),
    plan: episode.plan,
    divergence,
    resolution: { ...resolution },
    completedAt
  }
}
