import { describe, expect, it } from 'vitest';
import type { Enterprise, Person } from '../../connectors/data-center/models.ts';
import {
  applicantKindOf,
  isCitizenIdNumber,
  isCreditCode,
  linksOf,
  permittedHolders,
  prefillValues,
  requestedHolder,
  applicantFieldProblems,
} from '../../domain/personal.ts';
import type { PlanFormField } from '../../domain/plan.ts';

// Check characters per GB 11643 (ID numbers) and GB 32100 (credit codes).
const MOTHER = '44051419900307002X';
const FATHER = '440514198811230015';
const SHOP = '91440514MA4UJ4XG6K';

const person = (extra: Partial<Person> = {}): Person => ({
  idNumber: MOTHER,
  name: '林美玲',
  gender: 'FEMALE',
  birthDate: '1990-03-07',
  householdAddress: '广东省汕头市潮南区峡山街道南中路12号',
  phone: '13800000000',
  maritalStatus: 'MARRIED',
  spouseIdNumber: FATHER,
  ...extra,
});

const formField = (key: string, dataItem: string | null = null): PlanFormField => ({
  key,
  label: key,
  type: 'STRING',
  required: true,
  maxLength: null,
  options: null,
  dataItem,
  usedBy: ['M1'],
});

describe('identifiers', () => {
  it('accepts ID numbers and credit codes with a correct check character only', () => {
    expect([MOTHER, FATHER].map(isCitizenIdNumber)).toEqual([true, true]);
    expect(isCitizenIdNumber('440514199003070020')).toBe(false);
    expect(isCreditCode(SHOP)).toBe(true);
    expect(isCreditCode('91440514MA4UJ4XG6G')).toBe(false);
  });

  it('tells an enterprise applicant from a person by the subject', () => {
    expect([applicantKindOf(SHOP), applicantKindOf(MOTHER)]).toEqual(['ENTERPRISE', 'PERSON']);
  });
});

describe('holders', () => {
  it('reads the holder from the form field the material names', () => {
    const form = new Map([['spouse.idNumber', FATHER.toLowerCase()]]);

    expect(requestedHolder({ holder: 'spouse.idNumber' }, form, MOTHER)).toBe(FATHER);
  });

  it('takes the applicant as the holder when the material names no field', () => {
    expect(requestedHolder({ holder: null }, new Map(), MOTHER)).toBe(MOTHER);
  });

  it('takes the applicant as the holder of its own fields, whatever the form says', () => {
    const form = new Map([['applicant.idNumber', FATHER], ['enterprise.creditCode', SHOP]]);

    expect([
      requestedHolder({ holder: null }, form, MOTHER),
      requestedHolder({ holder: 'applicant.idNumber' }, form, MOTHER),
      requestedHolder({ holder: 'enterprise.creditCode' }, form, MOTHER),
      requestedHolder({ holder: null }, form, SHOP),
      requestedHolder({ holder: 'enterprise.creditCode' }, new Map([['enterprise.creditCode', '91440514MA4UJ4XG6K ']]), SHOP),
    ]).toEqual([MOTHER, MOTHER, SHOP, SHOP, SHOP]);
  });

  it('refuses an applicant ID number or enterprise credit code that is not the signed-in subject', () => {
    expect(applicantFieldProblems([{ key: 'applicant.idNumber', value: FATHER }, { key: 'spouse.idNumber', value: FATHER }], MOTHER)).toEqual([
      {
        field: 'form.applicant.idNumber',
        code: 'NOT_THE_APPLICANT',
        message:
          'field "applicant.idNumber" must be your own ID number, the one you signed in with: an application is always made by the signed-in person',
      },
    ]);
    expect(applicantFieldProblems([{ key: 'enterprise.creditCode', value: '91350100M000100Y43' }], SHOP).map((p) => [p.field, p.code])).toEqual([
      ['form.enterprise.creditCode', 'NOT_THE_APPLICANT'],
    ]);
  });

  it('accepts the subject itself, written in lower case or with spaces, and blank or absent values', () => {
    const lowerX = MOTHER.toLowerCase();
    expect(
      applicantFieldProblems(
        [{ key: 'applicant.idNumber', value: ` ${lowerX} ` }, { key: 'enterprise.creditCode', value: SHOP }],
        MOTHER,
      ),
    ).toEqual([]);
    expect(applicantFieldProblems([{ key: 'applicant.idNumber', value: ' ' }, { key: 'enterprise.creditCode', value: null }], SHOP)).toEqual([]);
  });

  it('has no holder when the named field is empty', () => {
    expect(requestedHolder({ holder: 'deceased.idNumber' }, new Map([['deceased.idNumber', ' ']]), MOTHER)).toBeNull();
  });

  it('permits the applicant and the spouse the data center confirms, nobody else', () => {
    expect(permittedHolders(MOTHER, linksOf(person()))).toEqual(new Set([MOTHER, FATHER]));
    expect(permittedHolders(MOTHER, linksOf(person({ spouseIdNumber: null })))).toEqual(new Set([MOTHER]));
    expect(permittedHolders(MOTHER, linksOf(null))).toEqual(new Set([MOTHER]));
  });

  it('permits an enterprise its legal representative', () => {
    const shop: Enterprise = {
      creditCode: SHOP,
      name: '汕头市潮南区美味餐饮有限公司',
      legalRepresentative: '陈晓明',
      legalRepresentativeIdNumber: FATHER,
      registeredAddress: '潮南区陈店镇',
      status: 'ACTIVE',
    };

    expect(permittedHolders(SHOP, linksOf(shop))).toEqual(new Set([SHOP, FATHER]));
  });
});

describe('prefillValues', () => {
  it('fills fields from the data center record first and from the token for identity fields', () => {
    const fields = [
      formField('applicant.name', 'person.name'),
      formField('applicant.idNumber'),
      formField('applicant.address', 'person.householdAddress'),
      formField('applicant.ethnicity', 'person.ethnicity'),
      formField('child.name'),
    ];

    const values = prefillValues(fields, { person: person(), enterprise: null }, { subject: MOTHER, name: '林美玲', kind: 'PERSON' });

    expect(Object.fromEntries(values)).toEqual({
      'applicant.name': { value: '林美玲', source: 'DATA_CENTER' },
      'applicant.idNumber': { value: MOTHER, source: 'IDENTITY' },
      'applicant.address': { value: '广东省汕头市潮南区峡山街道南中路12号', source: 'DATA_CENTER' },
    });
  });

  it('falls back to the token when the data center does not know the person', () => {
    const values = prefillValues(
      [formField('applicant.name', 'person.name'), formField('applicant.phone', 'person.phone')],
      { person: null, enterprise: null },
      { subject: MOTHER, name: '林美玲', kind: 'PERSON' },
    );

    expect(Object.fromEntries(values)).toEqual({ 'applicant.name': { value: '林美玲', source: 'IDENTITY' } });
  });
});
