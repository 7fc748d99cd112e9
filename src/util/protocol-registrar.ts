/**
 * The part of libp2p's registrar a protocol service needs: handle its protocol and watch peers
 * that speak it. Services declare `registrar: ProtocolRegistrar` in their components so tests can
 * stub exactly this much.
 */
import type { AbortOptions, StreamHandler, StreamHandlerOptions, Topology } from '@libp2p/interface'

export interface ProtocolRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string, options?: AbortOptions): Promise<void>
  register(protocol: string, topology: Topology, options?: AbortOptions): Promise<string>
  unregister(id: string): void
}
