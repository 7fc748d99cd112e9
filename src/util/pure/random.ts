/**
 * Seeded pseudo-random numbers for protocol cores and simulations. Cores never call
 * Math.random(): they take a `Random` so that a test can replay any seed exactly.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max] inclusive. */
  int(min: number, max: number): number
  /** True with probability p. */
  chance(p: number): boolean
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T
  /** A new array with the same elements in random order. */
  shuffle<T>(items: readonly T[]): T[]
  /** An independent generator derived from this one (for giving each component its own stream). */
  fork(): Random
}

/** sfc32 seeded through splitmix32: small, fast, and good enough for simulation. */
export function seededRandom (seed: number): Random {
  let s = seed >>> 0
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split(); let b = split(); let c = split(); let d = split()
  const nextU32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < 12; i++) nextU32()
  const rng: Random = {
    next: () => nextU32() / 4294967296,
    int: (min, max) => min + Math.floor(rng.next() * (max - min + 1)),
    chance: (p) => rng.next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty array')
      return items[Math.floor(rng.next() * items.length)] as (typeof items)[number]
    },
    shuffle: (items) => {
      const out = items.slice()
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1))
        const tmp = out[i] as (typeof out)[number]
        out[i] = out[j] as (typeof out)[number]
        out[j] = tmp
      }
      return out
    },
    fork: () => seededRandom(nextU32())
  }
  return rng
}
