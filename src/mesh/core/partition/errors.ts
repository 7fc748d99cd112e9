/** A local request was refused because this node is on the minority side of a partition. */
export class PartitionedError extends Error {
  override name = 'PartitionedError'
  constructor (readonly affectedNodes: string[]) {
    super(`this node is partitioned from ${affectedNodes.length} member(s) and does not serve local requests`)
  }
}

/** No partition episode with this id is awaiting its recovery report (unknown, still open or already reported). */
export class UnknownPartitionError extends Error {
  override name = 'UnknownPartitionError'
}
