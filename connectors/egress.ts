/**
 * Where the departments' approval connectors may connect (SSRF defence).
 *
 * A connector's base URL is typed in by a department administrator, and the
 * gateway both probes it (health) and posts citizens' cases to it. Without a
 * check, anyone allowed to register a connector could point the gateway at
 * the cloud metadata service, at the gateway itself or at another upstream,
 * and read the answers off `lastError`. The {@link EgressPolicy} decides, for
 * one host and port, which addresses may be reached:
 *
 * - With `CONNECTOR_ALLOWED_HOSTS` set, a host must match an entry by name
 *   (`sp.example.gov.cn`, or `*.gov.cn` for any name under gov.cn), or every
 *   address it resolves to must fall in a listed address or CIDR range.
 * - Refused whatever the list says, unless the address itself is listed as an
 *   address or range: unspecified (0.0.0.0/8, ::), link-local (169.254/16,
 *   fe80::/10: cloud metadata), multicast and broadcast, and loopback except
 *   with the sandbox (whose department systems listen on loopback). So a
 *   listed name that resolves to a metadata address is still refused.
 * - Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) are allowed when
 *   no list is set: government intranets (电子政务外网) use them. A list closes
 *   them: only what it names is reached.
 * - The gateway's own listening port and the other configured upstreams are
 *   refused as connector targets in every case.
 *
 * Odd spellings of an address (`0x7f.1`, `2130706433`, `[::ffff:127.0.0.1]`,
 * `[64:ff9b::a9fe:a9fe]`) are normalised first: the URL parser canonicalises
 * IPv4 forms exactly as the connection will use them, and an IPv6 address
 * that carries an IPv4 one (mapped, NAT64, 6to4) is judged by that IPv4 one.
 *
 * The check runs at registration and again at every new connection
 * ({@link guardedConnector}): the host is resolved once, every address is
 * checked, and the socket is opened to a checked address, never to a name,
 * so a DNS answer that changes later (rebinding) cannot switch the target.
 *
 * @module
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { domainToASCII } from 'node:url';

import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One entry of `CONNECTOR_ALLOWED_HOSTS`. */
export type AllowedHost =
  | { kind: 'name'; name: string }
  /** `*.gov.cn`: any name ending in `.gov.cn` (not `gov.cn` itself). */
  | { kind: 'suffix'; suffix: string }
  | { kind: 'range'; range: [Address, number]; text: string };

/** Resolves a host name to its addresses (every one of them, as text). */
export type Resolve = (hostname: string) => Promise<string[]>;

/** The system resolver (`getaddrinfo`, so `/etc/hosts` too), every address in its own order. */
export const systemResolve: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** Why a destination was refused; used as the problem `code` at registration. */
export type RefusalReason = 'HOST_NOT_ALLOWED' | 'ADDRESS_NOT_ALLOWED' | 'RESERVED_DESTINATION' | 'HOST_NOT_RESOLVED';

/** A connector destination the policy refuses; raised before any connection is attempted. */
export class DestinationRefusedError extends Error {
  /** Read by the HTTP layer and the health check, like a socket error code. */
  readonly code = 'ERR_DESTINATION_REFUSED';
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'DestinationRefusedError';
  }
}

/**
 * Parses `CONNECTOR_ALLOWED_HOSTS`: comma-separated host names (`*.` for a
 * wildcard), IP addresses and CIDR ranges. Entries are spelt like URL hosts:
 * `0x7f.1` is 127.0.0.1 and IPv6 may be bracketed.
 */
export function parseAllowedHosts(text: string): { entries: AllowedHost[]; problems: string[] } {
  const entries: AllowedHost[] = [];
  const problems: string[] = [];
  for (const raw of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const entry = parseAllowedHost(raw);
    if (entry) entries.push(entry);
    else problems.push(`"${raw}" is not a host name, *.wildcard, IP address or CIDR range`);
  }
  if (entries.length === 0 && problems.length === 0) problems.push('it lists no host (unset it to use the defaults)');
  return { entries, problems };
}

function parseAllowedHost(raw: string): AllowedHost | null {
  const slash = raw.lastIndexOf('/');
  if (slash > 0) {
    const address = parseAddress(canonicalHost(raw.slice(0, slash)) ?? '');
    const bits = /^\d{1,3}$/.test(raw.slice(slash + 1)) ? Number(raw.slice(slash + 1)) : NaN;
    if (!address || !(bits <= (address.kind() === 'ipv4' ? 32 : 128))) return null;
    return { kind: 'range', range: [address, bits], text: `${address.toString()}/${bits}` };
  }
  if (raw.startsWith('*.')) {
    const suffix = canonicalHost(raw.slice(2));
    return suffix && !parseAddress(suffix) ? { kind: 'suffix', suffix } : null;
  }
  const host = canonicalHost(raw);
  if (!host) return null;
  const address = parseAddress(host);
  if (address) {
    const bits = address.kind() === 'ipv4' ? 32 : 128;
    return { kind: 'range', range: [address, bits], text: address.toString() };
  }
  return { kind: 'name', name: host };
}

/** A host as a URL would carry it (lower case, punycode, IPv4 canonical, IPv6 without brackets), or null. */
function canonicalHost(raw: string): string | null {
  if (raw === '' || /[/?#@\s]/.test(raw)) return null;
  if (isIP(raw) === 6) return raw.toLowerCase();
  try {
    const hostname = new URL(`http://${raw}/`).hostname;
    return bareHost(hostname);
  } catch {
    return null;
  }
}

/** `[::1]` → `::1`; a name loses its trailing dot and is put in ASCII lower case. */
function bareHost(hostname: string): string {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return hostname.slice(1, -1);
  if (isIP(hostname)) return hostname;
  return (domainToASCII(hostname) || hostname).toLowerCase().replace(/\.$/, '');
}

/** A canonical address (dotted quad or IPv6) parsed; an IPv6 one carrying an IPv4 address yields that IPv4 address. */
function parseAddress(text: string): Address | null {
  if (!isIP(text)) return null;
  return embeddedIPv4(ipaddr.parse(text));
}

/** The IPv4 address an IPv6 one stands for (mapped, RFC 6145, NAT64, 6to4), or the address itself. */
function embeddedIPv4(address: Address): Address {
  if (address.kind() === 'ipv4') return address;
  const v6 = address as ipaddr.IPv6;
  const parts = v6.parts;
  const fromWords = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  switch (v6.range()) {
    case 'ipv4Mapped':
      return v6.toIPv4Address();
    case 'rfc6145':
    case 'rfc6052':
      return fromWords(parts[6]!, parts[7]!);
    case '6to4':
      return fromWords(parts[1]!, parts[2]!);
    default:
      return v6;
  }
}

/** Ranges no connector reaches unless the allow-list names the address itself, with the words shown in a refusal. */
const REFUSED_RANGES: Readonly<Record<string, string>> = {
  unspecified: 'an unspecified address',
  linkLocal: 'a link-local address (cloud metadata lives there)',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  loopback: 'a loopback address',
};

/** Whether a host name matches a name or wildcard entry. */
export function nameMatches(host: string, entry: AllowedHost): boolean {
  if (entry.kind === 'name') return host === entry.name;
  if (entry.kind === 'suffix') return host.endsWith(`.${entry.suffix}`);
  return false;
}

function inListedRange(address: Address, entries: readonly AllowedHost[]): boolean {
  return entries.some(
    (entry) => entry.kind === 'range' && entry.range[0].kind() === address.kind() && address.match(entry.range),
  );
}

export interface EgressPolicyOptions {
  /** Parsed `CONNECTOR_ALLOWED_HOSTS`; null when it is not set (the defaults of the module comment apply). */
  allowedHosts: readonly AllowedHost[] | null;
  /** Whether loopback addresses may be reached: true with the sandbox, whose departments listen on loopback. */
  allowLoopback: boolean;
  /** Resolves host names; default {@link systemResolve}. Tests pass a stub. */
  resolve?: Resolve;
  /** Told about every refused connection attempt (not registration checks), for the logs. Default: ignored. */
  onRefused?: (host: string, port: number, error: DestinationRefusedError) => void;
}

interface ReservedDestination {
  label: string;
  /** Null: any address of this machine (the gateway's own port). */
  host: string | null;
  port: number;
}

/** Decides which destinations a connector may reach; see the module comment. */
export class EgressPolicy {
  readonly #allowedHosts: readonly AllowedHost[] | null;
  readonly #allowLoopback: boolean;
  readonly #resolve: Resolve;
  readonly #onRefused: (host: string, port: number, error: DestinationRefusedError) => void;
  readonly #reserved: ReservedDestination[] = [];

  constructor(options: EgressPolicyOptions) {
    this.#allowedHosts = options.allowedHosts;
    this.#allowLoopback = options.allowLoopback;
    this.#resolve = options.resolve ?? systemResolve;
    this.#onRefused = options.onRefused ?? (() => undefined);
  }

  /** Refuses the gateway's own listening port, on every address of this machine, as a connector target. */
  reserveOwnPort(port: number): void {
    if (port > 0) this.#reserved.push({ label: 'the gateway itself', host: null, port });
  }

  /** Refuses another upstream's host and port (e.g. the data center's URL) as a connector target. */
  reserveUpstream(label: string, url: string): void {
    const parsed = new URL(url);
    this.#reserved.push({ label: `the ${label} upstream`, host: bareHost(parsed.hostname), port: portOf(parsed) });
  }

  /**
   * Checks a connector's base URL: the addresses its host may be reached at.
   * @throws DestinationRefusedError saying why it may not be reached.
   */
  admitUrl(url: string): Promise<string[]> {
    const parsed = new URL(url);
    return this.admit(parsed.hostname, portOf(parsed));
  }

  /**
   * Resolves a host once and checks every address and the port.
   * @param hostname as a URL carries it (brackets around IPv6 optional).
   * @returns the checked addresses, to connect to one of them and never to the name.
   * @throws DestinationRefusedError saying why it may not be reached.
   */
  async admit(hostname: string, port: number): Promise<string[]> {
    const host = bareHost(hostname);
    const literal = isIP(host) !== 0;
    const resolved = literal ? [host] : await this.#lookup(host);
    const addresses = resolved.map((text) => {
      const address = parseAddress(text);
      if (!address) throw new DestinationRefusedError('ADDRESS_NOT_ALLOWED', `${host} resolves to ${text}, which is not an IP address`);
      return address;
    });
    const shown = (address: Address) => (literal ? address.toString() : `${host} resolves to ${address.toString()}, which`);
    const list = this.#allowedHosts;
    const byName = list !== null && !literal && list.some((entry) => nameMatches(host, entry));
    for (const address of addresses) {
      const listed = list !== null && inListedRange(address, list);
      const range = address.range();
      if (!listed && range in REFUSED_RANGES && !(range === 'loopback' && this.#allowLoopback)) {
        throw new DestinationRefusedError(
          'ADDRESS_NOT_ALLOWED',
          `${shown(address)} is ${REFUSED_RANGES[range]}, which connectors may not reach`,
        );
      }
      if (list !== null && !listed && !byName) {
        throw new DestinationRefusedError(
          'HOST_NOT_ALLOWED',
          literal ? `${host} is not in CONNECTOR_ALLOWED_HOSTS` : `${host} is not in CONNECTOR_ALLOWED_HOSTS, nor is its address ${address.toString()}`,
        );
      }
    }
    await this.#checkReserved(host, port, addresses);
    return resolved;
  }

  /** Called by the guarded connector: {@link admit}, telling `onRefused` about a refusal. */
  async admitConnection(hostname: string, port: number): Promise<string[]> {
    try {
      return await this.admit(hostname, port);
    } catch (error) {
      if (error instanceof DestinationRefusedError) this.#onRefused(bareHost(hostname), port, error);
      throw error;
    }
  }

  async #lookup(host: string): Promise<string[]> {
    let addresses: string[];
    try {
      addresses = await this.#resolve(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) throw new DestinationRefusedError('HOST_NOT_RESOLVED', `${host} could not be resolved to an address`);
    return addresses;
  }

  async #checkReserved(host: string, port: number, addresses: readonly Address[]): Promise<void> {
    for (const reserved of this.#reserved) {
      if (reserved.port !== port) continue;
      const hit =
        reserved.host === host ||
        (reserved.host === null
          ? addresses.some(isOwnAddress)
          : await this.#addressesOf(reserved.host).then((taken) => addresses.some((a) => taken.has(a.toNormalizedString()))));
      if (hit) throw new DestinationRefusedError('RESERVED_DESTINATION', `${host}:${port} is ${reserved.label}, not a department system`);
    }
  }

  /** A reserved host's addresses; one that cannot be resolved reserves nothing beyond its name. */
  async #addressesOf(host: string): Promise<Set<string>> {
    const literal = parseAddress(host);
    if (literal) return new Set([literal.toNormalizedString()]);
    const resolved = await this.#resolve(host).catch(() => [] as string[]);
    return new Set(resolved.flatMap((text) => parseAddress(text)?.toNormalizedString() ?? []));
  }
}

/**
 * Whether an address reaches this machine: loopback (a server bound to all
 * interfaces answers on every 127/8 address), unspecified (connecting to
 * 0.0.0.0 reaches the local host) or one of its interfaces.
 */
function isOwnAddress(address: Address): boolean {
  const range = address.range();
  if (range === 'loopback' || range === 'unspecified') return true;
  const normalized = address.toNormalizedString();
  return Object.values(networkInterfaces()).some((entries) =>
    (entries ?? []).some((entry) => parseAddress(entry.address.replace(/%.*$/, ''))?.toNormalizedString() === normalized),
  );
}

function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * An undici connector that asks the policy first: resolves the host once,
 * checks every address, and opens the socket to a checked address (trying
 * the next on a network error), so DNS rebinding cannot switch the target.
 * TLS still verifies the certificate against the host name (SNI from `host`).
 * @param options undici's connector options; `timeout` is the connect timeout in milliseconds (default 10000).
 */
export function guardedConnector(policy: EgressPolicy, options: buildConnector.BuildOptions = {}): buildConnector.connector {
  const connect = buildConnector(options);
  return (target, callback) => {
    const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
    policy.admitConnection(target.hostname, port).then(
      (addresses) => {
        const attempt = (index: number) =>
          connect({ ...target, hostname: addresses[index]! }, (error, socket) => {
            if (error && index + 1 < addresses.length && isNetworkError(error)) attempt(index + 1);
            else if (error) callback(error, null);
            else callback(null, socket!);
          });
        attempt(0);
      },
      (error: Error) => callback(error, null),
    );
  };
}

function isNetworkError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL';
}
