/** The gossipsub topic gossip-state updates travel on. */
export const TOPIC = '/fedmesh/state/1'
/** The anti-entropy keyspace the view registers under. */
export const KEYSPACE = 'state'
/** Longest key accepted (UTF-8 bytes), locally or from peers. */
export const DEFAULT_MAX_KEY_BYTES = 256
/** Names under which the node composition adds the services this one uses. */
export const DEFAULT_PUBSUB_SERVICE = 'pubsub'
export const DEFAULT_ANTI_ENTROPY_SERVICE = 'antiEntropy'
/** While updates are held after a publish found no topic peer, how often to look again (ms). */
export const DEFAULT_HOLD_RETRY = 1_000
/** Room in a gossip message for the owner's peer id, the version and protobuf framing, beyond key and value. */
export const MESSAGE_OVERHEAD_BYTES = 256
