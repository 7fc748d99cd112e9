/** The init given to `dnsDiscovery` is unusable (thrown by the factory's service constructor). */
export class InvalidDnsDiscoveryConfigError extends Error {
  override name = 'InvalidDnsDiscoveryConfigError'
}

/** A DNS lookup failed; `code` is node:dns's code (`ENOTFOUND`, `ETIMEOUT`, `ECONNREFUSED`, ...). */
export class DnsLookupError extends Error {
  override name = 'DnsLookupError'
  readonly code: string
  readonly hostname: string
  readonly rrtype: string

  constructor (rrtype: string, hostname: string, code: string, options?: ErrorOptions) {
    super(`${rrtype} lookup of ${hostname} failed: ${code}`, options)
    this.code = code
    this.hostname = hostname
    this.rrtype = rrtype
  }
}

/** A dnsaddr TXT record held no usable multiaddr (counted in `stats.invalidRecords`, never thrown out of the service). */
export class InvalidDnsaddrRecordError extends Error {
  override name = 'InvalidDnsaddrRecordError'
}

/** The service was stopped while the operation ran. */
export class DnsDiscoveryStoppedError extends Error {
  override name = 'DnsDiscoveryStoppedError'
}
