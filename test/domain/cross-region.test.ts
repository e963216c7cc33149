/**
 * 同标准办理 and 复制推广: comparing a topic with the same-name topics of its
 * city and of the city's other districts, and the replication backlog.
 */
import { describe, expect, it } from 'vitest';
import type { Matter, Topic } from '../../connectors/matter-registry/models.ts';
import {
  compareAcrossRegions,
  counterpartDepartment,
  peerLevel,
  replicationBacklog,
  type OfferedTopic,
  type TopicVersion,
} from '../../domain/cross-region.ts';
import { field, material, matter, options, question, topic, topicMatter } from './fixtures.ts';

/** A restaurant topic of `region`: registration, then the food licence that depends on it. */
function restaurant(region: string, change: { topic?: Partial<Topic>; registration?: Partial<Matter>; licence?: Partial<Matter> } = {}): TopicVersion {
  const registration = matter(`${region}-SCJG-XK-0001`, {
    name: '市场主体设立登记',
    department: `SCJGJ-${region}`,
    legalDays: 15,
    committedDays: 1,
    materials: [material('M-SFZ'), material('M-CSZM')],
    form: [field('business.name'), field('business.areaSqm', { type: 'NUMBER' })],
    ...change.registration,
  });
  const licence = matter(`${region}-SCJG-XK-0002`, {
    name: '食品经营许可（餐饮服务）核发',
    department: `SCJGJ-${region}`,
    legalDays: 20,
    committedDays: 5,
    materials: [material('M-SFZ'), material('M-PMBJT'), material('M-JKZM')],
    form: [field('business.name'), field('business.mainFormat', { type: 'ENUM', options: ['正餐', '快餐'] })],
    ...change.licence,
  });
  return {
    topic: topic({
      code: `${region}-KCG`,
      name: '我要开餐馆',
      region,
      leadDepartment: `SCJGJ-${region}`,
      questions: [question('placeType', 'SINGLE', { options: options('OWNED', 'RENTED') }), question('areaSqm', 'NUMBER')],
      matters: [topicMatter(registration.code), topicMatter(licence.code, { dependsOn: [registration.code] })],
      ...change.topic,
    }),
    matters: new Map([registration, licence].map((m) => [m.code, m])),
  };
}

describe('peerLevel', () => {
  it('relates a district to its city and to the other districts and counties of that city only', () => {
    expect([
      peerLevel('440514', '440500'),
      peerLevel('440514', '440513'),
      peerLevel('440514', '440523'),
      peerLevel('440500', '440514'),
      peerLevel('440514', '440514'),
      peerLevel('440514', '440106'),
      peerLevel('440514', '440000'),
      peerLevel('440514', 'city'),
    ]).toEqual(['CITY', 'DISTRICT', 'DISTRICT', 'DISTRICT', null, null, null, null]);
  });
});

describe('compareAcrossRegions', () => {
  it('finds nothing when the city and another district run the same topic, whatever the order of their lists', () => {
    const own = restaurant('440514');
    const city = restaurant('440500', {
      topic: { questions: [...own.topic.questions].reverse().map((q) => ({ ...q, text: `${q.text}（市级措辞）` })) },
      licence: { materials: [material('M-JKZM'), material('M-PMBJT'), material('M-SFZ')] },
    });

    expect(compareAcrossRegions(own, [city, restaurant('440513')])).toEqual({ problems: [], differences: [] });
  });

  it('reports a city topic with a different material list, item by item', () => {
    const own = restaurant('440514');
    const city = restaurant('440500', { licence: { materials: [material('M-SFZ'), material('M-PMBJT'), material('M-SPAQZD')] } });

    expect(compareAcrossRegions(own, [city])).toEqual({
      problems: ['DIFFERS_FROM_CITY:MATERIALS'],
      differences: [
        {
          code: 'DIFFERS_FROM_CITY:MATERIALS',
          aspect: 'MATERIALS',
          level: 'CITY',
          peer: { topicCode: '440500-KCG', region: '440500', leadDepartment: 'SCJGJ-440500' },
          onlyHere: ['M-JKZM'],
          onlyThere: ['M-SPAQZD'],
          changed: [],
        },
      ],
    });
  });

  it('reports every aspect in which another district differs: questions, matters, form and time limits', () => {
    const own = restaurant('440514');
    const other = restaurant('440513', {
      topic: {
        questions: [question('placeType', 'SINGLE', { options: options('OWNED', 'RENTED', 'FREE') }), question('seats', 'NUMBER')],
      },
      registration: { name: ' 市场主体设立登记 ', type: 'ADMINISTRATIVE_CONFIRMATION' },
      licence: {
        committedDays: 10,
        form: [field('business.name'), field('business.mainFormat', { type: 'STRING' }), field('business.seats', { type: 'NUMBER' })],
      },
    });

    const result = compareAcrossRegions(own, [other]);

    expect(result.problems).toEqual([
      'DIFFERS_FROM_DISTRICT:QUESTIONS',
      'DIFFERS_FROM_DISTRICT:MATTERS',
      'DIFFERS_FROM_DISTRICT:FORM',
      'DIFFERS_FROM_DISTRICT:TIME_LIMIT',
    ]);
    expect(result.differences.map(({ aspect, onlyHere, onlyThere, changed }) => ({ aspect, onlyHere, onlyThere, changed }))).toEqual([
      {
        aspect: 'QUESTIONS',
        onlyHere: ['areaSqm'],
        onlyThere: ['seats'],
        changed: [{ item: 'placeType', here: 'SINGLE [OWNED, RENTED]', there: 'SINGLE [FREE, OWNED, RENTED]' }],
      },
      {
        aspect: 'MATTERS',
        onlyHere: [],
        onlyThere: [],
        changed: [{ item: '市场主体设立登记', here: 'ADMINISTRATIVE_LICENSE', there: 'ADMINISTRATIVE_CONFIRMATION' }],
      },
      {
        aspect: 'FORM',
        onlyHere: [],
        onlyThere: ['business.seats'],
        changed: [{ item: 'business.mainFormat', here: 'ENUM', there: 'STRING' }],
      },
      {
        aspect: 'TIME_LIMIT',
        onlyHere: [],
        onlyThere: [],
        changed: [
          { item: '食品经营许可（餐饮服务）核发', here: 'legal 20, committed 5', there: 'legal 20, committed 10' },
          // Along the chain: 1 + 5 here, 1 + 10 there.
          { item: 'topic', here: 'committed 6', there: 'committed 11' },
        ],
      },
    ]);
  });

  it('lists the city before the districts and ignores topics of other names, cities and the region itself', () => {
    const own = restaurant('440514');
    const differentMaterials = { licence: { materials: [material('M-SFZ')] } };
    const others = [
      restaurant('440515', differentMaterials),
      restaurant('440500', differentMaterials),
      restaurant('440106', differentMaterials),
      { ...restaurant('440513', differentMaterials), topic: { ...restaurant('440513').topic, name: '我要开药店' } },
      { ...restaurant('440514', differentMaterials), topic: { ...restaurant('440514').topic, code: 'OLD-KCG' } },
    ];

    const result = compareAcrossRegions(own, others);

    expect(result.problems).toEqual(['DIFFERS_FROM_CITY:MATERIALS', 'DIFFERS_FROM_DISTRICT:MATERIALS']);
    expect(result.differences.map((d) => d.peer.region)).toEqual(['440500', '440515']);
  });

  it('compares the matters the registry knows, leaving unknown codes to readiness', () => {
    const own = restaurant('440514');
    const city = restaurant('440500');
    const withoutLicence: TopicVersion = { topic: city.topic, matters: new Map([...city.matters].slice(0, 1)) };

    expect(compareAcrossRegions(own, [withoutLicence]).problems).toEqual([
      'DIFFERS_FROM_CITY:MATTERS',
      'DIFFERS_FROM_CITY:MATERIALS',
      'DIFFERS_FROM_CITY:FORM',
      'DIFFERS_FROM_CITY:TIME_LIMIT',
    ]);
  });
});

describe('replicationBacklog', () => {
  const offered = (code: string, name: string, region: string, leadDepartment: string, status = 'PUBLISHED'): OfferedTopic => ({
    code,
    name,
    region,
    leadDepartment,
    status,
  });
  const topics = [
    offered('CN-KCG', '我要开餐馆', '440514', 'SCJGJ-440514'),
    offered('ST-KCG', '我要开餐馆', '440500', 'SCJGJ-440500'),
    offered('ST-SBK', '社会保障卡居民服务一件事', '440500', 'RSJ-440500'),
    offered('CY-SBK', ' 社会保障卡居民服务一件事', '440513', 'RSJ-440513'),
    offered('CY-JYRX', '教育入学一件事', '440513', 'JYJ-440513'),
    offered('CN-QYBG', '企业信息变更一件事', '440514', 'SCJGJ-440514', 'DRAFT'),
    offered('ST-QYBG', '企业信息变更一件事', '440500', 'SCJGJ-440500'),
    offered('CY-DRAFT', '我要开超市', '440513', 'SCJGJ-440513', 'DRAFT'),
    offered('GZ-XX', '我要开书店', '440106', 'SCJGJ-440106'),
  ];
  const departments = new Set(['SCJGJ-440514', 'RSJ-440514', 'SCJGJ-440500', 'RSJ-440500', 'RSJ-440513', 'JYJ-440513']);

  it('lists what the city or another district publishes and the region does not, with the department that should claim it', () => {
    expect(replicationBacklog('440514', topics, departments)).toEqual([
      {
        name: '企业信息变更一件事',
        offeredBy: [topics[6]],
        claimingDepartment: 'SCJGJ-440514',
      },
      {
        // Chaonan has no education bureau in the registry: nobody to name.
        name: '教育入学一件事',
        offeredBy: [topics[4]],
        claimingDepartment: null,
      },
      {
        name: '社会保障卡居民服务一件事',
        offeredBy: [topics[2], topics[3]],
        claimingDepartment: 'RSJ-440514',
      },
    ]);
  });

  it('gives a city the topics its districts publish and it lacks', () => {
    expect(replicationBacklog('440500', topics, departments).map((c) => [c.name, c.claimingDepartment])).toEqual([['教育入学一件事', null]]);
  });

  it('names the counterpart department only when the registry knows it', () => {
    expect(counterpartDepartment('SCJGJ-440500', '440500', '440514', departments)).toBe('SCJGJ-440514');
    expect(counterpartDepartment('JYJ-440513', '440513', '440514', departments)).toBeNull();
    expect(counterpartDepartment('市教育局', '440500', '440514', departments)).toBeNull();
  });
});
