/**
 * The same standard across regions (同标准办理) and replication (复制推广)
 * over HTTP against the sandbox: the city's 我要开餐馆 asks for a different
 * material list than Chaonan's, 潮阳区's for another form and time limit, the
 * 退休一件事 of both is Chaonan's, and the city's 社会保障卡居民服务一件事 has no
 * Chaonan version yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../support/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const period = { region: '440514', from: '2026-01-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' };

const BACKLOG = `query ReplicationBacklog($region: String!) {
  replicationBacklog(region: $region) {
    name
    offeredBy { code region leadDepartment { code } }
    claimingDepartment { code name }
  }
}`;

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

const csv = (path: string, token?: string) =>
  fetch(`${gateway.gateway.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('AssessmentMetrics across regions', () => {
  it('reports the topic whose city version asks for other materials with DIFFERS_FROM_CITY:MATERIALS, without counting it against guidable', async () => {
    const { body } = await gateway.graphql(contractOperation('AssessmentMetrics'), period, gateway.tokenOf('EVALUATOR'));

    expect(body.errors).toBeUndefined();
    const problemsOf = (code: string) => body.data.metrics.topics.find((t: any) => t.topic.code === code);
    expect(problemsOf('CN-YJS-KCG')).toMatchObject({
      guidable: true,
      onlineProcessable: true,
      problems: ['DIFFERS_FROM_CITY:MATERIALS', 'DIFFERS_FROM_DISTRICT:FORM', 'DIFFERS_FROM_DISTRICT:TIME_LIMIT'],
    });
    expect(problemsOf('CN-YJS-TX').problems).toEqual([]);
    expect(body.data.metrics.guidableRate).toBeCloseTo(5 / 6, 10);
  });

  it('exports the differences in Chinese in the metrics spreadsheet', async () => {
    const response = await csv(`/exports/metrics.csv?${new URLSearchParams(period)}`, gateway.tokenOf('EVALUATOR'));

    expect(response.status).toBe(200);
    const row = (await response.text()).split('\r\n').find((line) => line.includes(',CN-YJS-KCG,'));
    expect(row).toContain(
      '办理材料与市级不一致(DIFFERS_FROM_CITY:MATERIALS)；业务表单与其他区县不一致(DIFFERS_FROM_DISTRICT:FORM)；办理时限与其他区县不一致(DIFFERS_FROM_DISTRICT:TIME_LIMIT)',
    );
  });
});

describe('replicationBacklog', () => {
  it('lists the city topic Chaonan lacks, with the Chaonan department that should claim it', async () => {
    const { body } = await gateway.graphql(BACKLOG, { region: '440514' }, gateway.tokenOf('EVALUATOR'));

    expect(body).toEqual({
      data: {
        replicationBacklog: [
          {
            name: '社会保障卡居民服务一件事',
            offeredBy: [{ code: 'ST-YJS-SBK', region: '440500', leadDepartment: { code: 'RSJ-440500' } }],
            claimingDepartment: { code: 'RSJ-440514', name: '汕头市潮南区人力资源和社会保障局' },
          },
        ],
      },
    });
  });

  it('lists for 潮阳区 what the city and Chaonan publish and it does not, naming no department where it has none', async () => {
    const { body } = await gateway.graphql(BACKLOG, { region: '440513' }, gateway.tokenOf('ADMIN'));

    expect(body.errors).toBeUndefined();
    expect(body.data.replicationBacklog.map((c: any) => [c.name, c.offeredBy.map((t: any) => t.code), c.claimingDepartment?.code ?? null])).toEqual([
      ['我要开药店', ['CN-YJS-KYD'], 'SCJGJ-440513'],
      ['新生儿出生一件事', ['CN-YJS-XSECS'], 'WJJ-440513'],
      ['残疾人证办理及两项补贴申领', ['CN-YJS-CJR'], null],
      ['社会保障卡居民服务一件事', ['ST-YJS-SBK'], 'RSJ-440513'],
      ['身后一件事', ['CN-YJS-SHS'], null],
    ]);
  });

  it('is for evaluators and administrators only', async () => {
    const anonymous = await gateway.graphql(BACKLOG, { region: '440514' });
    const applicant = await gateway.graphql(BACKLOG, { region: '440514' }, gateway.tokenOf('APPLICANT'));
    const staff = await gateway.graphql(BACKLOG, { region: '440514' }, gateway.tokenOf('DEPARTMENT_STAFF'));

    expect([anonymous, applicant, staff].map((r) => r.body.errors?.map((e) => e.extensions?.code))).toEqual([
      ['UNAUTHENTICATED'],
      ['FORBIDDEN'],
      ['FORBIDDEN'],
    ]);
  });

  it('refuses a region that is not a city, district or county code', async () => {
    for (const region of ['', 'Chaonan', '440000', '4405140']) {
      const { body } = await gateway.graphql(BACKLOG, { region }, gateway.tokenOf('EVALUATOR'));
      expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.problems]), region).toEqual([
        [
          'BAD_USER_INPUT',
          [{ field: 'region', code: 'INVALID_REGION', message: 'region must be the six-digit code of a city, district or county, e.g. 440514' }],
        ],
      ]);
    }
  });

  it('exports the backlog as a spreadsheet for evaluators', async () => {
    const response = await csv('/exports/replication-backlog.csv?region=440514', gateway.tokenOf('EVALUATOR'));
    const bytes = Buffer.from(await response.arrayBuffer());

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toContain('replication-backlog_440514.csv');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8').split('\r\n')).toEqual([
      '区域,主题名称,已上线区域数,已上线主题（区划 编码）,原牵头部门,应认领部门编码,应认领部门名称',
      '440514,社会保障卡居民服务一件事,1,440500 ST-YJS-SBK,汕头市人力资源和社会保障局(RSJ-440500),RSJ-440514,汕头市潮南区人力资源和社会保障局',
      '',
    ]);
  });

  it('refuses the spreadsheet without an evaluator token or a region', async () => {
    const anonymous = await csv('/exports/replication-backlog.csv?region=440514');
    const applicant = await csv('/exports/replication-backlog.csv?region=440514', gateway.tokenOf('APPLICANT'));
    const noRegion = await csv('/exports/replication-backlog.csv', gateway.tokenOf('EVALUATOR'));

    expect([anonymous.status, applicant.status, noRegion.status]).toEqual([401, 403, 400]);
    expect(await noRegion.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
  });
});
