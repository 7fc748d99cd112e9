/**
 * How a `fedmesh start` process runs its JavaScript engine and memory allocator: tuned for a small resident set
 * (a node stays under 110 MB RSS after 20,000 replicated writes) at a few percent of speed.
 *
 * - `--max-semi-space-size=2`: V8's young generation stays at 2 MiB per semi-space instead of growing to 16 MiB.
 * - `--heap-growing-percent=15`: after a full GC the old generation may grow by 15% of its live size before
 *   the next one, instead of up to 4x.
 * - `--no-parallel-scavenge`: a young-generation collection runs on the main thread only. With so small a young
 *   generation, collections are frequent and short, and handing each to helper threads costs more CPU than it saves
 *   (Raft writes under 64 clients: about 4% less CPU per write on every node; RSS unchanged).
 * - `MALLOC_ARENA_MAX=2`: glibc keeps two malloc arenas instead of one per busy thread (LevelDB, libuv and V8 worker
 *   threads each created one).
 *
 * `bin/fedmesh.js` states the same in its `#!/usr/bin/env -S` line (a unit test keeps the two equal); processes this
 * package spawns itself (LocalMesh, NetnsMesh, the demo) get them from here. Engine flags cannot be set after start,
 * so `node bin/fedmesh.js` run by hand goes without them unless given on its command line.
 */
export const NODE_PROCESS_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=15', '--no-parallel-scavenge']

export const NODE_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' }
