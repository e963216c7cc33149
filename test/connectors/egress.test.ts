/**
 * The egress policy decides where a department's connector may lead. Every
 * case here is decided by the check alone, with a stub resolver: nothing
 * connects anywhere.
 */
import { describe, expect, it } from 'vitest';
import { DestinationRefusedError, EgressPolicy, parseAllowedHosts, type Resolve } from '../../connectors/egress.ts';

/** A resolver that answers from a table and remembers what it was asked. */
function stubResolver(table: Record<string, string[]>): Resolve & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const answer = table[hostname];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(resolve, { asked });
}

const names = stubResolver({
  'localhost': ['127.0.0.1', '::1'],
  'metadata.test': ['169.254.169.254'],
  'sp.st.gov.cn': ['10.20.30.40'],
  'evil.gov.cn': ['169.254.169.254'],
  'loop.gov.cn': ['127.0.0.1'],
  'split.test': ['10.0.0.7', '169.254.169.254'],
  'intranet.test': ['192.168.8.8'],
  'public.test': ['203.0.113.9'],
  'dc.internal': ['10.9.9.9'],
});

const allowList = (text: string) => parseAllowedHosts(text).entries;

/** What the policy says about a URL: the addresses it may use, or the refusal's reason and words. */
async function verdict(policy: EgressPolicy, url: string) {
  try {
    return { allowed: await policy.admitUrl(url) };
  } catch (error) {
    if (!(error instanceof DestinationRefusedError)) throw error;
    return { refused: error.reason, message: error.message };
  }
}

const realUpstreams = () => new EgressPolicy({ allowedHosts: null, allowLoopback: false, resolve: names });

describe('without CONNECTOR_ALLOWED_HOSTS, with real upstreams', () => {
  it.each([
    ['http://127.0.0.1:8080', 'a loopback address'],
    ['http://127.0.0.2', 'a loopback address'],
    ['http://[::1]:8080', 'a loopback address'],
    ['http://0x7f.1', 'a loopback address'],
    ['http://2130706433', 'a loopback address'],
    ['http://0177.0.0.1', 'a loopback address'],
    ['http://127.1', 'a loopback address'],
    ['http://[::ffff:127.0.0.1]', 'a loopback address'],
    ['http://[0:0:0:0:0:ffff:7f00:1]', 'a loopback address'],
    ['http://[64:ff9b::7f00:1]', 'a loopback address'],
    ['http://169.254.169.254/latest/meta-data', 'a link-local address'],
    ['http://0xa9fea9fe', 'a link-local address'],
    ['http://[::ffff:169.254.169.254]', 'a link-local address'],
    ['http://[2002:a9fe:a9fe::1]', 'a link-local address'],
    ['http://[fe80::1]', 'a link-local address'],
    ['http://0.0.0.0:4000', 'an unspecified address'],
    ['http://0', 'an unspecified address'],
    ['http://[::]', 'an unspecified address'],
    ['http://224.0.0.1', 'a multicast address'],
    ['http://[ff02::1]', 'a multicast address'],
    ['http://255.255.255.255', 'the broadcast address'],
  ])('refuses %s as %s', async (url, kind) => {
    const result = await verdict(realUpstreams(), url);

    expect(result).toEqual({ refused: 'ADDRESS_NOT_ALLOWED', message: expect.stringContaining(`is ${kind}`) });
  });

  it('refuses a name that resolves to a refused address, saying what it resolves to', async () => {
    expect(await verdict(realUpstreams(), 'https://metadata.test/')).toEqual({
      refused: 'ADDRESS_NOT_ALLOWED',
      message: 'metadata.test resolves to 169.254.169.254, which is a link-local address (cloud metadata lives there), which connectors may not reach',
    });
    expect(await verdict(realUpstreams(), 'http://localhost:4101')).toMatchObject({ refused: 'ADDRESS_NOT_ALLOWED' });
  });

  it('checks every address a name resolves to, not only the first', async () => {
    expect(await verdict(realUpstreams(), 'http://split.test')).toMatchObject({
      refused: 'ADDRESS_NOT_ALLOWED',
      message: expect.stringContaining('169.254.169.254'),
    });
  });

  it('allows private ranges (government intranets) and public addresses', async () => {
    const policy = realUpstreams();

    expect(await verdict(policy, 'https://sp.st.gov.cn/one-thing')).toEqual({ allowed: ['10.20.30.40'] });
    expect(await verdict(policy, 'http://192.168.1.10:8080')).toEqual({ allowed: ['192.168.1.10'] });
    expect(await verdict(policy, 'http://[fd00::1]')).toEqual({ allowed: ['fd00::1'] });
    expect(await verdict(policy, 'http://public.test')).toEqual({ allowed: ['203.0.113.9'] });
  });

  it('refuses a name that does not resolve', async () => {
    expect(await verdict(realUpstreams(), 'http://nowhere.test')).toEqual({
      refused: 'HOST_NOT_RESOLVED',
      message: 'nowhere.test could not be resolved to an address',
    });
  });
});

describe('without CONNECTOR_ALLOWED_HOSTS, with the sandbox', () => {
  const sandbox = () => new EgressPolicy({ allowedHosts: null, allowLoopback: true, resolve: names });

  it('allows loopback, where the sandbox departments listen, in any spelling', async () => {
    expect(await verdict(sandbox(), 'http://127.0.0.1:4101')).toEqual({ allowed: ['127.0.0.1'] });
    expect(await verdict(sandbox(), 'http://0x7f.1:4101')).toEqual({ allowed: ['127.0.0.1'] });
    expect(await verdict(sandbox(), 'http://[::1]:4101')).toEqual({ allowed: ['::1'] });
  });

  it('still refuses link-local, unspecified, multicast and broadcast addresses', async () => {
    for (const url of ['http://169.254.169.254', 'http://[fe80::1]', 'http://0.0.0.0:4101', 'http://224.0.0.1', 'http://255.255.255.255']) {
      expect(await verdict(sandbox(), url)).toMatchObject({ refused: 'ADDRESS_NOT_ALLOWED' });
    }
  });
});

describe('with CONNECTOR_ALLOWED_HOSTS', () => {
  const listed = (text: string) => new EgressPolicy({ allowedHosts: allowList(text), allowLoopback: false, resolve: names });

  it('allows a host matching a name or a wildcard, and refuses look-alikes', async () => {
    const policy = listed('*.gov.cn, dc.internal');

    expect(await verdict(policy, 'https://sp.st.gov.cn')).toEqual({ allowed: ['10.20.30.40'] });
    expect(await verdict(policy, 'http://DC.Internal.')).toEqual({ allowed: ['10.9.9.9'] });
    expect(await verdict(policy, 'http://intranet.test')).toEqual({
      refused: 'HOST_NOT_ALLOWED',
      message: 'intranet.test is not in CONNECTOR_ALLOWED_HOSTS, nor is its address 192.168.8.8',
    });
    expect(await verdict(policy, 'http://192.168.1.10')).toEqual({
      refused: 'HOST_NOT_ALLOWED',
      message: '192.168.1.10 is not in CONNECTOR_ALLOWED_HOSTS',
    });
  });

  it('allows a host whose every address falls in a listed range', async () => {
    const policy = listed('192.168.0.0/16, 10.0.0.7');

    expect(await verdict(policy, 'http://intranet.test')).toEqual({ allowed: ['192.168.8.8'] });
    expect(await verdict(policy, 'http://192.168.200.1')).toEqual({ allowed: ['192.168.200.1'] });
    expect(await verdict(policy, 'http://sp.st.gov.cn')).toMatchObject({ refused: 'HOST_NOT_ALLOWED' });
  });

  it('closes the private ranges: only what the list names is reached', async () => {
    const policy = listed('*.gov.cn');

    expect(await verdict(policy, 'http://10.20.30.40')).toMatchObject({ refused: 'HOST_NOT_ALLOWED' });
    expect(await verdict(policy, 'http://intranet.test')).toMatchObject({ refused: 'HOST_NOT_ALLOWED' });
  });

  it('refuses a listed name that resolves to a metadata or loopback address', async () => {
    const policy = listed('*.gov.cn');

    expect(await verdict(policy, 'http://evil.gov.cn')).toMatchObject({ refused: 'ADDRESS_NOT_ALLOWED' });
    expect(await verdict(policy, 'http://loop.gov.cn')).toMatchObject({ refused: 'ADDRESS_NOT_ALLOWED' });
  });

  it('allows a loopback address with real upstreams only when the list names it', async () => {
    const policy = listed('127.0.0.1');

    expect(await verdict(policy, 'http://0x7f.1:4101')).toEqual({ allowed: ['127.0.0.1'] });
    expect(await verdict(policy, 'http://127.0.0.2:4101')).toMatchObject({ refused: 'ADDRESS_NOT_ALLOWED' });
    expect(await verdict(policy, 'http://[::1]:4101')).toMatchObject({ refused: 'ADDRESS_NOT_ALLOWED' });
  });

  it('with the sandbox, refuses the loopback addresses the list does not name', async () => {
    const policy = new EgressPolicy({ allowedHosts: allowList('127.0.0.1'), allowLoopback: true, resolve: names });

    expect(await verdict(policy, 'http://127.0.0.1:4101')).toEqual({ allowed: ['127.0.0.1'] });
    expect(await verdict(policy, 'http://127.0.0.2:4101')).toEqual({ refused: 'HOST_NOT_ALLOWED', message: '127.0.0.2 is not in CONNECTOR_ALLOWED_HOSTS' });
    expect(await verdict(policy, 'http://[::1]:4101')).toEqual({ refused: 'HOST_NOT_ALLOWED', message: '::1 is not in CONNECTOR_ALLOWED_HOSTS' });
  });
});

describe('the gateway and the other upstreams', () => {
  it('refuses the gateway\'s own port on any address of this machine, and allows other ports', async () => {
    const policy = new EgressPolicy({ allowedHosts: null, allowLoopback: true, resolve: names });
    policy.reserveOwnPort(4000);

    for (const url of ['http://127.0.0.1:4000', 'http://localhost:4000', 'http://127.0.0.9:4000', 'http://[::1]:4000']) {
      expect(await verdict(policy, url)).toMatchObject({ refused: 'RESERVED_DESTINATION', message: expect.stringContaining('is the gateway itself') });
    }
    expect(await verdict(policy, 'http://127.0.0.1:4001')).toEqual({ allowed: ['127.0.0.1'] });
  });

  it('refuses another upstream by name or by address, on its port only', async () => {
    const policy = new EgressPolicy({ allowedHosts: null, allowLoopback: false, resolve: names });
    policy.reserveUpstream('data-center', 'http://dc.internal:8443');

    expect(await verdict(policy, 'http://dc.internal:8443/api')).toEqual({
      refused: 'RESERVED_DESTINATION',
      message: 'dc.internal:8443 is the data-center upstream, not a department system',
    });
    expect(await verdict(policy, 'http://10.9.9.9:8443')).toMatchObject({ refused: 'RESERVED_DESTINATION' });
    expect(await verdict(policy, 'http://10.9.9.9:8080')).toEqual({ allowed: ['10.9.9.9'] });
  });
});

describe('CONNECTOR_ALLOWED_HOSTS', () => {
  it('reads names, wildcards, addresses in any spelling and CIDR ranges', () => {
    const { entries, problems } = parseAllowedHosts(' *.Gov.CN , sp.example.org,10.0.0.0/8, [fd00::]/8 ,0x7f.1, ::1 ');

    expect(problems).toEqual([]);
    expect(entries.map((e) => (e.kind === 'range' ? e.text : e.kind === 'suffix' ? `*.${e.suffix}` : e.name))).toEqual([
      '*.gov.cn',
      'sp.example.org',
      '10.0.0.0/8',
      'fd00::/8',
      '127.0.0.1',
      '::1',
    ]);
  });

  it('names every entry it cannot read', () => {
    expect(parseAllowedHosts('ok.gov.cn, http://x.gov.cn, 10.0.0.0/33, *.10.0.0.1, a b').problems).toEqual([
      '"http://x.gov.cn" is not a host name, *.wildcard, IP address or CIDR range',
      '"10.0.0.0/33" is not a host name, *.wildcard, IP address or CIDR range',
      '"*.10.0.0.1" is not a host name, *.wildcard, IP address or CIDR range',
      '"a b" is not a host name, *.wildcard, IP address or CIDR range',
    ]);
    expect(parseAllowedHosts(' , ').problems).toEqual(['it lists no host (unset it to use the defaults)']);
  });
});
