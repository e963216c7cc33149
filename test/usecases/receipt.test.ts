/**
 * Receipts (受理回执) on their ports: a real database (embedded always,
 * PostgreSQL when TEST_DATABASE_URL is set) holding the accepted
 * application, a real seal with freshly made keys, the official working-day
 * calendar, and an in-memory registry that counts how often it is asked.
 */
import { describe, expect, it } from 'vitest';
import type { SignedInUser } from '../../domain/actor.ts';
import { encodeReceiptPayload, type ReceiptContent } from '../../domain/receipt.ts';
import { addWorkingDays } from '../../domain/working-days.ts';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { generateSigningKeyPem, readPublicKey, readSigningKey, Seal } from '../../lib/seal.ts';
import { insertApplication } from '../../store/applications.ts';
import type { Database } from '../../store/database.ts';
import { receiptOf, verifyReceipt, type ReceiptDeps } from '../../usecases/receipt.ts';
import { backends, openFresh, postgresSkipped } from '../store/backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const CHEN = '440514199403120356';
const chen: SignedInUser = { kind: 'user', subject: CHEN, name: '陈晓明', role: 'APPLICANT' };
const admin: SignedInUser = { kind: 'user', subject: 'admin-01', name: '管理员', role: 'ADMIN' };
/** Accepted on Thursday 2026-11-26 at 17:30 China time; the receipt is asked for a minute later. */
const ACCEPTED_AT = new Date('2026-11-26T17:30:00+08:00');
const NOW = new Date('2026-11-26T09:31:00Z');
const VERIFICATION_CODE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

const sm2Key = readSigningKey(generateSigningKeyPem('SM2-SM3'));
const seal = new Seal(sm2Key);

/** Stores an accepted application of 陈晓明 (unless told) for a newborn: two matters, one material deferred. */
async function accepted(db: Database, id = 'OT20261126ABCDEFGHJK', applicant = CHEN): Promise<string> {
  await db.transaction((tx) =>
    insertApplication(
      tx,
      {
        application: {
          id,
          applicant,
          applicantKind: 'PERSON',
          applicantName: '陈晓明',
          topicCode: 'CN-YJS-XSECS',
          topicName: '新生儿出生一件事',
          topicVersion: 4,
          region: '440514',
          answers: {},
          form: {},
          deliveryMethod: 'POST',
          channel: 'WINDOW',
          idempotencyKey: `key-${id}`,
          requestFingerprint: null,
          materialsBefore: 5,
          materialsToSubmit: 2,
          legalDaysTotal: 40,
          committedDays: 10,
        },
        materials: [
          { position: 0, code: 'M-SFZ', name: '申请人居民身份证', provision: 'UPLOADED', exemption: null, fileRefs: [`sha256:${'a'.repeat(64)}`], requiredBy: ['M-WJ'] },
          { position: 1, code: 'M-JZJL', name: '新生儿接种记录', provision: 'DEFERRED', exemption: null, fileRefs: [], requiredBy: ['M-WJ'] },
          { position: 2, code: 'M-CSYXZM', name: '出生医学证明', provision: 'INTERNAL_RESULT', exemption: { reason: 'INTERNAL_RESULT', producedBy: 'M-WJ' }, fileRefs: [], requiredBy: ['M-GA'] },
        ],
        cases: [
          { id: `${id}-01`, position: 0, matterCode: 'M-WJ', matterName: '出生医学证明首次签发', departmentCode: 'WJJ-440514', dependsOn: [], resultCertificateType: 'CT-BIRTH', formFields: [], status: 'QUEUED' },
          { id: `${id}-02`, position: 1, matterCode: 'M-GA', matterName: '出生登记（新生儿入户）', departmentCode: 'GAFJ-440514', dependsOn: ['M-WJ'], resultCertificateType: null, formFields: [], status: 'WAITING_FOR_PREREQUISITE' },
        ],
      },
      ACCEPTED_AT,
    ),
  );
  return id;
}

/** Ports over `db` and `sealInUse`, with a registry that knows 承诺时限 `committed` and counts its questions. */
function ports(db: Database, sealInUse: Pick<Seal, 'sign'> = seal, committed = new Map([['M-WJ', 3], ['M-GA', 5]])) {
  const asked = { registry: 0 };
  const deps: ReceiptDeps = {
    db,
    seal: sealInUse,
    committedDaysOf: async (codes) => {
      asked.registry++;
      return new Map(codes.flatMap((code) => (committed.has(code) ? [[code, committed.get(code)!] as const] : [])));
    },
    departmentNames: async () => {
      asked.registry++;
      return new Map([['WJJ-440514', '汕头市潮南区卫生健康局'], ['GAFJ-440514', '汕头市公安局潮南分局']]);
    },
    addWorkingDays,
    deferredMaterialDays: 5,
    now: () => NOW,
  };
  return { deps, asked };
}

const receiptRows = async (db: Database) =>
  (await db.query('SELECT application_id, key_id, algorithm FROM receipts ORDER BY application_id')).rows;

/** The payload with one character of its signature changed. */
const tampered = (payload: string) => {
  const at = payload.length - 20;
  return `${payload.slice(0, at)}${payload[at] === 'A' ? 'B' : 'A'}${payload.slice(at + 1)}`;
};

describe.each(backends.map((b) => [b.kind, b] as const))('receipts on the %s database', (_kind, backend) => {
  it('issues the applicant’s receipt on first request: everything they keep as proof, signed with the seal and stored', async () => {
    const db = await openFresh(backend);
    const id = await accepted(db);

    const receipt = (await receiptOf(ports(db).deps, chen, { applicationId: id }))!;

    const content: ReceiptContent = {
      version: 1,
      reference: id,
      verificationCode: expect.stringMatching(VERIFICATION_CODE),
      issuedAt: '2026-11-26T09:31:00.000Z',
      acceptedAt: '2026-11-26T09:30:00.000Z',
      topic: { code: 'CN-YJS-XSECS', name: '新生儿出生一件事', version: 4 },
      region: '440514',
      applicant: { kind: 'PERSON', name: '陈晓明', idNumber: '440514***********6' },
      channel: 'WINDOW',
      deliveryMethod: 'POST',
      matters: [
        { code: 'M-WJ', name: '出生医学证明首次签发', department: { code: 'WJJ-440514', name: '汕头市潮南区卫生健康局' }, committedDays: 3 },
        { code: 'M-GA', name: '出生登记（新生儿入户）', department: { code: 'GAFJ-440514', name: '汕头市公安局潮南分局' }, committedDays: 5 },
      ],
      materials: [
        { code: 'M-SFZ', name: '申请人居民身份证', provision: 'UPLOADED' },
        // Five working days from Thursday: Friday, then Monday to Thursday.
        { code: 'M-JZJL', name: '新生儿接种记录', provision: 'DEFERRED', dueDate: '2026-12-03' },
        { code: 'M-CSYXZM', name: '出生医学证明', provision: 'INTERNAL_RESULT' },
      ],
      committedDays: 10,
      dueDate: '2026-12-10',
    };
    expect(receipt).toEqual({
      content,
      signedText: canonicalJson(receipt.content),
      kid: sm2Key.kid,
      algorithm: 'SM2-SM3',
      signature: expect.any(String),
      payload: encodeReceiptPayload({ reference: id, kid: sm2Key.kid, signature: receipt.signature }),
    });
    expect(sm2Key.verify(receipt.signedText, receipt.signature)).toBe(true);
    expect(await receiptRows(db)).toEqual([{ application_id: id, key_id: sm2Key.kid, algorithm: 'SM2-SM3' }]);
  });

  it('gives the same receipt ever after, without asking the registry again, whatever the registry says now', async () => {
    const db = await openFresh(backend);
    const id = await accepted(db);
    const first = await receiptOf(ports(db).deps, chen, { applicationId: id });
    const later = ports(db, seal, new Map([['M-WJ', 1]]));

    expect(await receiptOf(later.deps, chen, { applicationId: id })).toEqual(first);
    expect(later.asked.registry).toBe(0);
  });

  it('lets ADMIN fetch anyone’s receipt, the same one the applicant gets', async () => {
    const db = await openFresh(backend);
    const id = await accepted(db);

    const forAdmin = await receiptOf(ports(db).deps, admin, { applicationId: id });

    expect(forAdmin?.content.reference).toBe(id);
    expect(await receiptOf(ports(db).deps, chen, { applicationId: id })).toEqual(forAdmin);
  });

  it('answers null to anyone else, as for an application that does not exist, and issues nothing', async () => {
    const db = await openFresh(backend);
    const id = await accepted(db);
    const others: SignedInUser[] = [
      { kind: 'user', subject: '440514199001011234', name: '张三', role: 'APPLICANT' },
      { kind: 'user', subject: 'staff-wjj', name: '卫健局工作人员', role: 'DEPARTMENT_STAFF', department: 'WJJ-440514' },
      { kind: 'user', subject: 'evaluator-01', name: '评估员', role: 'EVALUATOR' },
      { kind: 'user', subject: 'window-01', name: '窗口人员', role: 'WINDOW_STAFF', hall: 'HALL-440514' },
    ];
    const { deps, asked } = ports(db);

    for (const other of others) expect(await receiptOf(deps, other, { applicationId: id })).toBeNull();
    expect(await receiptOf(deps, chen, { applicationId: 'OT-NO-SUCH' })).toBeNull();
    expect(await receiptRows(db)).toEqual([]);
    expect(asked.registry).toBe(0);
  });

  it('keeps one receipt when it is asked for twice at once: both callers get the one stored', async () => {
    const db = await openFresh(backend);
    const id = await accepted(db);

    const [a, b] = await Promise.all([receiptOf(ports(db).deps, chen, { applicationId: id }), receiptOf(ports(db).deps, admin, { applicationId: id })]);

    expect(a).toEqual(b);
    expect(await receiptRows(db)).toHaveLength(1);
  });

  it('verifies a scanned receipt for anyone, showing only what matches the paper, names and ID numbers masked', async () => {
    const db = await openFresh(backend);
    const id = await accepted(db);
    const receipt = (await receiptOf(ports(db).deps, chen, { applicationId: id }))!;

    expect(await verifyReceipt({ db, seal }, { payload: receipt.payload })).toEqual({
      valid: true,
      kid: sm2Key.kid,
      algorithm: 'SM2-SM3',
      receipt: {
        reference: id,
        verificationCode: receipt.content.verificationCode,
        topicName: '新生儿出生一件事',
        applicantName: '陈*明',
        applicantId: '440514***********6',
        acceptedAt: '2026-11-26T09:30:00.000Z',
        dueDate: '2026-12-10',
        matterCount: 2,
      },
    });
  });

  it('finds a receipt tampered with when its signature, its stored text or its reference was changed, or none was ever issued', async () => {
    const db = await openFresh(backend);
    const id = await accepted(db);
    const other = await accepted(db, 'OT20261126ZZZZZZZZZZ');
    const notIssued = await accepted(db, 'OT20261126NOTISSUED0');
    const receipt = (await receiptOf(ports(db).deps, chen, { applicationId: id }))!;
    await receiptOf(ports(db).deps, chen, { applicationId: other });
    const verify = async (payload: string) => verifyReceipt({ db, seal }, { payload });
    const refused = { valid: false, reason: 'TAMPERED', kid: sm2Key.kid, algorithm: 'SM2-SM3' };

    expect(await verify(tampered(receipt.payload))).toEqual(refused);
    expect(await verify(encodeReceiptPayload({ reference: other, kid: sm2Key.kid, signature: receipt.signature }))).toEqual(refused);
    expect(await verify(encodeReceiptPayload({ reference: notIssued, kid: sm2Key.kid, signature: receipt.signature }))).toEqual(refused);

    await db.query(`UPDATE receipts SET content = replace(content, '"dueDate":"2026-12-10"', '"dueDate":"2027-01-10"') WHERE application_id = $1`, [id]);
    expect(await verify(receipt.payload)).toEqual(refused);
  });

  it('tells a payload that is no receipt, an unknown key and an unknown application apart', async () => {
    const db = await openFresh(backend);
    const id = await accepted(db);
    const receipt = (await receiptOf(ports(db).deps, chen, { applicationId: id }))!;
    const stranger = readSigningKey(generateSigningKeyPem('ES256'));
    const verify = async (payload: string) => verifyReceipt({ db, seal }, { payload });

    expect(await verify('https://example.com/menu')).toEqual({ valid: false, reason: 'MALFORMED', kid: null, algorithm: null });
    expect(await verify(`${receipt.payload}${' '.repeat(1000)}`)).toEqual({ valid: false, reason: 'MALFORMED', kid: null, algorithm: null });
    expect(await verify(encodeReceiptPayload({ reference: id, kid: stranger.kid, signature: stranger.sign(receipt.signedText) }))).toEqual({
      valid: false,
      reason: 'UNKNOWN_KEY',
      kid: stranger.kid,
      algorithm: null,
    });
    expect(await verify(encodeReceiptPayload({ reference: 'OT-NO-SUCH', kid: sm2Key.kid, signature: receipt.signature }))).toEqual({
      valid: false,
      reason: 'UNKNOWN_APPLICATION',
      kid: sm2Key.kid,
      algorithm: 'SM2-SM3',
    });
  });

  it('still verifies a receipt signed before the seal’s key was rotated, and signs new ones with the new key', async () => {
    const db = await openFresh(backend);
    const before = await accepted(db);
    const after = await accepted(db, 'OT20261127ROTATED000');
    const old = (await receiptOf(ports(db).deps, chen, { applicationId: before }))!;
    const es256Key = readSigningKey(generateSigningKeyPem('ES256'));
    const rotated = new Seal(es256Key, [readPublicKey(sm2Key.publicKeyPem)]);

    const renewed = (await receiptOf(ports(db, rotated).deps, chen, { applicationId: after }))!;

    expect([renewed.kid, renewed.algorithm]).toEqual([es256Key.kid, 'ES256']);
    expect(await receiptOf(ports(db, rotated).deps, chen, { applicationId: before })).toEqual(old);
    const verdicts = await Promise.all([old, renewed].map((r) => verifyReceipt({ db, seal: rotated }, { payload: r.payload })));
    expect(verdicts.map((v) => [v.valid, v.kid, v.algorithm])).toEqual([
      [true, sm2Key.kid, 'SM2-SM3'],
      [true, es256Key.kid, 'ES256'],
    ]);
  });
});
