/** fedmesh's version, as published in package.json (kept in step by a unit test). */
export const VERSION = '0.1.0'
