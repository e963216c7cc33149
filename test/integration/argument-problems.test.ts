/**
 * Bad arguments and variables are named where they are: a negative `first`
 * on `first`, a foreign cursor on `after`, a malformed `DateTime` variable
 * on that variable, each as a problem of a BAD_USER_INPUT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

const errorsOf = async (operation: string, variables: Record<string, unknown>, role: string) =>
  (await gateway.graphql(contractOperation(operation), variables, gateway.tokenOf(role))).body.errors?.map((e) => ({
    code: e.extensions?.code,
    problems: e.extensions?.problems,
  }));

describe('paging arguments', () => {
  it('names first when it is negative', async () => {
    expect(await errorsOf('MyApplications', { first: -5 }, 'APPLICANT')).toEqual([
      {
        code: 'BAD_USER_INPUT',
        problems: [{ field: 'first', code: 'OUT_OF_RANGE', message: 'first must be a whole number of at least 0, got -5' }],
      },
    ]);
  });

  it('names first and after at once when both are wrong, on every list', async () => {
    const both = [
      {
        code: 'BAD_USER_INPUT',
        problems: [
          { field: 'first', code: 'OUT_OF_RANGE', message: 'first must be a whole number of at least 0, got -1' },
          { field: 'after', code: 'BAD_CURSOR', message: 'after must be the endCursor of a previous page' },
        ],
      },
    ];
    expect(await errorsOf('MyApplications', { first: -1, after: 'not-a-cursor' }, 'APPLICANT')).toEqual(both);
    expect(await errorsOf('MyDataAccessLog', { first: -1, after: 'not-a-cursor' }, 'APPLICANT')).toEqual(both);
    expect(await errorsOf('DepartmentCases', { first: -1, after: 'not-a-cursor' }, 'DEPARTMENT_STAFF')).toEqual(both);
  });
});

describe('variables', () => {
  it('lists a malformed DateTime, and a missing one, as problems of their variables', async () => {
    expect(await errorsOf('AssessmentMetrics', { region: '440514', from: '2026-13-01' }, 'EVALUATOR')).toEqual([
      {
        code: 'BAD_USER_INPUT',
        problems: [{ field: 'from', code: 'INVALID_VALUE', message: 'DateTime must look like 2026-11-26T09:30:00+08:00' }],
      },
      {
        code: 'BAD_USER_INPUT',
        problems: [{ field: 'to', code: 'REQUIRED', message: 'Variable "$to" of required type "DateTime!" was not provided.' }],
      },
    ]);
  });

  it('names the place inside an input variable', async () => {
    const errors = await errorsOf('SituationPlan', { code: 'CN-YJS-XSECS', answers: [{ questionId: 'ageMonths', values: 2 }] }, 'APPLICANT');

    expect(errors).toEqual([
      {
        code: 'BAD_USER_INPUT',
        problems: [{ field: 'answers[0].values', code: 'INVALID_VALUE', message: expect.stringContaining('String cannot represent') }],
      },
    ]);
  });
});
