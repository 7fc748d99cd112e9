/** Options given to a pure discovery helper were out of range (a programming error, thrown at construction). */
export class InvalidDiscoveryOptionsError extends RangeError {
  override name = 'InvalidDiscoveryOptionsError'
}
