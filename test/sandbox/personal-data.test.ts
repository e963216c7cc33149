import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/index.ts';
import {
  LI_SI,
  RESTAURANT_CO,
  UNKNOWN_PERSON,
  ZHANG_SAN,
  fixtureData,
  getJson,
  personalDataHeaders,
  postJson,
  startFixtureSandbox,
} from './fixtures.ts';

describe('e-certificate library simulator', () => {
  let sandbox: Sandbox;
  let library: string;
  let headers: Record<string, string>;
  beforeAll(async () => {
    sandbox = await startFixtureSandbox();
    library = sandbox.urls.eCertificates;
    headers = personalDataHeaders(sandbox.tokens.eCertificates);
  });
  afterAll(() => sandbox.close());

  it('returns every certificate of the holders, valid or not', async () => {
    expect(await postJson(`${library}/api/v1/certificates/search`, { holderIds: [ZHANG_SAN, LI_SI] }, headers)).toEqual({
      status: 200,
      body: { items: fixtureData().certificates },
    });
  });

  it('narrows a search to the asked certificate types', async () => {
    const search = { holderIds: [ZHANG_SAN], typeCodes: ['CT-SPJY'] };
    expect(await postJson(`${library}/api/v1/certificates/search`, search, headers)).toEqual({
      status: 200,
      body: { items: [fixtureData().certificates[1]] },
    });
  });

  it('reads one certificate by id, and answers 404 for an unknown one', async () => {
    expect(await getJson(`${library}/api/v1/certificates/EC-0001`, { headers })).toEqual({
      status: 200,
      body: fixtureData().certificates[0],
    });
    expect(await getJson(`${library}/api/v1/certificates/EC-NOPE`, { headers })).toEqual({
      status: 404,
      body: { code: 'CERTIFICATE_NOT_FOUND', message: 'No certificate with id EC-NOPE' },
    });
  });

  it('refuses a certificate search without the bearer token, or with a wrong one', async () => {
    const { authorization: _authorization, ...withoutToken } = headers;
    for (const attempt of [withoutToken, { ...headers, authorization: 'Bearer wrong' }]) {
      const response = await fetch(`${library}/api/v1/certificates/search`, {
        method: 'POST',
        headers: attempt,
        body: JSON.stringify({ holderIds: [ZHANG_SAN] }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toEqual({ code: 'UNAUTHORIZED', message: 'A valid bearer token is required' });
    }
  });

  it('refuses a certificate read that does not say why and for whom', async () => {
    const { 'x-purpose': _purpose, ...withoutPurpose } = headers;
    expect(await getJson(`${library}/api/v1/certificates/EC-0001`, { headers: withoutPurpose })).toEqual({
      status: 400,
      body: { code: 'MISSING_HEADER', message: 'The x-purpose header is required' },
    });
    const { 'x-operator': _operator, ...withoutOperator } = headers;
    expect(await postJson(`${library}/api/v1/certificates/search`, { holderIds: [ZHANG_SAN] }, withoutOperator)).toEqual({
      status: 400,
      body: { code: 'MISSING_HEADER', message: 'The x-operator header is required' },
    });
  });

  it('refuses a malformed search: no holders, more than 100, or not JSON', async () => {
    const search = (body: string) =>
      fetch(`${library}/api/v1/certificates/search`, { method: 'POST', headers, body }).then((response) => response.status);
    expect(await search(JSON.stringify({ holderIds: [] }))).toBe(400);
    expect(await search(JSON.stringify({ holderIds: Array.from({ length: 101 }, (_, index) => `H${index}`) }))).toBe(400);
    expect(await search(JSON.stringify({ typeCodes: ['CT-YYZZ'] }))).toBe(400);
    expect(await search('{"holderIds": [')).toBe(400);
    expect(await search('')).toBe(400);
  });
});

describe('data center simulator', () => {
  let sandbox: Sandbox;
  let center: string;
  let headers: Record<string, string>;
  beforeAll(async () => {
    sandbox = await startFixtureSandbox();
    center = sandbox.urls.dataCenter;
    headers = personalDataHeaders(sandbox.tokens.dataCenter);
  });
  afterAll(() => sandbox.close());

  it('returns the known persons in the order asked, leaving out unknown ones', async () => {
    const [zhangSan, liSi] = fixtureData().persons;
    expect(await postJson(`${center}/api/v1/persons/query`, { idNumbers: [LI_SI, UNKNOWN_PERSON, ZHANG_SAN] }, headers)).toEqual({
      status: 200,
      body: { items: [liSi, zhangSan] },
    });
  });

  it('returns the known enterprises, leaving out unknown ones', async () => {
    const body = { creditCodes: [RESTAURANT_CO, '91440514MA4WXXXXXX'] };
    expect(await postJson(`${center}/api/v1/enterprises/query`, body, headers)).toEqual({
      status: 200,
      body: { items: fixtureData().enterprises },
    });
  });

  it('says for each subject asked whether a dataset holds its record', async () => {
    const body = { subjectIds: [LI_SI, UNKNOWN_PERSON, ZHANG_SAN] };
    expect(await postJson(`${center}/api/v1/datasets/marriage-registration/availability`, body, headers)).toEqual({
      status: 200,
      body: {
        items: [
          { subjectId: LI_SI, available: false },
          { subjectId: UNKNOWN_PERSON, available: false },
          { subjectId: ZHANG_SAN, available: true },
        ],
      },
    });
  });

  it('answers 404 for an unknown dataset', async () => {
    expect(await postJson(`${center}/api/v1/datasets/pets/availability`, { subjectIds: [ZHANG_SAN] }, headers)).toEqual({
      status: 404,
      body: { code: 'DATASET_NOT_FOUND', message: 'No dataset named pets' },
    });
  });

  it('refuses a query without the token, without the access headers, or without subjects', async () => {
    const query = (body: unknown, attempt: Record<string, string>) =>
      postJson(`${center}/api/v1/persons/query`, body, attempt).then(({ status }) => status);
    expect(await query({ idNumbers: [ZHANG_SAN] }, { ...headers, authorization: `Bearer ${sandbox.tokens.eCertificates}` })).toBe(401);
    const { 'x-purpose': _purpose, ...withoutPurpose } = headers;
    expect(await query({ idNumbers: [ZHANG_SAN] }, withoutPurpose)).toBe(400);
    expect(await query({ idNumbers: [] }, headers)).toBe(400);
    expect(await query({ creditCodes: [RESTAURANT_CO] }, headers)).toBe(400);
  });
});
