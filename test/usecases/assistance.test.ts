/**
 * The assistance use cases on both databases, with a clock of their own:
 * codes that expire, sessions that expire, a code two staff members redeem
 * at once.
 */
import { describe, expect, it } from 'vitest';
import { assistedViewer, grantAssistance, startAssistance, type AssistanceDeps } from '../../usecases/assistance.ts';
import { backends, openFresh } from '../store/backends.ts';

const CITIZEN = { kind: 'user', subject: '440514199403120356', name: '陈晓明', role: 'APPLICANT' } as const;
const STAFF = { kind: 'user', subject: 'W0012', name: '李窗口', role: 'WINDOW_STAFF', hall: 'CN-HALL-01' } as const;
const OTHER_STAFF = { kind: 'user', subject: 'W0077', name: '张窗口', role: 'WINDOW_STAFF', hall: 'CN-HALL-02' } as const;
const TOPIC = 'CN-YJS-XSECS';
/** The first database of a file starts its engine, which on a busy machine takes most of vitest's default time. */
const SLOW_START_MS = 90_000;

describe.each(backends.map((b) => [b.kind, b] as const))('assistance on the %s database', (_kind, backend) => {
  async function setUp() {
    let now = new Date('2026-11-26T02:00:00Z');
    const deps: AssistanceDeps = {
      db: await openFresh(backend),
      topicPublished: async (code) => code === TOPIC,
      sessionMs: 2 * 60 * 60 * 1000,
      now: () => now,
    };
    return { deps, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
  }

  it('refuses a code redeemed more than 10 minutes after it was granted as expired', async () => {
    const { deps, advance } = await setUp();
    const { code } = await grantAssistance(deps, CITIZEN, { topicCode: TOPIC });
    advance(10 * 60 * 1000);
    await expect(startAssistance(deps, STAFF, { code })).rejects.toMatchObject({
      problems: [{ field: 'code', code: 'ASSISTANCE_CODE_EXPIRED', message: expect.stringContaining('expired') }],
    });
  }, SLOW_START_MS);

  it('gives a code to only one of two staff members redeeming it at once', async () => {
    const { deps } = await setUp();
    const { code } = await grantAssistance(deps, CITIZEN, { topicCode: TOPIC });
    const outcomes = await Promise.allSettled([startAssistance(deps, STAFF, { code }), startAssistance(deps, OTHER_STAFF, { code })]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ problems: [{ field: 'code', code: 'ASSISTANCE_CODE_USED' }] });
  }, SLOW_START_MS);

  it('acts for the citizen in a session until it expires, then refuses it as expired', async () => {
    const { deps, advance } = await setUp();
    const { code } = await grantAssistance(deps, CITIZEN, { topicCode: TOPIC });
    const session = await startAssistance(deps, STAFF, { code });
    expect(await assistedViewer(deps, STAFF, { sessionId: session.id })).toEqual({
      kind: 'user',
      subject: CITIZEN.subject,
      name: '陈晓明',
      role: 'APPLICANT',
      assistedBy: { sessionId: session.id, staffId: 'W0012', hall: 'CN-HALL-01', consent: 'CODE', topicCode: TOPIC },
    });
    advance(2 * 60 * 60 * 1000);
    await expect(assistedViewer(deps, STAFF, { sessionId: session.id })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      reason: 'ASSISTANCE_SESSION_EXPIRED',
    });
  }, SLOW_START_MS);

  it('stores no code, only its salted hash', async () => {
    const { deps } = await setUp();
    const { code } = await grantAssistance(deps, CITIZEN, { topicCode: TOPIC });
    const { rows } = await deps.db.query<Record<string, unknown>>('SELECT * FROM assistance_grants');
    expect(JSON.stringify(rows)).not.toContain(code);
  }, SLOW_START_MS);
});
