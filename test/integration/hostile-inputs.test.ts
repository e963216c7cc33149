/**
 * What an attacker (or a broken client) sends, against the real gateway over
 * HTTP: queries too big to serve, bodies the gateway will not read, huge
 * inputs, strings that look like code, tokens that must not get in, and
 * other people's ids. Every one gets a typed answer; none crashes anything.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxJwtSecret } from '../../server/bootstrap.ts';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { submissionOf } from '../support/submission.ts';
import { FATHER, MOTHER, SERVICE_FIELDS, newbornAnswers, newbornForm } from '../support/newborn.ts';


const SQL = "'; DROP TABLE applications; --";
const SCRIPT = '<script>alert(1)</script>';
const JNDI = '${jndi:ldap://x}';
const NUL = '\u0000';

const answers = newbornAnswers(['VACCINATION', 'MEDICAL_INSURANCE', 'SSCARD']);
const form = newbornForm(SERVICE_FIELDS);

const withForm = (values: Record<string, string>) =>
  [...form.filter((f) => !(f.key in values)), ...Object.entries(values).map(([key, value]) => ({ key, value }))];

let gateway: TestGateway;
let father: string;
let mother: string;
let fatherPdf: string;
let motherPdf: string;

beforeAll(async () => {
  gateway = await startTestGateway({ MUTATION_RATE_LIMIT: 'off' });
  father = await gateway.mint({ sub: FATHER, name: '陈晓明', role: 'APPLICANT' });
  mother = await gateway.mint({ sub: MOTHER, name: '林美玲', role: 'APPLICANT' });
  fatherPdf = await upload(father, '%PDF-1.7\n% father\n%%EOF\n');
  motherPdf = await upload(mother, '%PDF-1.7\n% mother\n%%EOF\n');
});
afterAll(async () => {
  await gateway?.close();
});

async function upload(token: string, text: string): Promise<string> {
  const response = await fetch(`${gateway.gateway.url}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: Buffer.from(text),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { fileRef: string }).fileRef;
}

const submitInput = (idempotencyKey: string, extra: Record<string, unknown> = {}) => ({
  topicCode: 'CN-YJS-XSECS',
  answers,
  form,
  uploads: [
    { materialCode: 'M-SFZ', fileRef: fatherPdf },
    { materialCode: 'M-FMJL', fileRef: fatherPdf },
    { materialCode: 'M-ZP', fileRef: fatherPdf },
  ],
  deferredMaterials: ['M-SZJZJL'],
  deliveryMethod: 'POST',
  idempotencyKey,
  ...extra,
});

const submit = (idempotencyKey: string, extra: Record<string, unknown> = {}, token = father) =>
  gateway.graphql(contractOperation('SubmitApplication'), { input: submitInput(idempotencyKey, extra) }, token);

const post = (body: RequestInit['body'], headers: Record<string, string> = {}, init: Record<string, unknown> = {}) =>
  fetch(`${gateway.gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, ...init });

const publicTables = async () =>
  (
    await gateway.services.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
  ).rows.map((r) => r.table_name);

const problemsOf = (body: any) => body.errors?.[0]?.extensions?.problems?.map((p: any) => [p.field, p.code]);

describe('queries too big to serve', () => {
  it('refuses a deeply nested query with QUERY_TOO_COMPLEX before asking any upstream', async () => {
    gateway.upstreamCalls.length = 0;
    const query = `{ topic(code: "CN-YJS-XSECS") { matters { ${'dependsOn { '.repeat(30)}code${' }'.repeat(30)} } } }`;

    const { status, body } = await gateway.graphql(query);

    expect(status).toBe(400);
    expect(body.errors!.map((e) => [e.message.replace(/cost of \d+/, 'cost of N'), e.extensions])).toEqual([
      ['The operation is nested 33 levels deep; the limit is 12', { code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: 12, actual: 33 }],
      ['The operation has a cost of N; the limit is 5000', { code: 'QUERY_TOO_COMPLEX', limit: 'cost', max: 5000, actual: Number.MAX_SAFE_INTEGER }],
    ]);
    expect(body.data).toBeUndefined();
    expect(gateway.upstreamCalls).toEqual([]);
  });

  it('refuses a heavily aliased query with QUERY_TOO_COMPLEX', async () => {
    const query = `{ ${Array.from({ length: 100 }, (_, i) => `t${i}: topic(code: "X") { code }`).join(' ')} }`;

    const { status, body } = await gateway.graphql(query);

    expect(status).toBe(400);
    expect(body).toEqual({
      errors: [
        {
          message: 'The operation uses 100 aliases; the limit is 30',
          locations: [{ line: 1, column: 1 }],
          extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'aliases', max: 30, actual: 100 },
        },
      ],
    });
  });

  it('refuses a document of more tokens than the limit without parsing it all', async () => {
    const { status, body } = await gateway.graphql(`{ ${'__typename '.repeat(5000)}}`);

    expect(status).toBe(400);
    expect(body).toEqual({
      errors: [{ message: 'The document has more than 2000 tokens; the limit is 2000', extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: 2000 } }],
    });
  });

  it('refuses introspection when INTROSPECTION is off, and serves everything else', async () => {
    const closed = await startTestGateway({ INTROSPECTION: 'false' });
    try {
      const schema = await closed.graphql('{ __schema { queryType { name } } }');
      const type = await closed.graphql('{ __type(name: "Query") { name } }');
      const typename = await closed.graphql('{ __typename }');

      for (const refused of [schema, type]) {
        expect(refused.status).toBe(400);
        expect(refused.body).toEqual({
          errors: [
            {
              message: expect.stringContaining('GraphQL introspection is not allowed'),
              locations: [{ line: 1, column: 3 }],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', validationErrorCode: 'INTROSPECTION_DISABLED' },
            },
          ],
        });
      }
      expect(typename.body).toEqual({ data: { __typename: 'Query' } });
    } finally {
      await closed.close();
    }
  });
});

describe('bodies the gateway will not read', () => {
  const tooLarge = { errors: [{ message: 'Request body larger than 1048576 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] };

  it('answers 413 to a body larger than MAX_BODY_BYTES, whether it says its length or not', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    const declared = await post(big);
    const chunked = await post(
      new ReadableStream({
        start(controller) {
          for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
          controller.close();
        },
      }),
      {},
      { duplex: 'half' },
    );

    expect([declared.status, await declared.json()]).toEqual([413, tooLarge]);
    expect([chunked.status, await chunked.json()]).toEqual([413, tooLarge]);
  });

  it('answers 400 to a body that is not valid UTF-8, or not JSON', async () => {
    const invalid = Buffer.concat([Buffer.from('{"query":"{ topic(code: \\"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\\") { code } }"}')]);

    const notUtf8 = await post(invalid);
    const notJson = await post('{"query": ');

    expect([notUtf8.status, await notUtf8.json()]).toEqual([400, { errors: [{ message: 'Request body is not valid UTF-8', extensions: { code: 'BAD_REQUEST' } }] }]);
    expect([notJson.status, await notJson.json()]).toEqual([400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] }]);
  });

  it('goes on serving after all of them', async () => {
    const { body } = await gateway.graphql(contractOperation('TopicGuide'), { code: 'CN-YJS-XSECS' });

    expect(body.errors).toBeUndefined();
    expect(body.data.topic.name).toBe('新生儿出生一件事');
  });
});

describe('huge inputs', () => {
  it('answers 10 000 answers to unknown questions with BAD_USER_INPUT listing the first hundred and counting the rest', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ questionId: `q${i}`, values: ['x'] }));

    const { status, body } = await gateway.graphql(contractOperation('SituationPlan'), { code: 'CN-YJS-XSECS', answers: many, form: [] }, father);

    expect(status).toBe(200);
    expect(body.data).toEqual({ topic: { code: 'CN-YJS-XSECS', plan: null } });
    expect(body.errors!.map((e) => [e.path, e.extensions!.code])).toEqual([[['topic', 'plan'], 'BAD_USER_INPUT']]);
    const problems = body.errors![0]!.extensions!.problems;
    expect(problems).toHaveLength(100);
    expect(problems[99]).toEqual({ field: 'answers.q99', code: 'UNKNOWN_QUESTION', message: 'question "q99" is not a question of this topic' });
    expect(body.errors![0]!.extensions!.problemsOmitted).toBe(9_900);
  });

  it('refuses a 1 MB string in a form value of a submission as too long, storing nothing', async () => {
    const before = (await gateway.services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM applications')).rows[0]!.n;

    const { body } = await submit('huge-name', { form: withForm({ 'child.name': 'x'.repeat(1_000_000) }) });

    expect(body.data).toBeNull();
    expect(body.errors!.map((e) => e.extensions)).toEqual([
      {
        code: 'BAD_USER_INPUT',
        problems: [{ field: 'form.child.name', code: 'TOO_LONG', message: 'field "child.name" (新生儿姓名) takes at most 20 characters, got 1000000' }],
      },
    ]);
    expect((await gateway.services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM applications')).rows[0]!.n).toBe(before);
  });

  it('plans with a 1 MB string as the spouse ID number without looking anyone up by it', async () => {
    gateway.upstreamCalls.length = 0;

    const { status, body } = await gateway.graphql(
      contractOperation('SituationPlan'),
      { code: 'CN-YJS-XSECS', answers, form: [{ key: 'spouse.idNumber', value: '4'.repeat(1_000_000) }] },
      father,
    );

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.topic.plan.materials.find((m: any) => m.code === 'M-POSFZ').exemption).toBeNull();
    expect(gateway.upstreamCalls.filter((c) => c.upstream === 'e-certificates').map((c) => c.path)).toEqual(['/api/v1/certificates/search']);
  });

  it('answers 413 to two 1 MB form values, which together pass the body limit', async () => {
    const huge = 'x'.repeat(1_000_000);
    const response = await post(JSON.stringify({ query: contractOperation('SubmitApplication'), variables: { input: submitInput('two-huge', { form: withForm({ 'child.name': huge, 'spouse.name': huge }) }) } }), {
      authorization: `Bearer ${father}`,
    });

    expect(response.status).toBe(413);
  });
});

describe('strings that look like code', () => {
  it('stores form text that looks like SQL, HTML or a JNDI lookup as text, and hands it to the departments unchanged', async () => {
    const tables = await publicTables();
    const hostile = {
      'applicant.residentialAddress': SQL,
      'applicant.householdAddress': SCRIPT,
      'child.birthPlace': JNDI,
      'card.mailAddress': `${SQL} ${SCRIPT} ${JNDI}`,
    };

    const { body } = await submit(SCRIPT, { form: withForm(hostile) });

    expect(body.errors).toBeUndefined();
    const id = body.data.submitApplication.application.id;
    const stored = await gateway.services.db.query<{ form: Record<string, unknown>; idempotency_key: string }>(
      'SELECT form, idempotency_key FROM applications WHERE id = $1',
      [id],
    );
    expect(stored.rows[0]!.idempotency_key).toBe(SCRIPT);
    expect(stored.rows[0]!.form).toMatchObject(hostile);
    const sent = await submissionOf(gateway.services.db, id, '440514-WJ-GG-0001');
    expect(sent.form).toMatchObject({ 'child.birthPlace': JNDI });
    expect(await publicTables()).toEqual(tables);
    // The same (odd but valid) idempotency key finds the same application again.
    const again = await submit(SCRIPT, { form: withForm(hostile) });
    expect(again.body.data.submitApplication.application.id).toBe(id);
  });

  it('refuses a NUL character in a form value as bad input rather than failing inside', async () => {
    const { body } = await submit('nul-in-form', { form: withForm({ 'spouse.name': `林${NUL}美玲` }) });

    expect(body.errors!.map((e) => e.extensions!.code)).toEqual(['BAD_USER_INPUT']);
    expect(problemsOf(body)).toEqual([[`input.form[${form.length - 1}].value`, 'INVALID_CHARACTER']]);
  });

  it('refuses such strings in every other text input of a submission as bad input, naming each', async () => {
    const tables = await publicTables();

    const { body } = await submit(SQL, {
      answers: [...answers.filter((a) => a.questionId !== 'hukouWith'), { questionId: 'hukouWith', values: [SCRIPT] }, { questionId: JNDI, values: [SQL] }],
      form: [...form, { key: SCRIPT, value: 'x' }],
      uploads: [
        { materialCode: 'M-SFZ', fileRef: SQL },
        { materialCode: 'M-FMJL', fileRef: fatherPdf },
        { materialCode: 'M-ZP', fileRef: fatherPdf },
        { materialCode: JNDI, fileRef: fatherPdf },
      ],
      deferredMaterials: ['M-SZJZJL', SQL],
    });

    // The key is checked first: a key with spaces is refused before anything else is looked at.
    expect(body.data).toBeNull();
    expect(problemsOf(body)).toEqual([['idempotencyKey', 'BAD_IDEMPOTENCY_KEY']]);

    const second = await submit('hostile-inputs-2', {
      answers: [...answers.filter((a) => a.questionId !== 'hukouWith'), { questionId: 'hukouWith', values: [SCRIPT] }, { questionId: JNDI, values: [SQL] }],
    });
    expect(problemsOf(second.body)).toEqual([
      ['answers.hukouWith', 'NOT_AN_OPTION'],
      ['answers.${jndi:ldap://x}', 'UNKNOWN_QUESTION'],
    ]);

    const third = await submit('hostile-inputs-3', {
      form: [...form, { key: SCRIPT, value: SQL }],
      uploads: [
        { materialCode: 'M-SFZ', fileRef: SQL },
        { materialCode: 'M-FMJL', fileRef: fatherPdf },
        { materialCode: 'M-ZP', fileRef: fatherPdf },
        { materialCode: JNDI, fileRef: fatherPdf },
      ],
      deferredMaterials: ['M-SZJZJL', SQL],
    });
    expect(third.body.errors!.map((e) => e.extensions!.code)).toEqual(['BAD_USER_INPUT']);
    expect(problemsOf(third.body)).toEqual([
      [`form.${SCRIPT}`, 'UNKNOWN_FIELD'],
      ['materials.M-SFZ', 'BAD_FILE_REF'],
      [`materials.${JNDI}`, 'UNKNOWN_MATERIAL'],
      [`materials.${SQL}`, 'UNKNOWN_MATERIAL'],
    ]);

    const fourth = await submit('hostile-inputs-4', { topicCode: SQL });
    expect(problemsOf(fourth.body)).toEqual([['topicCode', 'UNKNOWN_TOPIC']]);
    expect(await publicTables()).toEqual(tables);
  });

  it('plans with such strings in the form values without looking anyone up by them', async () => {
    for (const value of [SQL, SCRIPT, JNDI]) {
      gateway.upstreamCalls.length = 0;

      const { status, body } = await gateway.graphql(
        contractOperation('SituationPlan'),
        { code: 'CN-YJS-XSECS', answers, form: [{ key: 'spouse.idNumber', value }, { key: value, value }, { key: 'child.name', value }] },
        father,
      );

      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data.topic.plan.materials.find((m: any) => m.code === 'M-POSFZ').exemption).toBeNull();
      expect(gateway.upstreamCalls.filter((c) => c.upstream === 'e-certificates')).toHaveLength(1);
    }
  });

  it('registers a connector whose token, secret and address carry such strings, keeping them as text', async () => {
    const admin = gateway.tokenOf('ADMIN');
    const tables = await publicTables();
    const baseUrl = `http://127.0.0.1:9/${SQL}/${SCRIPT}/${JNDI}`;
    // A bearer token is printable ASCII without spaces; this one is all the rest of them.
    const token = `';DROP/**/TABLE/**/applications;--${SCRIPT}${JNDI}`.replaceAll(' ', '');

    const { body } = await gateway.graphql(
      contractOperation('RegisterConnector'),
      { input: { departmentCode: 'SWJ-440514', baseUrl, token, webhookSecret: `${SQL}${SCRIPT}${JNDI}`, matterCodes: ['440514-SW-GG-0001'], timeoutMs: 200 } },
      admin,
    );

    expect(body.errors).toBeUndefined();
    const url = new URL(baseUrl);
    expect(body.data.registerConnector.connector).toMatchObject({
      department: { code: 'SWJ-440514', name: expect.any(String) },
      baseUrl: `${url.origin}${url.pathname}`,
      matterCodes: ['440514-SW-GG-0001'],
      health: { status: 'DOWN' },
    });
    const listed = await gateway.graphql(contractOperation('Connectors'), {}, admin);
    expect(listed.body.data.connectors.filter((c: any) => c.department?.code === 'SWJ-440514').map((c: any) => c.baseUrl)).toEqual([`${url.origin}${url.pathname}`]);
    expect(JSON.stringify(listed.body)).not.toContain('DROP/**/TABLE');
    expect(await publicTables()).toEqual(tables);
  });

  it('refuses such strings as a department or matter code, or a token with spaces or NUL, of a connector as bad input', async () => {
    const admin = gateway.tokenOf('ADMIN');
    const register = (input: Record<string, unknown>) =>
      gateway.graphql(contractOperation('RegisterConnector'), { input: { departmentCode: 'SWJ-440514', baseUrl: 'http://127.0.0.1:9', token: 't', matterCodes: ['440514-SW-GG-0001'], ...input } }, admin);

    const codes = await register({ departmentCode: SQL, matterCodes: [SCRIPT, JNDI, SQL] });
    const tokens = await Promise.all([SQL, NUL].map((token) => register({ token })));

    expect(codes.body.data).toBeNull();
    expect(problemsOf(codes.body)).toEqual([
      ['matterCodes', 'NOT_A_MATTER_OF_DEPARTMENT'],
      ['matterCodes', 'NOT_A_MATTER_OF_DEPARTMENT'],
      ['matterCodes', 'NOT_A_MATTER_OF_DEPARTMENT'],
    ]);
    // A NUL is refused at the edge, before the connector's own checks (server/text-inputs.ts).
    expect(tokens.map((t) => problemsOf(t.body))).toEqual([[['token', 'INVALID_TOKEN']], [['input.token', 'INVALID_CHARACTER']]]);
  });
});

describe('tokens that must not get in', () => {
  const secret = () => new TextEncoder().encode(sandboxJwtSecret(gateway.config.dataDir));
  const claims = { role: 'APPLICANT', name: '陈晓明' };
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  const tokens: Array<[string, () => Promise<string>, string]> = [
    ['with a forged signature', async () => `${father.slice(0, father.lastIndexOf('.'))}.${Buffer.from('forged').toString('base64url')}`, 'The token is not valid'],
    ['with a changed payload', async () => {
      const [header, , signature] = father.split('.');
      return `${header}.${b64({ sub: MOTHER, ...claims, exp: Math.floor(Date.now() / 1000) + 3600 })}.${signature}`;
    }, 'The token is not valid'],
    ['expired', () => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(FATHER).setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(secret()), 'The token has expired'],
    ['with alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: FATHER, ...claims, exp: Math.floor(Date.now() / 1000) + 3600 })}.`, 'The token is not valid'],
    ['signed with another secret', () => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(FATHER).setExpirationTime('1h').sign(new TextEncoder().encode('another-secret-of-at-least-32-bytes!!')), 'The token is not valid'],
    ['signed with an algorithm the gateway does not accept', () => new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).setSubject(FATHER).setExpirationTime('1h').sign(secret()), 'The token is not valid'],
    ['without an expiry', () => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(FATHER).sign(secret()), 'The token is not valid'],
    ['whose sub is a number', () => new SignJWT({ ...claims, sub: 12345 as unknown as string }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(secret()), 'The token has no valid sub claim'],
    ['whose sub is an empty string', () => new SignJWT({ ...claims, sub: '' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(secret()), 'The token has no valid sub claim'],
    ['whose sub is blank', () => new SignJWT({ ...claims, sub: '  ' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(secret()), 'The token has no valid sub claim'],
  ];

  it.each(tokens)('refuses a token %s with 401 UNAUTHENTICATED', async (_name, make, message) => {
    const { status, headers, body } = await gateway.graphql(contractOperation('MyApplications'), { first: 1 }, await make());

    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer');
    expect(body).toEqual({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it.each(tokens.filter(([name]) => name.startsWith('whose sub')))('refuses an upload with a token %s with 401', async (_name, make, message) => {
    const response = await fetch(`${gateway.gateway.url}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await make()}` },
      body: Buffer.from('%PDF-1.7\n% nobody\n%%EOF\n'),
    });

    expect([response.status, await response.json()]).toEqual([401, { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }]);
  });

  it.each([
    ['department staff', { sub: 'staff-wj', name: '卫健窗口', role: 'DEPARTMENT_STAFF' as const, dept: 'WJJ-440514' }],
    ['an evaluator', { sub: 'evaluator-1', name: '评估员', role: 'EVALUATOR' as const }],
    ['an administrator', { sub: 'admin-1', name: '管理员', role: 'ADMIN' as const }],
  ])('refuses an upload by %s with 403, storing nothing', async (_who, claims) => {
    const before = await gateway.services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM uploads');
    const response = await fetch(`${gateway.gateway.url}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await gateway.mint(claims)}` },
      body: Buffer.from('%PDF-1.7\n% not an applicant\n%%EOF\n'),
    });

    expect([response.status, await response.json()]).toEqual([
      403,
      { errors: [{ message: 'Only applicants upload materials; this token is not an applicant’s', extensions: { code: 'FORBIDDEN' } }] },
    ]);
    expect((await gateway.services.db.query('SELECT count(*)::int AS n FROM uploads')).rows).toEqual(before.rows);
  });
});

describe('an applicant who writes someone else in as the applicant', () => {
  const spouseAsApplicant = withForm({ 'applicant.idNumber': MOTHER });
  const notTheApplicant = [['form.applicant.idNumber', 'NOT_THE_APPLICANT']];

  it('gets BAD_USER_INPUT for the plan, and nobody\'s records are read', async () => {
    gateway.upstreamCalls.length = 0;
    const { body } = await gateway.graphql(contractOperation('SituationPlan'), { code: 'CN-YJS-XSECS', answers, form: spouseAsApplicant }, father);

    expect(body.data).toEqual({ topic: { code: 'CN-YJS-XSECS', plan: null } });
    expect(problemsOf(body)).toEqual(notTheApplicant);
    expect(gateway.upstreamCalls.filter((c) => c.upstream === 'e-certificates' || c.upstream === 'data-center')).toEqual([]);
  });

  it('gets BAD_USER_INPUT for the submission, with its other problems, and nothing is stored', async () => {
    const { body } = await submit('spouse-as-applicant', { form: spouseAsApplicant });
    const stored = await gateway.services.db.query("SELECT count(*)::int AS n FROM applications WHERE idempotency_key = 'spouse-as-applicant'");

    expect(problemsOf(body)).toEqual(notTheApplicant);
    expect(stored.rows).toEqual([{ n: 0 }]);
  });

  it('is accepted when the field is the subject itself, typed with a lower-case x or spaces', async () => {
    const { body } = await gateway.graphql(
      contractOperation('SituationPlan'),
      { code: 'CN-YJS-XSECS', answers, form: withForm({ 'applicant.idNumber': ` ${FATHER} ` }) },
      father,
    );

    expect(body.errors).toBeUndefined();
  });
});

describe("another subject's ids", () => {
  let fathersApplication: string;
  const madeUp = 'OT20261126ZZZZZZZZZZ';

  beforeAll(async () => {
    const { body } = await submit('hostile-own-application');
    fathersApplication = body.data.submitApplication.application.id;
  });

  /** The answer for someone else's id, with the id replaced, is the same as for an id that does not exist. */
  const sameAsMissing = (theirs: unknown, missing: unknown, theirId: string, missingId: string) =>
    expect(JSON.parse(JSON.stringify(theirs).replaceAll(theirId, '<id>'))).toEqual(JSON.parse(JSON.stringify(missing).replaceAll(missingId, '<id>')));

  it('answers null for the application of someone else, as for one that does not exist', async () => {
    const theirs = await gateway.graphql(contractOperation('ApplicationStatus'), { id: fathersApplication }, mother);
    const missing = await gateway.graphql(contractOperation('ApplicationStatus'), { id: madeUp }, mother);

    expect(theirs.body).toEqual({ data: { application: null } });
    expect(missing.body).toEqual({ data: { application: null } });
  });

  it('refuses to supplement the application of someone else exactly as one that does not exist', async () => {
    const input = (applicationId: string) => ({
      input: { applicationId, matterCode: '440514-WJ-GG-0002', uploads: [{ materialCode: 'M-SZJZJL', fileRef: motherPdf }], idempotencyKey: 'supplement-1' },
    });

    const theirs = await gateway.graphql(contractOperation('SupplementMaterials'), input(fathersApplication), mother);
    const missing = await gateway.graphql(contractOperation('SupplementMaterials'), input(madeUp), mother);

    expect(problemsOf(theirs.body)).toEqual([['applicationId', 'UNKNOWN_APPLICATION']]);
    sameAsMissing(theirs.body, missing.body, fathersApplication, madeUp);
  });

  it('refuses to rate the application of someone else exactly as one that does not exist', async () => {
    const input = (applicationId: string) => ({ input: { applicationId, grade: 1, comment: '差', channel: 'PC' } });

    const theirs = await gateway.graphql(contractOperation('RateApplication'), input(fathersApplication), mother);
    const missing = await gateway.graphql(contractOperation('RateApplication'), input(madeUp), mother);

    expect(problemsOf(theirs.body)).toEqual([['applicationId', 'UNKNOWN_APPLICATION']]);
    sameAsMissing(theirs.body, missing.body, fathersApplication, madeUp);
  });

  it('refuses department staff the removal of another department connector exactly as a missing one', async () => {
    const connectors = (await gateway.graphql(contractOperation('Connectors'), {}, gateway.tokenOf('ADMIN'))).body.data.connectors;
    const health = connectors.find((c: any) => c.department?.code === 'WJJ-440514').id;
    const staff = await gateway.mint({ sub: 'staff-ga', name: '户政窗口', role: 'DEPARTMENT_STAFF', dept: 'GAFJ-440514' });
    const otherId = '00000000-0000-4000-8000-000000000000';

    const theirs = await gateway.graphql(contractOperation('RemoveConnector'), { id: health }, staff);
    const missing = await gateway.graphql(contractOperation('RemoveConnector'), { id: otherId }, staff);

    expect(problemsOf(theirs.body)).toEqual([['id', 'UNKNOWN_CONNECTOR']]);
    sameAsMissing(theirs.body, missing.body, health, otherId);
    const still = (await gateway.graphql(contractOperation('Connectors'), {}, gateway.tokenOf('ADMIN'))).body.data.connectors;
    expect(still.map((c: any) => c.id)).toContain(health);
  });

  it("shows department staff their own department's cases only, down to the cases of each application", async () => {
    const staff = await gateway.mint({ sub: 'staff-yb', name: '医保窗口', role: 'DEPARTMENT_STAFF', dept: 'YBJ-440514' });

    const { body } = await gateway.graphql(
      '{ departmentCases(first: 50) { edges { node { matter { code } application { id cases { department { code } } } } } } }',
      {},
      staff,
    );
    const materials = await gateway.graphql(`{ departmentCases(first: 1) { edges { node { application { materials { code } } } } } }`, {}, staff);

    expect(body.errors).toBeUndefined();
    const nodes = body.data.departmentCases.edges.map((e: any) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    expect(new Set(nodes.map((n: any) => n.matter.code))).toEqual(new Set(['440514-YB-GG-0001']));
    expect(new Set(nodes.flatMap((n: any) => n.application.cases.map((c: any) => c.department.code)))).toEqual(new Set(['YBJ-440514']));
    expect(materials.body.errors!.map((e) => e.extensions!.code)).toEqual(['FORBIDDEN']);
  });

  it("refuses someone else's uploaded file exactly as a file that does not exist", async () => {
    const uploads = (fileRef: string) => [
      { materialCode: 'M-SFZ', fileRef },
      { materialCode: 'M-FMJL', fileRef: fatherPdf },
      { materialCode: 'M-ZP', fileRef: fatherPdf },
    ];
    const missingRef = `sha256:${'0'.repeat(64)}`;

    const theirs = await submit('others-file', { uploads: uploads(motherPdf) });
    const missing = await submit('missing-file', { uploads: uploads(missingRef) });

    expect(problemsOf(theirs.body)).toEqual([['materials.M-SFZ', 'FILE_NOT_FOUND']]);
    sameAsMissing(theirs.body, missing.body, motherPdf, missingRef);
  });
});
