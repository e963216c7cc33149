/**
 * The plan with the applicant's own evidence, on its ports: the look-ups are
 * in-memory records of an e-certificate library and a data center, so each
 * test sees exactly which records were asked for.
 */
import { describe, expect, it } from 'vitest';
import type { Certificate } from '../../connectors/e-certificates/models.ts';
import type { CertificateQuery } from '../../connectors/e-certificates/loaders.ts';
import type { Actor } from '../../domain/actor.ts';
import { InvalidInputError } from '../../domain/answers.ts';
import { UpstreamUnavailableError } from '../../lib/errors.ts';
import { planForViewer, type PersonalLookups, type PlanRequest } from '../../usecases/personal-plan.ts';
import { certificate, field, material, matter, registry, topic, topicMatter } from '../domain/fixtures.ts';

const ZHANG_SAN = '440514199001011234';
const applicant: Actor = { kind: 'user', subject: ZHANG_SAN, name: '张三', role: 'APPLICANT' };
const anonymous: Actor = { kind: 'anonymous' };

const idCardMatter = matter('M1', {
  materials: [material('ID', { certificateType: 'CT-SFZ' }), material('PHOTO')],
  form: [field('applicant.idNumber')],
});
const request: PlanRequest = {
  topic: topic({ code: 'T-ID', matters: [topicMatter('M1')] }),
  matters: registry(idCardMatter),
  answers: [],
  form: [],
};
const idCard: Certificate = certificate({ id: 'C-ID', typeCode: 'CT-SFZ', holderId: ZHANG_SAN, validUntil: '2030-01-01' });

/** Look-ups over a library holding `certificates`; `failing` makes the library unreachable. Every query is recorded. */
function lookups(certificates: Certificate[], options: { failing?: boolean } = {}) {
  const asked: CertificateQuery[] = [];
  const personal: PersonalLookups = {
    certificates: {
      byHolder: {
        load: async (query) => {
          asked.push(query);
          if (options.failing) throw new UpstreamUnavailableError('e-certificates', 503);
          return certificates.filter((c) => c.holderId === query.holderId && query.typeCodes.includes(c.typeCode));
        },
      },
    },
    dataCenter: {
      person: { load: async () => null },
      enterprise: { load: async () => null },
      available: { load: async () => false },
    },
  };
  return { personal, asked };
}

const exemptions = (plan: { materials: readonly { code: string; exemption: unknown }[] }) =>
  plan.materials.map((m) => [m.code, m.exemption]);

describe('planForViewer', () => {
  it('answers an anonymous caller with the plan alone, reading nobody’s records', async () => {
    const { personal, asked } = lookups([idCard]);

    const answer = await planForViewer({ personal, today: () => '2026-06-01' }, anonymous, request);

    expect(exemptions(answer.plan)).toEqual([['ID', null], ['PHOTO', null]]);
    expect([answer.prefill, answer.materialErrors, answer.prefillError, answer.applicantProblems]).toEqual([new Map(), new Map(), null, []]);
    expect(asked).toEqual([]);
  });

  it('exempts the material whose certificate the signed-in applicant holds, asking the library once for the topic', async () => {
    const { personal, asked } = lookups([idCard]);

    const answer = await planForViewer({ personal, today: () => '2026-06-01' }, applicant, request);

    expect(exemptions(answer.plan)).toEqual([
      ['ID', { reason: 'E_CERTIFICATE', certificate: idCard, holderId: ZHANG_SAN }],
      ['PHOTO', null],
    ]);
    expect(asked).toEqual([{ holderId: ZHANG_SAN, typeCodes: ['CT-SFZ'], purpose: 'T-ID' }]);
    expect(answer.materialErrors).toEqual(new Map());
  });

  it('does not take a certificate that expired by the local calendar', async () => {
    const { personal } = lookups([{ ...idCard, validUntil: '2026-05-31' }]);

    const answer = await planForViewer({ personal, today: () => '2026-06-01' }, applicant, request);

    expect(exemptions(answer.plan)).toEqual([['ID', null], ['PHOTO', null]]);
  });

  it('still answers when the library is down, naming the failed look-up on the material it left undecided', async () => {
    const { personal } = lookups([idCard], { failing: true });

    const answer = await planForViewer({ personal, today: () => '2026-06-01' }, applicant, request);

    expect(exemptions(answer.plan)).toEqual([['ID', null], ['PHOTO', null]]);
    expect([...answer.materialErrors].map(([code, error]) => [code, error.code, error.upstream])).toEqual([
      ['ID', 'UPSTREAM_UNAVAILABLE', 'e-certificates'],
    ]);
  });

  it('refuses a form that names another person as the applicant, before anyone’s records are read', async () => {
    const { personal, asked } = lookups([idCard]);

    const refused = await planForViewer({ personal }, applicant, { ...request, form: [{ key: 'applicant.idNumber', value: '440514199203054321' }] }).then(
      () => null,
      (error: unknown) => error,
    );

    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidInputError).problems.map((p) => `${p.field} ${p.code}`)).toEqual(['form.applicant.idNumber NOT_THE_APPLICANT']);
    expect(asked).toEqual([]);
  });

  it('asks for a spouse’s certificate only in round 2, once the data center confirmed the link, and decides the plan once', async () => {
    const SPOUSE = '440514198811230015';
    const marriage = certificate({ id: 'C-JHZ', typeCode: 'CT-JHZ', holderId: SPOUSE, validUntil: null });
    const { personal, asked } = lookups([idCard, marriage]);
    const recordsRead: unknown[] = [];
    personal.dataCenter.person.load = async (query) => {
      recordsRead.push(query);
      return { idNumber: ZHANG_SAN, spouseIdNumber: SPOUSE } as Awaited<ReturnType<typeof personal.dataCenter.person.load>>;
    };
    const married = matter('M2', {
      materials: [material('ID', { certificateType: 'CT-SFZ' }), material('MARRIAGE', { certificateType: 'CT-JHZ', holder: 'spouse.idNumber' })],
      form: [field('spouse.idNumber', { dataItem: 'person.spouseIdNumber' })],
    });

    const answer = await planForViewer({ personal, today: () => '2026-06-01' }, applicant, {
      ...request,
      topic: topic({ code: 'T-MARRIED', matters: [topicMatter('M2')] }),
      matters: registry(married),
    });

    expect([exemptions(answer.plan).map(([code, e]) => [code, (e as { reason?: string } | null)?.reason ?? null]), recordsRead, asked]).toEqual([
      [['ID', 'E_CERTIFICATE'], ['MARRIAGE', 'E_CERTIFICATE']],
      [{ id: ZHANG_SAN, purpose: 'T-MARRIED', items: ['person.spouseIdNumber'] }],
      [
        { holderId: ZHANG_SAN, typeCodes: ['CT-SFZ'], purpose: 'T-MARRIED' },
        { holderId: SPOUSE, typeCodes: ['CT-JHZ'], purpose: 'T-MARRIED' },
      ],
    ]);
    expect(answer.prefill.get('spouse.idNumber')).toEqual({ value: SPOUSE, source: 'DATA_CENTER' });
  });
});

