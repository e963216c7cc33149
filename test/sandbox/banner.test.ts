import { describe, expect, it } from 'vitest';

import { describeSandbox } from '../../sandbox/banner.ts';

const sandbox = {
  urls: {
    matterRegistry: 'http://127.0.0.1:4101',
    eCertificates: 'http://127.0.0.1:4102',
    dataCenter: 'http://127.0.0.1:4103',
    evaluation: 'http://127.0.0.1:4104',
  },
  tokens: { eCertificates: 'ec-token', dataCenter: 'dc-token', evaluation: 'ev-token' },
  departments: [
    {
      departmentCode: 'SCJGJ-440514',
      departmentName: '汕头市潮南区市场监督管理局',
      baseUrl: 'http://127.0.0.1:4110',
      token: 'samr-token',
      webhookSecret: 'samr-secret',
      matterCodes: ['440514-SCJG-XK-0001', '440514-SCJG-XK-0002'],
    },
    {
      departmentCode: 'WJJ-440514',
      departmentName: '汕头市潮南区卫生健康局',
      baseUrl: 'http://127.0.0.1:4111',
      token: 'wjj-token',
      webhookSecret: 'wjj-secret',
      matterCodes: ['440514-WJ-GG-0001'],
    },
  ],
};

describe('the sandbox banner', () => {
  it('labels every upstream with its system, URL and token, and ends with a check a department can paste', () => {
    expect(describeSandbox(sandbox)).toEqual([
      'Sandbox upstreams (simulators on loopback; tokens are new on every start):',
      '  省事项系统 matter registry   http://127.0.0.1:4101  (no token)',
      '  电子证照库 e-certificates    http://127.0.0.1:4102  token ec-token',
      '  大数据中心 data center       http://127.0.0.1:4103  token dc-token',
      '  好差评 evaluation            http://127.0.0.1:4104  token ev-token',
      '部门业务审批系统 department approval systems:',
      '  SCJGJ-440514 汕头市潮南区市场监督管理局  http://127.0.0.1:4110',
      '    token samr-token  webhookSecret samr-secret',
      '    matters 440514-SCJG-XK-0001, 440514-SCJG-XK-0002',
      '  WJJ-440514 汕头市潮南区卫生健康局  http://127.0.0.1:4111',
      '    token wjj-token  webhookSecret wjj-secret',
      '    matters 440514-WJ-GG-0001',
      'Check an approval system as a department would before registering it (README, "For department administrators"):',
      '  npm run check-connector -- http://127.0.0.1:4110 --token samr-token --matter 440514-SCJG-XK-0001',
    ]);
  });

  it("says which department's simulator the gateway does not use", () => {
    const lines = describeSandbox(sandbox, { noteOf: (d) => (d.departmentCode === 'WJJ-440514' ? 'not used' : null) });

    expect(lines.filter((line) => line.includes('(not used)'))).toEqual([
      '  WJJ-440514 汕头市潮南区卫生健康局  http://127.0.0.1:4111  (not used)',
    ]);
  });
});
