export const PROTOCOL = '/fedmesh/peer-exchange/1.0.0'
/** Peers in one message, sent or accepted. */
export const DEFAULT_MAX_PEERS = 32
/** Addresses per peer, sent or accepted. */
export const DEFAULT_MAX_ADDRS_PER_PEER = 8
/** Dial learnt peers only while this node has fewer connected peers than this. */
export const DEFAULT_MIN_CONNECTIONS = 8
/** Never dial learnt peers beyond this many connected peers. */
export const DEFAULT_MAX_CONNECTIONS = 32
/** Period of the background exchange (ms). */
export const DEFAULT_INTERVAL = 60_000
/** A second exchange with the peer just dialed, this long after the first (ms), while below minConnections. */
export const FOLLOW_UP_DELAY = 1_500
/** Members told at once about a peer that connected to this node and named none of them. */
export const DEFAULT_ANNOUNCE_FANOUT = 16
/** A member dials a peer announced to it only if the peer has not connected within this long (ms). */
export const DEFAULT_ANNOUNCE_DIAL_DELAY = 300
/** A node that dialed before it listened tells the peer its addresses once it has them, if within this long (ms). */
export const LISTEN_WAIT = 5_000
/** Peers exchanged with in each background round. */
export const DEFAULT_FANOUT = 2
/** Whole-exchange timeout (ms). */
export const DEFAULT_TIMEOUT = 10_000
/** Timeout of one dial to a learnt peer (ms). */
export const DEFAULT_DIAL_TIMEOUT = 10_000
/** Concurrent exchange streams per connection and direction. */
export const DEFAULT_MAX_INBOUND_STREAMS = 2
export const DEFAULT_MAX_OUTBOUND_STREAMS = 2
/** Largest encoded multiaddr accepted (bytes). */
export const MAX_ADDR_BYTES = 512
/** Largest peer id string accepted. */
export const MAX_PEER_ID_LENGTH = 128
