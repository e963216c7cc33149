/**
 * Small, fixed sandbox data for the simulator tests, so that assertions can
 * name whole results without depending on the demo data files.
 */
import type { Matter } from '../../connectors/matter-registry/models.ts';
import { startSandbox, type Sandbox, type SandboxData, type SandboxOptions } from '../../sandbox/index.ts';

export const SAMR = 'SCJGJ-440514';
export const HEALTH = 'WSJKJ-440514';
export const POLICE = 'GAJ-440514';

export const ZHANG_SAN = '440514199001011234';
export const LI_SI = '440514199203054321';
export const UNKNOWN_PERSON = '440514200001010000';
export const RESTAURANT_CO = '91440514MA4W000001';

export const BUSINESS_LICENCE: Matter = {
  code: '440514-SCJG-XK-0001',
  name: '营业执照核发',
  type: 'ADMINISTRATIVE_LICENSE',
  department: SAMR,
  legalDays: 15,
  committedDays: 3,
  onlineDepth: 4,
  onlineUrl: '/portal/online/440514-SCJG-XK-0001',
  visitsRequired: 1,
  resultCertificateType: 'CT-YYZZ',
  materials: [
    { code: 'MAT-SFZ', name: '居民身份证', sourceChannel: 'GOVERNMENT_ISSUED', required: true, tolerant: false },
    { code: 'MAT-ZLHT', name: '经营场所租赁合同', sourceChannel: 'APPLICANT', required: true, tolerant: true },
  ],
  form: [
    { key: 'applicant.name', label: '申请人姓名', type: 'STRING', required: true, dataItem: 'person.name' },
    { key: 'business.name', label: '字号名称', type: 'STRING', required: true, maxLength: 50 },
  ],
};

export const FOOD_LICENCE: Matter = {
  code: '440514-SCJG-XK-0002',
  name: '食品经营许可',
  type: 'ADMINISTRATIVE_LICENSE',
  department: SAMR,
  legalDays: 20,
  committedDays: 10,
  onlineDepth: 3,
  onlineUrl: null,
  visitsRequired: 2,
  resultCertificateType: 'CT-SPJY',
  materials: [
    { code: 'MAT-YYZZ', name: '营业执照', sourceChannel: 'GOVERNMENT_ISSUED', required: true, tolerant: false, certificateType: 'CT-YYZZ' },
    { code: 'MAT-PMT', name: '经营场所平面图', sourceChannel: 'APPLICANT', required: true, tolerant: true },
    { code: 'MAT-JKZ', name: '从业人员健康证明', sourceChannel: 'APPLICANT', required: true, tolerant: true },
  ],
  form: [{ key: 'business.areaSqm', label: '经营场所面积（平方米）', type: 'NUMBER', required: true }],
};

export const BIRTH_CERTIFICATE: Matter = {
  code: '440514-WSJK-QR-0001',
  name: '出生医学证明签发',
  type: 'ADMINISTRATIVE_CONFIRMATION',
  department: HEALTH,
  legalDays: 10,
  committedDays: 1,
  onlineDepth: 2,
  onlineUrl: '/portal/unreachable/440514-WSJK-QR-0001',
  visitsRequired: 1,
  resultCertificateType: null,
  materials: [],
  form: [],
};

export function fixtureData(): SandboxData {
  return {
    departments: [
      { code: SAMR, name: '汕头市潮南区市场监督管理局', region: '440514' },
      { code: HEALTH, name: '汕头市潮南区卫生健康局', region: '440514' },
      { code: POLICE, name: '汕头市公安局潮南分局', region: '440514' },
    ],
    certificateTypes: [
      { code: 'CT-YYZZ', name: '营业执照', issuerDepartment: SAMR },
      { code: 'CT-SPJY', name: '食品经营许可证', issuerDepartment: SAMR },
    ],
    matters: [BUSINESS_LICENCE, FOOD_LICENCE, BIRTH_CERTIFICATE],
    topics: [
      {
        code: 'TOPIC-KBCYD',
        name: '我要开餐饮店',
        region: '440514',
        leadDepartment: SAMR,
        status: 'PUBLISHED',
        updatedAt: '2025-01-02T08:00:00+08:00',
        version: 2,
        description: '开办餐饮店涉及的营业执照和食品经营许可一次办',
        committedDays: null,
        guideUrl: '/portal/guides/TOPIC-KBCYD',
        onlineUrl: '/portal/online/TOPIC-KBCYD',
        windowAddress: '潮南区政务服务中心一楼综合窗口',
        questions: [{ id: 'hasPlace', text: '是否已有经营场所？', type: 'BOOLEAN', required: true }],
        matters: [
          { matterCode: BUSINESS_LICENCE.code },
          { matterCode: FOOD_LICENCE.code, dependsOn: [BUSINESS_LICENCE.code] },
        ],
      },
      {
        code: 'TOPIC-XSECS',
        name: '新生儿出生一件事',
        region: '440514',
        leadDepartment: HEALTH,
        status: 'DRAFT',
        updatedAt: '2025-02-01T09:30:00+08:00',
        version: 1,
        description: '出生医学证明、户口登记、医保参保一次办',
        committedDays: 5,
        guideUrl: null,
        onlineUrl: '/portal/unreachable/TOPIC-XSECS',
        windowAddress: null,
        questions: [],
        matters: [{ matterCode: BIRTH_CERTIFICATE.code, appliesIf: null }],
      },
      {
        code: 'TOPIC-QYBG',
        name: '企业信息变更一件事',
        region: '440500',
        leadDepartment: SAMR,
        status: 'PUBLISHED',
        updatedAt: '2025-01-15T10:00:00+08:00',
        version: 1,
        description: '市级主题',
        questions: [],
        matters: [],
      },
    ],
    persons: [
      {
        idNumber: ZHANG_SAN,
        name: '张三',
        gender: 'MALE',
        birthDate: '1990-01-01',
        householdAddress: '广东省汕头市潮南区峡山街道',
        maritalStatus: 'MARRIED',
        spouseIdNumber: LI_SI,
      },
      { idNumber: LI_SI, name: '李四', gender: 'FEMALE', birthDate: '1992-03-05', maritalStatus: 'MARRIED', spouseIdNumber: ZHANG_SAN },
    ],
    enterprises: [
      {
        creditCode: RESTAURANT_CO,
        name: '汕头市潮南区好味道餐饮有限公司',
        legalRepresentative: '张三',
        legalRepresentativeIdNumber: ZHANG_SAN,
        registeredAddress: '广东省汕头市潮南区峡山街道广兴路1号',
        establishedAt: '2023-06-01',
        status: 'ACTIVE',
      },
    ],
    certificates: [
      {
        id: 'EC-0001',
        typeCode: 'CT-YYZZ',
        typeName: '营业执照',
        number: RESTAURANT_CO,
        holderId: ZHANG_SAN,
        holderName: '张三',
        issuerDepartment: SAMR,
        issuedAt: '2023-06-01',
        validFrom: '2023-06-01',
        validUntil: null,
        status: 'VALID',
      },
      {
        id: 'EC-0002',
        typeCode: 'CT-SPJY',
        typeName: '食品经营许可证',
        number: 'JY24405140000001',
        holderId: ZHANG_SAN,
        holderName: '张三',
        issuerDepartment: SAMR,
        issuedAt: '2019-05-01',
        validFrom: '2019-05-01',
        validUntil: '2024-04-30',
        status: 'REVOKED',
      },
    ],
    evaluations: [
      {
        id: 'EV-1',
        applicationId: 'APP-1',
        topicCode: 'TOPIC-KBCYD',
        channel: 'PC',
        grade: 5,
        comment: null,
        createdAt: '2025-01-10T02:00:00.000Z',
        evaluatorId: ZHANG_SAN,
      },
      {
        id: 'EV-2',
        applicationId: 'APP-2',
        topicCode: 'TOPIC-KBCYD',
        channel: 'MOBILE',
        grade: 2,
        comment: '材料退回了两次',
        createdAt: '2025-01-11T02:00:00.000Z',
        evaluatorId: LI_SI,
      },
      {
        id: 'EV-3',
        applicationId: 'APP-3',
        topicCode: 'TOPIC-XSECS',
        channel: 'WINDOW',
        grade: 4,
        comment: null,
        createdAt: '2025-01-12T02:00:00.000Z',
      },
    ],
    datasets: { 'household-registration': [ZHANG_SAN, LI_SI], 'marriage-registration': [ZHANG_SAN] },
  };
}

/** Starts a sandbox over the fixture data. */
export function startFixtureSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ data: fixtureData(), ...options });
}

/** The headers the e-certificate library and the data center require. */
export function personalDataHeaders(token: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'x-purpose': 'TOPIC-KBCYD',
    'x-operator': ZHANG_SAN,
    'content-type': 'application/json',
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.parse('2025-03-03T01:00:00.000Z')) {
  let current = start;
  return {
    now: () => current,
    advance: (ms: number) => {
      current += ms;
    },
  };
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  return getJson(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}
