/** An option given to a health, balancer, breaker or partition core is out of its valid range. */
export class InvalidOptionError extends Error {
  override name = 'InvalidOptionError'
}

/** Throws InvalidOptionError unless `value` is a finite number >= min (or Infinity when allowed). */
export function requireNumber (option: string, value: number, min: number, allowInfinity = false): void {
  const ok = typeof value === 'number' && !Number.isNaN(value) && value >= min && (allowInfinity || Number.isFinite(value))
  if (!ok) throw new InvalidOptionError(`${option} must be a number >= ${min}, got ${String(value)}`)
}
