/**
 * Consistency of the sandbox demo data (sandbox/data/*.json): every file
 * parses with the connector schemas, every cross-reference resolves, ID
 * numbers and credit codes carry valid check characters, and the topics
 * exercise what the demo promises (see sandbox/data/README.md).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import jsonLogic from 'json-logic-js';
import {
  departmentSchema,
  certificateTypeSchema,
  topicSchema,
  matterSchema,
  itemsOf,
  type Topic,
  type Matter,
  type Department,
  type CertificateType,
} from '../../connectors/matter-registry/models.ts';
import { certificateSchema, type Certificate } from '../../connectors/e-certificates/models.ts';
import { personSchema, enterpriseSchema, type Person, type Enterprise } from '../../connectors/data-center/models.ts';

const DATA_DIR = fileURLToPath(new URL('../../sandbox/data/', import.meta.url));
const load = (name: string): unknown => JSON.parse(readFileSync(DATA_DIR + name, 'utf8'));

/** The rating system's Evaluation, as its contract describes it. */
const evaluationSchema = z.object({
  id: z.string(),
  applicationId: z.string(),
  topicCode: z.string(),
  channel: z.enum(['PC', 'MOBILE', 'WINDOW', 'KIOSK', 'HOTLINE']),
  grade: z.number().int().min(1).max(5),
  comment: z.string().max(500).nullable().optional(),
  createdAt: z.string(),
});
const datasetsSchema = z.record(z.string(), z.array(z.string()));

const departments: Department[] = itemsOf(departmentSchema).parse(load('departments.json')).items;
const certificateTypes: CertificateType[] = itemsOf(certificateTypeSchema).parse(load('certificate-types.json')).items;
const matters: Matter[] = itemsOf(matterSchema).parse(load('matters.json')).items;
const topics: Topic[] = itemsOf(topicSchema).parse(load('topics.json')).items;
const persons: Person[] = itemsOf(personSchema).parse(load('persons.json')).items;
const enterprises: Enterprise[] = itemsOf(enterpriseSchema).parse(load('enterprises.json')).items;
const certificates: Certificate[] = itemsOf(certificateSchema).parse(load('certificates.json')).items;
const datasets = datasetsSchema.parse(load('datasets.json'));
const evaluations = itemsOf(evaluationSchema).parse(load('evaluations.json')).items;

const deptCodes = new Set(departments.map((d) => d.code));
const ctByCode = new Map(certificateTypes.map((c) => [c.code, c]));
const matterByCode = new Map(matters.map((m) => [m.code, m]));
const personIds = new Set(persons.map((p) => p.idNumber));
const creditCodes = new Set(enterprises.map((e) => e.creditCode));
const TODAY = new Date().toISOString().slice(0, 10);

/** The five Chaonan topics meant to be readiness-clean (guidable and online-processable). */
const CLEAN = ['CN-YJS-XSECS', 'CN-YJS-KCG', 'CN-YJS-SHS', 'CN-YJS-TX', 'CN-YJS-KYD'];
const published = topics.filter((t) => t.status === 'PUBLISHED');
const cleanTopics = CLEAN.map((code) => {
  const t = topics.find((x) => x.code === code);
  if (!t) throw new Error(`clean topic ${code} missing from topics.json`);
  return t;
});

// ------------------------------------------------------------------ helpers

/** GB 11643-1999 check character of an 18-digit citizen ID number. */
function validIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(id[i]) * w[i]!;
  return '10X98765432'[s % 11] === id[17];
}

/** GB 32100-2015 check character of a unified social credit code (and GB 11714 of its organisation code). */
function validCreditCode(code: string): boolean {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false;
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let s = 0;
  for (let i = 0; i < 17; i++) s += chars.indexOf(code[i]!) * w[i]!;
  if (chars[(31 - (s % 31)) % 31] !== code[17]) return false;
  const org = code.slice(8, 17);
  const ow = [3, 7, 9, 10, 5, 8, 4, 2];
  const alnum = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let os = 0;
  for (let i = 0; i < 8; i++) os += alnum.indexOf(org[i]!) * ow[i]!;
  const oc = 11 - (os % 11);
  return org[8] === (oc === 10 ? 'X' : oc === 11 ? '0' : String(oc));
}

/** Every `{"var": name}` in a JSON Logic expression. */
function varsOf(expr: unknown, out: string[] = []): string[] {
  if (Array.isArray(expr)) expr.forEach((e) => varsOf(e, out));
  else if (expr && typeof expr === 'object') {
    for (const [op, arg] of Object.entries(expr)) {
      if (op === 'var') {
        const name = Array.isArray(arg) ? arg[0] : arg;
        if (typeof name === 'string') out.push(name.split('.')[0]!);
      } else varsOf(arg, out);
    }
  }
  return out;
}

/** Readiness problems per DESIGN.md (the online URL is judged offline: missing or '/portal/unreachable/…'). */
function readinessProblems(t: Topic): string[] {
  const p: string[] = [];
  if (!(t.name.startsWith('我要') || t.name.endsWith('一件事'))) p.push('NAME_NOT_STANDARD');
  if (t.questions.length === 0) p.push('NO_GUIDANCE');
  if (t.matters.some((m) => !matterByCode.has(m.matterCode))) p.push('UNKNOWN_MATTER');
  if (!t.guideUrl) p.push('NO_GUIDE_URL');
  if (t.matters.some((m) => (matterByCode.get(m.matterCode)?.onlineDepth ?? 0) < 3)) p.push('MATTER_NOT_ONLINE');
  if (!t.onlineUrl || t.onlineUrl.startsWith('/portal/unreachable/')) p.push('ONLINE_URL_UNREACHABLE');
  return p;
}

const topicMatters = (t: Topic): Matter[] => t.matters.map((m) => matterByCode.get(m.matterCode)).filter((m): m is Matter => !!m);

/** Material codes / form keys used by 2+ matters of a topic. */
function sharedMaterialCodes(t: Topic): string[] {
  const count = new Map<string, number>();
  for (const m of topicMatters(t)) for (const code of new Set(m.materials.map((x) => x.code))) count.set(code, (count.get(code) ?? 0) + 1);
  return [...count].filter(([, n]) => n > 1).map(([c]) => c);
}
function formKeyTypes(t: Topic): Map<string, { types: Set<string>; matters: number }> {
  const out = new Map<string, { types: Set<string>; matters: number }>();
  for (const m of topicMatters(t)) {
    for (const f of m.form) {
      const e = out.get(f.key) ?? { types: new Set<string>(), matters: 0 };
      e.types.add(f.type);
      e.matters++;
      out.set(f.key, e);
    }
  }
  return out;
}

/** [needing matter, producing matter, material code] pairs along dependsOn that are exempt as INTERNAL_RESULT. */
function internalResultPairs(t: Topic): [string, string, string][] {
  const pairs: [string, string, string][] = [];
  for (const tm of t.matters) {
    const needing = matterByCode.get(tm.matterCode);
    if (!needing) continue;
    for (const dep of tm.dependsOn ?? []) {
      const producer = matterByCode.get(dep);
      if (!producer?.resultCertificateType) continue;
      for (const mat of needing.materials) {
        if (mat.certificateType === producer.resultCertificateType) pairs.push([needing.code, producer.code, mat.code]);
      }
    }
  }
  return pairs;
}

// ------------------------------------------------------------------- tests

describe('sandbox data files parse with the connector schemas', () => {
  it('departments.json, certificate-types.json, matters.json and topics.json parse as registry answers', () => {
    expect(departments.length).toBeGreaterThanOrEqual(8);
    expect(certificateTypes.length).toBeGreaterThanOrEqual(10);
    expect(matters.length).toBeGreaterThan(0);
    expect(topics.length).toBeGreaterThanOrEqual(6);
  });
  it('persons.json and enterprises.json parse as data-center records', () => {
    expect(persons.length).toBeGreaterThanOrEqual(8);
    expect(enterprises.length).toBeGreaterThanOrEqual(3);
  });
  it('certificates.json parses as e-certificate library records', () => {
    expect(certificates.length).toBeGreaterThan(0);
  });
  it('datasets.json maps dataset names to subject lists, evaluations.json parses as ratings', () => {
    expect(Object.keys(datasets).length).toBeGreaterThan(0);
    for (const e of evaluations) {
      expect(e.createdAt, e.id).toMatch(/^2026-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
      if (e.grade <= 2) expect(e.comment, `${e.id}: 差评 must carry a comment`).toBeTruthy();
    }
  });
  it('codes are unique within each file', () => {
    for (const [name, codes] of [
      ['departments', departments.map((d) => d.code)],
      ['certificate types', certificateTypes.map((c) => c.code)],
      ['matters', matters.map((m) => m.code)],
      ['topics', topics.map((t) => t.code)],
      ['persons', persons.map((p) => p.idNumber)],
      ['enterprises', enterprises.map((e) => e.creditCode)],
      ['certificates', certificates.map((c) => c.id)],
      ['evaluations', evaluations.map((e) => e.applicationId)],
    ] as const) {
      expect(new Set(codes).size, name).toBe(codes.length);
    }
  });
});

describe('cross-references resolve', () => {
  it('every certificate type is issued by a known department', () => {
    for (const c of certificateTypes) expect(deptCodes.has(c.issuerDepartment), `${c.code} → ${c.issuerDepartment}`).toBe(true);
  });
  it('every matter names a known department and known certificate types', () => {
    for (const m of matters) {
      expect(deptCodes.has(m.department), `${m.code} department ${m.department}`).toBe(true);
      if (m.resultCertificateType) expect(ctByCode.has(m.resultCertificateType), `${m.code} result ${m.resultCertificateType}`).toBe(true);
      for (const mat of m.materials) {
        if (mat.certificateType) expect(ctByCode.has(mat.certificateType), `${m.code}/${mat.code} ${mat.certificateType}`).toBe(true);
      }
    }
  });
  it('every topic has a known lead department and every matter code of a clean, draft or retired topic resolves', () => {
    for (const t of topics) {
      expect(deptCodes.has(t.leadDepartment), `${t.code} lead ${t.leadDepartment}`).toBe(true);
      if (t.code === 'CN-YJS-CJR') continue; // deliberately references a matter the registry no longer has
      for (const tm of t.matters) expect(matterByCode.has(tm.matterCode), `${t.code} → ${tm.matterCode}`).toBe(true);
    }
  });
  it('every dependsOn refers to a matter of the same topic, without cycles', () => {
    for (const t of topics) {
      const order = t.matters.map((m) => m.matterCode);
      const dependsOn = new Map(t.matters.map((tm) => [tm.matterCode, tm.dependsOn ?? []] as const));
      const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
        (dependsOn.get(from) ?? []).some((d) => d === to || (!seen.has(d) && (seen.add(d), reaches(d, to, seen))));
      for (const tm of t.matters) {
        for (const dep of tm.dependsOn ?? []) {
          expect(order.includes(dep), `${t.code}: ${tm.matterCode} dependsOn ${dep} outside the topic`).toBe(true);
          expect(reaches(dep, tm.matterCode), `${t.code}: ${tm.matterCode} dependsOn ${dep} in a cycle`).toBe(false);
        }
      }
    }
  });
  it('我要开餐馆 lists a matter before the matter it dependsOn: its list order is not its order of approval', () => {
    const t = topics.find((x) => x.code === 'CN-YJS-KCG')!;
    const order = t.matters.map((m) => m.matterCode);
    const listedBefore = t.matters.filter((tm) => (tm.dependsOn ?? []).some((dep) => order.indexOf(dep) > order.indexOf(tm.matterCode)));
    expect(listedBefore.map((tm) => [tm.matterCode, tm.dependsOn])).toEqual([['440514-SCJG-XK-0002', ['440514-SCJG-XK-0001']]]);
  });
  it('every materialRule names a material of its matter', () => {
    for (const t of topics) {
      for (const tm of t.matters) {
        const m = matterByCode.get(tm.matterCode);
        if (!m) continue;
        for (const r of tm.materialRules ?? []) {
          expect(m.materials.some((x) => x.code === r.materialCode), `${t.code}: ${tm.matterCode} rule on ${r.materialCode}`).toBe(true);
        }
      }
    }
  });
  it('every certificate has a known type (with its catalogue name), issuer and holder', () => {
    for (const c of certificates) {
      expect(ctByCode.get(c.typeCode)?.name, `${c.id} type`).toBe(c.typeName);
      expect(deptCodes.has(c.issuerDepartment), `${c.id} issuer ${c.issuerDepartment}`).toBe(true);
      const holderName = persons.find((p) => p.idNumber === c.holderId)?.name ?? enterprises.find((e) => e.creditCode === c.holderId)?.name;
      expect(holderName, `${c.id} holder ${c.holderId}`).toBe(c.holderName);
    }
  });
  it('spouses point at each other and legal representatives are demo persons', () => {
    for (const p of persons) {
      if (!p.spouseIdNumber) continue;
      const spouse = persons.find((x) => x.idNumber === p.spouseIdNumber);
      expect(spouse?.spouseIdNumber, `${p.name}'s spouse`).toBe(p.idNumber);
    }
    for (const e of enterprises) {
      const rep = persons.find((p) => p.idNumber === e.legalRepresentativeIdNumber);
      expect(rep?.name, `${e.name} legal representative`).toBe(e.legalRepresentative);
    }
  });
  it('every dataItem dataset used by a material is listed in datasets.json, and every listed subject exists', () => {
    const used = new Set(matters.flatMap((m) => m.materials.map((x) => x.dataItem).filter((d): d is string => !!d)));
    expect(used.size).toBeGreaterThan(0);
    for (const d of used) expect(datasets[d], `dataset ${d}`).toBeDefined();
    for (const [d, subjects] of Object.entries(datasets)) {
      expect(used.has(d), `dataset ${d} is used by some material`).toBe(true);
      for (const s of subjects) expect(personIds.has(s) || creditCodes.has(s), `${d}: ${s}`).toBe(true);
    }
  });
  it('every evaluation rates a known topic', () => {
    const codes = new Set(topics.map((t) => t.code));
    for (const e of evaluations) expect(codes.has(e.topicCode), e.id).toBe(true);
  });
});

describe('registry data follows its own conventions', () => {
  it('one material code means one material: same name, channel, certificate type, data item and holder in every matter', () => {
    const seen = new Map<string, string>();
    for (const m of matters) {
      for (const x of m.materials) {
        const sig = JSON.stringify([x.name, x.sourceChannel, x.certificateType ?? null, x.dataItem ?? null, x.holder ?? null]);
        expect(seen.get(x.code) ?? sig, `${m.code}/${x.code}`).toBe(sig);
        seen.set(x.code, sig);
      }
    }
  });
  it('a material holder is a form field key of its matter', () => {
    let holders = 0;
    for (const m of matters) {
      for (const x of m.materials) {
        if (!x.holder) continue;
        holders++;
        expect(m.form.some((f) => f.key === x.holder), `${m.code}/${x.code} holder ${x.holder}`).toBe(true);
      }
    }
    expect(holders).toBeGreaterThan(0);
  });
  it('form prefill items name fields of the data-center records', () => {
    const personFields = Object.keys(personSchema.shape);
    const enterpriseFields = Object.keys(enterpriseSchema.shape);
    for (const m of matters) {
      for (const f of m.form) {
        if (!f.dataItem) continue;
        const [kind, field] = f.dataItem.split('.');
        const fields = kind === 'person' ? personFields : kind === 'enterprise' ? enterpriseFields : [];
        expect(fields.includes(field!), `${m.code}/${f.key} dataItem ${f.dataItem}`).toBe(true);
      }
      for (const f of m.form) {
        if (f.type === 'ENUM') expect(f.options?.length, `${m.code}/${f.key} ENUM options`).toBeGreaterThan(0);
      }
    }
  });
  it('URLs are portal paths and topic timestamps carry the +08:00 offset', () => {
    for (const m of matters) if (m.onlineUrl) expect(m.onlineUrl, m.code).toMatch(/^\/portal\//);
    for (const t of topics) {
      for (const u of [t.guideUrl, t.onlineUrl]) if (u) expect(u, t.code).toMatch(/^\/portal\//);
      expect(t.updatedAt, t.code).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
      expect(t.code, t.code).toMatch(/^[A-Z]{2}-[A-Z0-9-]+$/);
    }
  });
  it('matters commit to fewer days than the law allows, mostly', () => {
    const faster = matters.filter((m) => m.committedDays < m.legalDays).length;
    expect(faster / matters.length).toBeGreaterThan(0.8);
    for (const m of matters) expect(m.committedDays, m.code).toBeLessThanOrEqual(m.legalDays);
  });
});

describe('identifiers carry valid check characters', () => {
  it('every person ID number is an 18-digit Chaonan (440514) number with a valid GB 11643 check digit', () => {
    for (const p of persons) {
      expect(p.idNumber.startsWith('440514'), p.name).toBe(true);
      expect(validIdNumber(p.idNumber), `${p.name} ${p.idNumber}`).toBe(true);
      expect(p.idNumber.slice(6, 14), `${p.name} birth date`).toBe(p.birthDate.replaceAll('-', ''));
      expect(Number(p.idNumber[16]) % 2 === 1 ? 'MALE' : 'FEMALE', `${p.name} gender digit`).toBe(p.gender);
    }
  });
  it('every enterprise credit code has a valid GB 32100 check character', () => {
    for (const e of enterprises) {
      expect(e.creditCode.slice(2, 8), e.name).toBe('440514');
      expect(validCreditCode(e.creditCode), `${e.name} ${e.creditCode}`).toBe(true);
    }
  });
  it('the check functions reject a corrupted number', () => {
    expect(validIdNumber('11010519491231002X')).toBe(true);
    expect(validIdNumber('110105194912310021')).toBe(false);
    expect(validCreditCode('91350100M000100Y43')).toBe(true);
    expect(validCreditCode('91350100M000100Y44')).toBe(false);
  });
});

describe('guidance questions and conditions are well-formed', () => {
  it('question ids are unique, options belong to SINGLE/MULTI and bounds to NUMBER', () => {
    for (const t of topics) {
      const ids = t.questions.map((q) => q.id);
      expect(new Set(ids).size, t.code).toBe(ids.length);
      for (const q of t.questions) {
        if (q.type === 'SINGLE' || q.type === 'MULTI') expect(q.options?.length, `${t.code}.${q.id}`).toBeGreaterThan(1);
        else expect(q.options, `${t.code}.${q.id}`).toBeUndefined();
        if (q.type === 'NUMBER') expect((q.min ?? -Infinity) < (q.max ?? Infinity), `${t.code}.${q.id}`).toBe(true);
      }
    }
  });
  it('showIf reads only earlier questions; appliesIf and requiredIf read only questions of the topic', () => {
    for (const t of topics) {
      const ids = t.questions.map((q) => q.id);
      t.questions.forEach((q, i) => {
        for (const v of varsOf(q.showIf)) expect(ids.slice(0, i), `${t.code}.${q.id} showIf reads ${v}`).toContain(v);
      });
      for (const tm of t.matters) {
        for (const v of varsOf(tm.appliesIf)) expect(ids, `${t.code}/${tm.matterCode} appliesIf reads ${v}`).toContain(v);
        for (const r of tm.materialRules ?? []) for (const v of varsOf(r.requiredIf)) expect(ids, `${t.code}/${tm.matterCode}/${r.materialCode}`).toContain(v);
      }
    }
  });
  it('every condition evaluates with json-logic-js when nothing is answered', () => {
    for (const t of topics) {
      const conds = [
        ...t.questions.map((q) => q.showIf),
        ...t.matters.flatMap((tm) => [tm.appliesIf, ...(tm.materialRules ?? []).map((r) => r.requiredIf)]),
      ].filter((c) => c != null);
      for (const c of conds) expect(() => jsonLogic.apply(c as jsonLogic.RulesLogic, {}), `${t.code} ${JSON.stringify(c)}`).not.toThrow();
    }
  });
  it('the newborn topic follows the anchored order: birth certificate → household registration → medical insurance → social security card', () => {
    const t = cleanTopics[0]!;
    const byResult = (ct: string) => t.matters.find((tm) => matterByCode.get(tm.matterCode)?.resultCertificateType === ct)!;
    const birth = byResult('CT-CSYXZM');
    const hukou = byResult('CT-HKB');
    const insurance = byResult('CT-YBCBPZ');
    const card = byResult('CT-SBK');
    expect(hukou.dependsOn).toContain(birth.matterCode);
    expect(insurance.dependsOn).toContain(hukou.matterCode);
    expect(card.dependsOn).toContain(insurance.matterCode);
    const services = { birthPlace: 'IN_DISTRICT', services: ['MEDICAL_INSURANCE', 'SSCARD'] };
    expect(jsonLogic.apply(insurance.appliesIf as jsonLogic.RulesLogic, services)).toBe(true);
    expect(jsonLogic.apply(byResult('CT-YFJZZ').appliesIf as jsonLogic.RulesLogic, services)).toBe(false);
  });
});

describe.each(cleanTopics.map((t) => [`${t.code} ${t.name}`, t] as const))('clean topic %s', (_label, t) => {
  const ms = topicMatters(t);
  it('is published in Chaonan and readiness-clean (standard name, questions, resolvable matters, guide and online URLs, every matter onlineDepth ≥ 3)', () => {
    expect(t.status).toBe('PUBLISHED');
    expect(t.region).toBe('440514');
    expect(readinessProblems(t)).toEqual([]);
    expect(t.windowAddress).toBeTruthy();
  });
  it('asks SINGLE, MULTI, BOOLEAN and NUMBER questions (NUMBER with min and max) and has a showIf', () => {
    expect(new Set(t.questions.map((q) => q.type))).toEqual(new Set(['SINGLE', 'MULTI', 'BOOLEAN', 'NUMBER']));
    for (const q of t.questions.filter((x) => x.type === 'NUMBER')) {
      expect(typeof q.min, q.id).toBe('number');
      expect(typeof q.max, q.id).toBe('number');
    }
    expect(t.questions.some((q) => q.showIf != null)).toBe(true);
  });
  it('spans at least three departments, with appliesIf on some matters and requiredIf rules', () => {
    expect(new Set(ms.map((m) => m.department)).size).toBeGreaterThanOrEqual(3);
    expect(t.matters.some((tm) => tm.appliesIf != null)).toBe(true);
    expect(t.matters.some((tm) => tm.appliesIf == null)).toBe(true);
    expect(t.matters.flatMap((tm) => tm.materialRules ?? []).length).toBeGreaterThan(0);
  });
  it('passes an earlier matter\'s result certificate along dependsOn (INTERNAL_RESULT)', () => {
    expect(internalResultPairs(t).length).toBeGreaterThan(0);
  });
  it('shares a material code across matters', () => {
    expect(sharedMaterialCodes(t).length).toBeGreaterThan(0);
  });
  it('shares a form key across matters, always with the same type', () => {
    const keys = formKeyTypes(t);
    expect([...keys.values()].some((e) => e.matters > 1)).toBe(true);
    for (const [key, e] of keys) expect([...e.types], key).toHaveLength(1);
  });
  it('has tolerant (容缺) materials and at least one exemptable material (certificate type or data item or government-issued)', () => {
    const mats = ms.flatMap((m) => m.materials);
    expect(mats.some((x) => x.tolerant)).toBe(true);
    expect(mats.some((x) => x.certificateType || x.dataItem || x.sourceChannel === 'GOVERNMENT_ISSUED')).toBe(true);
  });
});

describe('the clean topics as a set', () => {
  it('one is fully online (every matter onlineDepth 4, no visit)', () => {
    const full = cleanTopics.filter((t) => topicMatters(t).every((m) => m.onlineDepth === 4 && m.visitsRequired === 0));
    expect(full.map((t) => t.code)).toContain('CN-YJS-TX');
  });
  it('exactly one sets committedDays, the others leave it to be derived', () => {
    expect(cleanTopics.filter((t) => t.committedDays != null).map((t) => t.code)).toEqual(['CN-YJS-KCG']);
  });
  it('use GOVERNMENT_ISSUED materials, spouse/deceased/legal-representative holders and every dataset', () => {
    const mats = cleanTopics.flatMap(topicMatters).flatMap((m) => m.materials);
    expect(mats.some((x) => x.sourceChannel === 'GOVERNMENT_ISSUED')).toBe(true);
    const holders = new Set(mats.map((x) => x.holder).filter(Boolean));
    for (const h of ['spouse.idNumber', 'deceased.idNumber', 'legalRep.idNumber']) expect(holders.has(h), h).toBe(true);
    const items = new Set(mats.map((x) => x.dataItem).filter(Boolean));
    for (const d of Object.keys(datasets)) expect(items.has(d), d).toBe(true);
  });
  it('ask for certificate types that demo persons hold as valid, unexpired e-certificates', () => {
    const asked = new Set(cleanTopics.flatMap(topicMatters).flatMap((m) => m.materials.map((x) => x.certificateType)));
    const usable = certificates.filter(
      (c) => c.status === 'VALID' && (c.validUntil == null || c.validUntil >= TODAY) && personIds.has(c.holderId) && asked.has(c.typeCode),
    );
    expect(new Set(usable.map((c) => c.typeCode)).size).toBeGreaterThanOrEqual(3);
  });
});

describe('readiness failures and non-published topics', () => {
  it('at least one published topic breaks the readiness rules', () => {
    const failing = published.filter((t) => readinessProblems(t).length > 0);
    expect(failing.length).toBeGreaterThan(0);
  });
  it('CN-YJS-CJR fails on name, unknown matter, missing guide, shallow matter and unreachable online URL', () => {
    const t = topics.find((x) => x.code === 'CN-YJS-CJR')!;
    expect(t.status).toBe('PUBLISHED');
    expect(readinessProblems(t)).toEqual(['NAME_NOT_STANDARD', 'UNKNOWN_MATTER', 'NO_GUIDE_URL', 'MATTER_NOT_ONLINE', 'ONLINE_URL_UNREACHABLE']);
    // and carries a registry data error: one form key with two types
    expect([...formKeyTypes(t).values()].some((e) => e.types.size > 1)).toBe(true);
  });
  it('the city topic ST-YJS-SBK is guidable but not online-processable', () => {
    const t = topics.find((x) => x.code === 'ST-YJS-SBK')!;
    expect(t.region).toBe('440500');
    expect(readinessProblems(t)).toEqual(['MATTER_NOT_ONLINE']);
  });
  it('there is a DRAFT and a RETIRED topic for the admin-only view', () => {
    expect(topics.some((t) => t.status === 'DRAFT')).toBe(true);
    expect(topics.some((t) => t.status === 'RETIRED')).toBe(true);
  });
});

describe('e-certificates cover the exemption edge cases', () => {
  it('has VALID long-term, REVOKED, SUSPENDED and VALID-but-expired (2024) certificates', () => {
    expect(certificates.some((c) => c.status === 'VALID' && c.validUntil === null)).toBe(true);
    expect(certificates.some((c) => c.status === 'REVOKED')).toBe(true);
    expect(certificates.some((c) => c.status === 'SUSPENDED')).toBe(true);
    expect(certificates.some((c) => c.status === 'VALID' && c.validUntil?.startsWith('2024'))).toBe(true);
  });
  it('validity dates are ordered: validFrom ≤ issuedAt (re-issued licences keep their start) and validFrom < validUntil', () => {
    for (const c of certificates) {
      expect(c.validFrom <= c.issuedAt, c.id).toBe(true);
      if (c.validUntil) expect(c.validFrom < c.validUntil, c.id).toBe(true);
    }
  });
  it('the newborn couple is linked, she holds a valid 结婚证, his ID card e-certificate has expired', () => {
    const lin = persons.find((p) => p.name === '林美玲')!;
    const chen = persons.find((p) => p.name === '陈晓明')!;
    expect(lin.spouseIdNumber).toBe(chen.idNumber);
    const jhz = certificates.find((c) => c.holderId === lin.idNumber && c.typeCode === 'CT-JHZ');
    expect(jhz?.status).toBe('VALID');
    const sfz = certificates.find((c) => c.holderId === chen.idNumber && c.typeCode === 'CT-SFZ')!;
    expect(sfz.status).toBe('VALID');
    expect(sfz.validUntil! < TODAY).toBe(true);
    expect(datasets['household-registration']).toContain(lin.idNumber);
  });
});
