/**
 * A personal plan in the domain: the draft names the look-ups it needs, in
 * two rounds, and is decided once from what they found.
 */
import { describe, expect, it } from 'vitest';
import type { Person } from '../../connectors/data-center/models.ts';
import { decidePersonalPlan, linkedLookups, ownLookups, personalSituation, type PersonalFindings } from '../../domain/personal.ts';
import { draftPlan } from '../../domain/plan.ts';
import { UpstreamUnavailableError } from '../../lib/errors.ts';
import { certificate, field, material, matter, registry, topic, topicMatter } from './fixtures.ts';

// Check characters per GB 11643.
const MOTHER = '44051419900307002X';
const FATHER = '440514198811230015';

const birth = matter('BIRTH', {
  materials: [
    material('ID', { certificateType: 'CT-SFZ' }),
    material('MARRIAGE', { certificateType: 'CT-JHZ', holder: 'spouse.idNumber' }),
    material('HOUSEHOLD', { dataItem: 'household' }),
  ],
  form: [field('applicant.idNumber'), field('applicant.address', { dataItem: 'person.householdAddress' }), field('spouse.idNumber', { dataItem: 'person.spouseIdNumber' })],
});
const draft = () => draftPlan({ topic: topic({ code: 'NEWBORN', matters: [topicMatter('BIRTH')] }), matters: registry(birth), answers: [] });
const mother = personalSituation({ subject: MOTHER, name: '林美玲' }, [{ key: 'spouse.idNumber', value: ' ' }]);
const record = { idNumber: MOTHER, householdAddress: '潮南区南中路12号', spouseIdNumber: FATHER } as Person;
const nothing = { value: [], error: null };

describe('the look-ups a personal plan needs', () => {
  it('asks in round 1 for the record (its prefill and the spouse link) and the applicant’s own certificates and datasets', () => {
    expect(ownLookups(draft(), mother)).toEqual({
      record: { kind: 'PERSON', id: MOTHER, items: ['person.householdAddress', 'person.spouseIdNumber'] },
      certificates: [{ holderId: MOTHER, typeCodes: ['CT-SFZ'] }],
      datasets: [{ dataset: 'household', subjectId: MOTHER }],
    });
  });

  it('asks in round 2 for the spouse the record confirms, and for nobody when it confirms none', () => {
    expect([linkedLookups(draft(), mother, record), linkedLookups(draft(), mother, { ...record, spouseIdNumber: null })]).toEqual([
      { certificates: [{ holderId: FATHER, typeCodes: ['CT-JHZ'] }], datasets: [] },
      { certificates: [], datasets: [] },
    ]);
  });
});

describe('decidePersonalPlan', () => {
  const marriage = certificate({ id: 'C-JHZ', typeCode: 'CT-JHZ', holderId: FATHER, validUntil: null });
  const found = (extra: Partial<PersonalFindings> = {}): PersonalFindings => ({
    record: { value: record, error: null },
    own: { certificates: nothing, datasets: { value: [{ dataset: 'household', subjectId: MOTHER }], error: null } },
    linked: { certificates: { value: [marriage], error: null }, datasets: nothing },
    ...extra,
  });

  it('exempts by what was found and fills in the form from the record', () => {
    const plan = decidePersonalPlan(draft(), mother, found(), '2026-06-01');

    expect([plan.materials.map((m) => [m.code, m.exemption?.reason ?? null, m.undecidedBy]), plan.form.map((f) => [f.key, f.prefill])]).toEqual([
      [['ID', null, undefined], ['MARRIAGE', 'E_CERTIFICATE', undefined], ['HOUSEHOLD', 'DATA_SHARING', undefined]],
      [
        ['applicant.idNumber', { value: MOTHER, source: 'IDENTITY' }],
        ['applicant.address', { value: '潮南区南中路12号', source: 'DATA_CENTER' }],
        ['spouse.idNumber', { value: FATHER, source: 'DATA_CENTER' }],
      ],
    ]);
    expect(plan.summary.materialsToSubmit).toBe(1);
  });

  it('records on each material the failed look-up that left it undecided, and the record’s failure on the fields it fills in', () => {
    const down = new UpstreamUnavailableError('data-center', 503);
    const library = new UpstreamUnavailableError('e-certificates', 503);
    const plan = decidePersonalPlan(
      draft(),
      personalSituation({ subject: MOTHER, name: '林美玲' }, [{ key: 'spouse.idNumber', value: FATHER }]),
      found({
        record: { value: null, error: down },
        own: { certificates: { value: [], error: library }, datasets: { value: [], error: down } },
        linked: { certificates: nothing, datasets: nothing },
      }),
      '2026-06-01',
    );

    expect([
      plan.materials.map((m) => [m.code, m.exemption, m.undecidedBy?.lookup, m.undecidedBy?.error.upstream]),
      plan.form.map((f) => [f.key, f.prefill?.source, f.prefillFailure?.lookup]),
    ]).toEqual([
      [
        ['ID', null, 'CERTIFICATES', 'e-certificates'],
        ['MARRIAGE', null, 'RECORD', 'data-center'],
        ['HOUSEHOLD', null, 'DATASETS', 'data-center'],
      ],
      [
        ['applicant.idNumber', 'IDENTITY', undefined],
        ['applicant.address', undefined, 'RECORD'],
        ['spouse.idNumber', undefined, 'RECORD'],
      ],
    ]);
  });
});
