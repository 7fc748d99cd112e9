import type { Random } from '../../util/pure/random.js'

/** One SRV answer (RFC 2782), in the shape node:dns `resolveSrv` returns it. */
export interface SrvRecord {
  priority: number
  weight: number
  port: number
  /** The target host name; `.` means "service decidedly not available" and is dropped. */
  name: string
}

/**
 * Orders SRV records for contacting targets as RFC 2782 prescribes:
 * - groups by priority, lowest first; a record never precedes one with a lower priority value;
 * - within a priority, repeatedly draws the next record with the RFC's running-sum selection: the
 *   remaining records are put in random order with every weight-0 record moved to the front, an
 *   integer r is drawn uniformly from [0, sum of remaining weights], and the first record whose
 *   running weight sum is >= r is taken. So a positive-weight record is chosen with probability
 *   about weight/sum, and weight-0 records get a small chance only (1/(sum+1) shared among them)
 *   while positive weights remain; when only weight-0 records remain their order is uniform.
 * - records whose target is `.` are removed (RFC 2782: the service is not available there).
 *
 * Pure: all randomness comes from `random`; the input is not modified.
 */
export function orderSrvRecords (records: readonly SrvRecord[], random: Random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>()
  for (const record of records) {
    if (isUnavailableTarget(record.name)) continue
    const group = byPriority.get(record.priority)
    if (group == null) byPriority.set(record.priority, [record])
    else group.push(record)
  }
  const priorities = [...byPriority.keys()].sort((a, b) => a - b)
  const ordered: SrvRecord[] = []
  for (const priority of priorities) {
    ordered.push(...orderByWeight(byPriority.get(priority) ?? [], random))
  }
  return ordered
}

function orderByWeight (group: readonly SrvRecord[], random: Random): SrvRecord[] {
  const out: SrvRecord[] = []
  let remaining = random.shuffle(group)
  while (remaining.length > 0) {
    const zeros = remaining.filter(r => weightOf(r) === 0)
    const positives = remaining.filter(r => weightOf(r) > 0)
    const arranged = zeros.concat(positives)
    const sum = positives.reduce((s, r) => s + weightOf(r), 0)
    const threshold = random.int(0, sum)
    let running = 0
    let chosen = arranged.length - 1
    for (let i = 0; i < arranged.length; i++) {
      running += weightOf(arranged[i] as SrvRecord)
      if (running >= threshold) { chosen = i; break }
    }
    out.push(arranged[chosen] as SrvRecord)
    remaining = arranged.filter((_, i) => i !== chosen)
  }
  return out
}

function weightOf (record: SrvRecord): number {
  return Number.isFinite(record.weight) && record.weight > 0 ? record.weight : 0
}

function isUnavailableTarget (name: string): boolean {
  return name === '' || name === '.'
}
