import type { RecoveryAction, RecoveryPlan, RecoveryStrategy } from './types.js'

/**
 * What to do when a partition heals, as data. `affected` are the members that were unreachable; `side` the
 * side this node was on; `refusedService` whether it refused local requests meanwhile.
 * - wait-for-heal: anti-entropy both ways with the affected nodes at once (little diverged: the minority
 *   refused writes unless told to serve locally);
 * - merge: the same exchange, with both sides' changes merged by the subsystems' resolvers;
 * - reset-to-known-good: the minority side adopts the majority's state; the majority pushes its state;
 * - manual: nothing is reconciled; an operator is alerted.
 */
export function recoveryPlan (strategy: RecoveryStrategy, side: 'minority' | 'majority', affected: readonly string[], refusedService: boolean): RecoveryPlan {
  const peers = [...affected]
  const actions: RecoveryAction[] = []
  switch (strategy) {
    case 'wait-for-heal':
    case 'merge':
      actions.push({ kind: 'anti-entropy', peers, direction: 'push-pull' })
      break
    case 'reset-to-known-good':
      if (side === 'minority') actions.push({ kind: 'adopt-state', from: peers })
      else actions.push({ kind: 'anti-entropy', peers, direction: 'push' })
      break
    case 'manual':
      actions.push({ kind: 'alert-operator', message: `partition with ${peers.length} member(s) healed; state left for manual reconciliation` })
      break
  }
  if (refusedService && strategy !== 'manual') actions.push({ kind: 'resume-serving' })
  return { strategy, side, actions }
}
