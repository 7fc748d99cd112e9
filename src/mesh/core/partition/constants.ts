import type { PartitionDetectorOptions } from './types.js'

export const DEFAULT_PARTITION_OPTIONS: Required<Omit<PartitionDetectorOptions, 'self'>> = {
  strategy: 'wait-for-heal',
  serveLocalWhilePartitioned: false,
  majoritySideMinUnreachable: 2,
  detectAfterMs: 0,
  healAfterMs: 0,
  unknownIsUnreachable: true,
  maxReports: 32
}
