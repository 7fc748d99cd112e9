/** The subsystems a federation node composes, in order (later ones may use earlier ones' services). */
import type { Subsystem } from './types.js'

export const SUBSYSTEMS: Subsystem[] = []
