import { describe, expect, it } from 'vitest';
import { materialReduction, timeCompression, widestSituation } from '../../domain/widest.ts';
import type { PlanSummary } from '../../domain/plan.ts';
import { material, matter, question, registry, topic, topicMatter } from './fixtures.ts';

const summary = (extra: Partial<PlanSummary>): PlanSummary => ({
  matterCount: 1,
  materialsBefore: 0,
  materialsToSubmit: 0,
  legalDaysTotal: 0,
  committedDays: 0,
  visits: 0,
  ...extra,
});

describe('widestSituation', () => {
  /** Producer P (result CT-P) then consumer C; a conditional matter Q; an unknown code. */
  const matters = registry(
    matter('P', {
      legalDays: 20,
      committedDays: 5,
      resultCertificateType: 'CT-P',
      materials: [material('ID', { certificateType: 'CT-SFZ', dataItem: 'identity' }), material('OPT', { required: false })],
    }),
    matter('C', {
      legalDays: 30,
      committedDays: 10,
      onlineDepth: 3,
      materials: [
        material('ID'),
        material('P-RESULT', { certificateType: 'CT-P' }),
        material('LICENCE', { sourceChannel: 'GOVERNMENT_ISSUED' }),
        material('RARE'),
      ],
    }),
    matter('Q', { legalDays: 10, committedDays: 8, materials: [material('Q-FORM')] }),
  );
  const t = topic({
    questions: [question('big', 'BOOLEAN')],
    matters: [
      topicMatter('P'),
      topicMatter('C', { dependsOn: ['P'], materialRules: [{ materialCode: 'RARE', requiredIf: { var: 'big' } }] }),
      topicMatter('Q', { appliesIf: { var: 'big' } }),
      topicMatter('UNKNOWN'),
    ],
  });

  it('applies every matter, needs every material and counts only the anonymous exemptions', () => {
    expect(widestSituation(t, matters)).toEqual({
      matterCount: 3,
      materialsBefore: 1 + 4 + 1,
      materialsToSubmit: 3, // ID, RARE, Q-FORM; P-RESULT is an internal result, LICENCE government-issued
      legalDaysTotal: 60,
      committedDays: 15,
      visits: 1,
    });
  });

  it('keeps the topic’s committed days when set', () => {
    expect(widestSituation({ ...t, committedDays: 7 }, matters).committedDays).toBe(7);
  });

  it('gives an empty summary for a topic whose matters are all unknown', () => {
    expect(widestSituation(topic({ matters: [topicMatter('UNKNOWN')] }), matters)).toEqual({
      matterCount: 0,
      materialsBefore: 0,
      materialsToSubmit: 0,
      legalDaysTotal: 0,
      committedDays: 0,
      visits: 0,
    });
  });
});

describe('materialReduction', () => {
  it('is the share of materials the applicant no longer hands in', () => {
    expect(materialReduction(summary({ materialsBefore: 8, materialsToSubmit: 2 }))).toBeCloseTo(0.75, 12);
    expect(materialReduction(summary({ materialsBefore: 3, materialsToSubmit: 3 }))).toBe(0);
  });

  it('is null when there were no materials before', () => {
    expect(materialReduction(summary({ materialsBefore: 0, materialsToSubmit: 0 }))).toBeNull();
  });
});

describe('timeCompression', () => {
  it('is the share of the legal time limit saved by the commitment', () => {
    expect(timeCompression(summary({ legalDaysTotal: 60, committedDays: 15 }))).toBeCloseTo(0.75, 12);
    expect(timeCompression(summary({ legalDaysTotal: 10, committedDays: 0 }))).toBe(1);
  });

  it('is null when the legal time limits sum to zero', () => {
    expect(timeCompression(summary({ legalDaysTotal: 0, committedDays: 5 }))).toBeNull();
  });
});
