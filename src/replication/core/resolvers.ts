import { compareDots } from './dot.js'
import { InvalidResolverError } from './errors.js'
import { compareHlc } from './hlc.js'
import { canonicalJson, cloneJson, compareStrings, isJsonObject } from './json.js'
import type { JsonValue } from './json.js'
import { compareVersions } from './versions.js'
import type { Version } from './versions.js'

/** A user merge of two concurrent values; `older` has the smaller HLC. Must be pure and total. */
export type MergeFunction = (older: JsonValue, newer: JsonValue) => JsonValue

/**
 * How concurrent versions of a key become one value:
 * - 'lww': the version with the greatest HLC (node id breaks ties); a winning tombstone means absent.
 * - 'highest-node': the version written by the greatest node id (its latest by HLC); deterministic, time-free.
 * - 'merge-union': live values folded oldest to newest: arrays as a union (first occurrence order), objects
 *   merged key by key recursively, anything else by LWW. A delete loses against a concurrent write.
 * - a function, or `{ kind: 'custom', name, merge }`: live values folded oldest to newest with `merge`.
 * - 'keep-siblings' / `{ kind: 'keep-siblings', max }`: the value is the array of the newest `max` live
 *   concurrent values by HLC, oldest first (a read reports `capped` when more exist).
 * 'lww' keeps one version per key in storage (safe because HLC order extends causality). The others keep
 * the concurrent versions and resolve on read, so the result depends only on the set of versions. Memory
 * stays bounded because a local write that would leave more than `maxVersions` versions also supersedes
 * the oldest ones (a causal decision carried by the write itself, hence the same on every replica): a
 * key holds at most maxVersions versions per concurrently writing node.
 */
export type ResolverSpec =
  | 'lww'
  | 'highest-node'
  | 'merge-union'
  | 'keep-siblings'
  | { readonly kind: 'keep-siblings', readonly max: number }
  | { readonly kind: 'custom', readonly name: string, readonly merge: MergeFunction }
  | MergeFunction

export interface ResolverConfig {
  /** Resolver for keys no prefix matches; default 'lww'. */
  default?: ResolverSpec
  /** Key prefix → resolver; the longest matching prefix wins. */
  prefixes?: Readonly<Record<string, ResolverSpec>>
  /** Cap on stored concurrent versions per key for merge-union, custom and keep-siblings; default 16. */
  maxSiblings?: number
}

export const DEFAULT_MAX_SIBLINGS = 16

/** The outcome of resolving a key's versions. */
export type Resolution =
  | { readonly present: false }
  | { readonly present: true, readonly value: JsonValue, readonly siblings: number }

export interface Resolver {
  /** The name under which resolutions are counted in stats. */
  readonly name: string
  /** Most versions a local write leaves on a key (1 for 'lww'); see ResolverSpec. */
  readonly maxVersions: number
  /**
   * Storage policy after every merge: the versions to keep. Must depend only on the set given and keep
   * every version that could still win, so that a replica's state stays a function of the writes it has seen.
   */
  compact(versions: readonly Version[]): Version[]
  /** The user-visible value of a key's versions; depends only on the set, never on its order. */
  resolve(versions: readonly Version[]): Resolution
}

function sorted (versions: readonly Version[]): Version[] {
  return versions.slice().sort(compareVersions)
}

function byNode (a: Version, b: Version): number {
  return compareStrings(a.dot.node, b.dot.node) || compareHlc(a.hlc, b.hlc) || compareDots(a.dot, b.dot)
}

function maxBy (versions: readonly Version[], order: (a: Version, b: Version) => number): Version | undefined {
  let best: Version | undefined
  for (const v of versions) if (best === undefined || order(v, best) > 0) best = v
  return best
}

function present (value: JsonValue, siblings: number): Resolution {
  return { present: true, value: cloneJson(value), siblings }
}

/** The merge-union of two values; `newer` wins scalar and type conflicts. */
export function mergeUnion (older: JsonValue, newer: JsonValue): JsonValue {
  if (Array.isArray(older) && Array.isArray(newer)) {
    const seen = new Set<string>()
    const out: JsonValue[] = []
    for (const x of [...older, ...newer]) {
      const text = canonicalJson(x)
      if (seen.has(text)) continue
      seen.add(text)
      out.push(x)
    }
    return out
  }
  if (isJsonObject(older) && isJsonObject(newer)) {
    const keys = new Set([...Object.keys(older), ...Object.keys(newer)])
    return Object.fromEntries([...keys].sort(compareStrings).map(k => {
      const a = Object.hasOwn(older, k) ? older[k] as JsonValue : undefined
      const b = Object.hasOwn(newer, k) ? newer[k] as JsonValue : undefined
      return [k, a === undefined ? b as JsonValue : b === undefined ? a : mergeUnion(a, b)]
    }))
  }
  return newer
}

function folding (name: string, max: number, merge: MergeFunction): Resolver {
  return {
    name,
    maxVersions: max,
    compact: sorted,
    resolve: (versions) => {
      const live = sorted(versions).filter(v => !v.deleted)
      if (live.length === 0) return { present: false }
      let acc = live[0]?.value as JsonValue
      for (const v of live.slice(1)) acc = merge(acc, v.value)
      return present(acc, live.length)
    }
  }
}

/** Builds the resolver for one spec; throws InvalidResolverError for an unknown or invalid spec. */
export function createResolver (spec: ResolverSpec, maxSiblings = DEFAULT_MAX_SIBLINGS): Resolver {
  if (!Number.isSafeInteger(maxSiblings) || maxSiblings < 1) throw new InvalidResolverError('maxSiblings must be a positive integer')
  if (typeof spec === 'function') return folding('custom', maxSiblings, spec)
  if (spec === 'lww') {
    return {
      name: 'lww',
      maxVersions: 1,
      compact: (versions) => {
        const winner = maxBy(versions, compareVersions)
        return winner === undefined ? [] : [winner]
      },
      resolve: (versions) => {
        const winner = maxBy(versions, compareVersions)
        return winner === undefined || winner.deleted ? { present: false } : present(winner.value, versions.length)
      }
    }
  }
  if (spec === 'highest-node') {
    return {
      name: 'highest-node',
      maxVersions: maxSiblings,
      compact: sorted,
      resolve: (versions) => {
        const winner = maxBy(versions, byNode)
        return winner === undefined || winner.deleted ? { present: false } : present(winner.value, versions.length)
      }
    }
  }
  if (spec === 'merge-union') return folding('merge-union', maxSiblings, mergeUnion)
  if (spec === 'keep-siblings' || (typeof spec === 'object' && spec.kind === 'keep-siblings')) {
    const max = spec === 'keep-siblings' ? maxSiblings : spec.max
    if (!Number.isSafeInteger(max) || max < 1) throw new InvalidResolverError('keep-siblings max must be a positive integer')
    return {
      name: 'keep-siblings',
      maxVersions: max,
      compact: sorted,
      resolve: (versions) => {
        const live = sorted(versions).filter(v => !v.deleted)
        return live.length === 0 ? { present: false } : present(live.slice(-max).map(v => v.value), live.length)
      }
    }
  }
  if (typeof spec === 'object' && spec.kind === 'custom' && typeof spec.merge === 'function') {
    if (typeof spec.name !== 'string' || spec.name.length === 0) throw new InvalidResolverError('a custom resolver needs a name')
    return folding(spec.name, maxSiblings, spec.merge)
  }
  throw new InvalidResolverError(`unknown resolver ${JSON.stringify(spec)}`)
}

/**
 * Resolvers selected per keyspace: the longest configured prefix of the key picks the resolver, else the
 * default. Every replica must use the same table, or replicas may store different versions.
 */
export class ResolverTable {
  private readonly fallback: Resolver
  private readonly byPrefix: Array<{ prefix: string, resolver: Resolver }>

  constructor (config: ResolverConfig = {}) {
    const max = config.maxSiblings ?? DEFAULT_MAX_SIBLINGS
    this.fallback = createResolver(config.default ?? 'lww', max)
    this.byPrefix = Object.entries(config.prefixes ?? {})
      .map(([prefix, spec]) => ({ prefix, resolver: createResolver(spec, max) }))
      .sort((a, b) => b.prefix.length - a.prefix.length || compareStrings(a.prefix, b.prefix))
  }

  resolverFor (key: string): Resolver {
    for (const { prefix, resolver } of this.byPrefix) if (key.startsWith(prefix)) return resolver
    return this.fallback
  }
}
