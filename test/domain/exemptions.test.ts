import { describe, expect, it } from 'vitest';
import { decideExemption } from '../../domain/plan.ts';
import { certificate, evidence, matter, planMaterial } from './fixtures.ts';

/** Birth medical certificate (M1) → household registration (M2) → social security card (M3). */
const birth = matter('M1', { resultCertificateType: 'CT-CSZM' });
const household = matter('M2', { resultCertificateType: 'CT-HK' });
const social = matter('M3', { resultCertificateType: null });
const applied = [birth, household, social];

describe('decideExemption — rule 1, INTERNAL_RESULT', () => {
  it('exempts a material produced as the result of an earlier applied matter', () => {
    const m = planMaterial('BIRTH-CERT', { certificateType: 'CT-CSZM', requiredBy: ['M2', 'M3'] });
    expect(decideExemption(m, applied)).toEqual({ reason: 'INTERNAL_RESULT', producedBy: 'M1' });
  });

  it('does not exempt a material whose producing matter comes after a needing matter', () => {
    const m = planMaterial('HK', { certificateType: 'CT-HK', requiredBy: ['M1', 'M3'] });
    expect(decideExemption(m, applied)).toBeNull();
  });

  it('does not count a needing matter as the producer of its own material', () => {
    const m = planMaterial('HK', { certificateType: 'CT-HK', requiredBy: ['M2'] });
    expect(decideExemption(m, applied)).toBeNull();
  });

  it('does not exempt a material whose certificate type no applied matter produces', () => {
    const m = planMaterial('ID', { certificateType: 'CT-SFZ', requiredBy: ['M3'] });
    expect(decideExemption(m, applied)).toBeNull();
  });

  it('names the first producing matter in topic order', () => {
    const again = matter('M0', { resultCertificateType: 'CT-HK' });
    const m = planMaterial('HK', { certificateType: 'CT-HK', requiredBy: ['M3'] });
    expect(decideExemption(m, [again, birth, household, social])).toEqual({
      reason: 'INTERNAL_RESULT',
      producedBy: 'M0',
    });
  });

  it('does not match a material without a certificate type to a matter without a result', () => {
    const m = planMaterial('FORM', { certificateType: null, requiredBy: ['M1'] });
    expect(decideExemption(m, [social, birth])).toBeNull();
  });
});

describe('decideExemption — rule 2, E_CERTIFICATE', () => {
  const m = planMaterial('HK', { certificateType: 'CT-HK', requiredBy: ['M3'] });
  const valid = certificate({ id: 'C-HK', typeCode: 'CT-HK', holderId: 'P1', validUntil: '2025-06-15' });

  it('exempts a material held as a valid e-certificate', () => {
    expect(decideExemption(m, [social], evidence({ certificates: [valid] }))).toEqual({
      reason: 'E_CERTIFICATE',
      certificate: valid,
      holderId: 'P1',
    });
  });

  it('exempts a material held as a long-term e-certificate', () => {
    const longTerm = certificate({ typeCode: 'CT-HK', validUntil: null });
    expect(decideExemption(m, [social], evidence({ certificates: [longTerm] }))?.certificate).toEqual(longTerm);
  });

  it('does not exempt a material whose e-certificate expired yesterday', () => {
    const expired = certificate({ typeCode: 'CT-HK', validUntil: '2025-06-14' });
    expect(decideExemption(m, [social], evidence({ certificates: [expired] }))).toBeNull();
  });

  it.each(['REVOKED', 'SUSPENDED'] as const)('does not exempt a material whose e-certificate is %s', (status) => {
    const c = certificate({ typeCode: 'CT-HK', status });
    expect(decideExemption(m, [social], evidence({ certificates: [c] }))).toBeNull();
  });

  it('does not exempt a material with a certificate of another holder or another type', () => {
    const others = [certificate({ typeCode: 'CT-HK', holderId: 'P2' }), certificate({ typeCode: 'CT-SFZ', holderId: 'P1' })];
    expect(decideExemption(m, [social], evidence({ certificates: others }))).toBeNull();
  });

  it('looks up the holder the evidence resolves for the material', () => {
    const spouse = certificate({ typeCode: 'CT-HK', holderId: 'P2' });
    const asked: string[] = [];
    const result = decideExemption(
      planMaterial('HK', { certificateType: 'CT-HK', holder: 'spouse.idNumber' }),
      [social],
      evidence({
        certificates: [spouse],
        holderOf: (material) => {
          asked.push(`${material.code}:${material.holder}`);
          return 'P2';
        },
      }),
    );
    expect(result).toEqual({ reason: 'E_CERTIFICATE', certificate: spouse, holderId: 'P2' });
    expect(asked).toEqual(['HK:spouse.idNumber']);
  });

  it('does not exempt a material whose holder cannot be looked up', () => {
    const c = certificate({ typeCode: 'CT-HK', holderId: 'P1' });
    expect(decideExemption(m, [social], evidence({ certificates: [c], holderOf: () => null }))).toBeNull();
  });

  it('is skipped for an anonymous plan', () => {
    expect(decideExemption(m, [social])).toBeNull();
  });

  it('prefers a long-term certificate, then the one valid longest', () => {
    const short = certificate({ id: 'short', typeCode: 'CT-HK', validUntil: '2026-01-01' });
    const long = certificate({ id: 'long', typeCode: 'CT-HK', validUntil: '2030-01-01' });
    const forever = certificate({ id: 'forever', typeCode: 'CT-HK', validUntil: null });
    expect(decideExemption(m, [social], evidence({ certificates: [short, long] }))?.certificate?.id).toBe('long');
    expect(decideExemption(m, [social], evidence({ certificates: [short, forever, long] }))?.certificate?.id).toBe(
      'forever',
    );
  });
});

describe('decideExemption — rule 3, DATA_SHARING', () => {
  const m = planMaterial('HK-PAGE', { dataItem: 'household-registration', requiredBy: ['M3'] });
  const datasets = new Map([['household-registration', new Set(['P1'])]]);

  it('exempts a material whose dataset the data center holds for the holder', () => {
    expect(decideExemption(m, [social], evidence({ availableDatasets: datasets }))).toEqual({
      reason: 'DATA_SHARING',
      dataset: 'household-registration',
      holderId: 'P1',
    });
  });

  it('does not exempt a material whose dataset the data center lacks for the holder', () => {
    expect(decideExemption(m, [social], evidence({ availableDatasets: datasets, holderOf: () => 'P2' }))).toBeNull();
    expect(decideExemption(m, [social], evidence({ availableDatasets: new Map() }))).toBeNull();
  });

  it('does not exempt a material whose holder cannot be looked up', () => {
    expect(decideExemption(m, [social], evidence({ availableDatasets: datasets, holderOf: () => null }))).toBeNull();
  });

  it('is skipped for an anonymous plan', () => {
    expect(decideExemption(m, [social])).toBeNull();
  });
});

describe('decideExemption — rule 4, GOVERNMENT_ISSUED', () => {
  it('exempts a material issued by a government department, even anonymously', () => {
    const m = planMaterial('LICENCE', { sourceChannel: 'GOVERNMENT_ISSUED' });
    expect(decideExemption(m, [social])).toEqual({ reason: 'GOVERNMENT_ISSUED' });
  });

  it.each(['APPLICANT', 'OTHER_ORGANISATION'] as const)('leaves a material from %s to be handed in', (channel) => {
    expect(decideExemption(planMaterial('X', { sourceChannel: channel }), [social], evidence())).toBeNull();
  });
});

describe('decideExemption — precedence', () => {
  /** A material every rule would exempt. */
  const everything = planMaterial('HK', {
    certificateType: 'CT-HK',
    dataItem: 'household-registration',
    sourceChannel: 'GOVERNMENT_ISSUED',
    requiredBy: ['M3'],
  });
  const cert = certificate({ typeCode: 'CT-HK' });
  const full = evidence({
    certificates: [cert],
    availableDatasets: new Map([['household-registration', new Set(['P1'])]]),
  });

  it('prefers INTERNAL_RESULT to every other reason', () => {
    expect(decideExemption(everything, applied, full)).toEqual({ reason: 'INTERNAL_RESULT', producedBy: 'M2' });
  });

  it('prefers E_CERTIFICATE to DATA_SHARING and GOVERNMENT_ISSUED', () => {
    expect(decideExemption(everything, [social], full)).toEqual({
      reason: 'E_CERTIFICATE',
      certificate: cert,
      holderId: 'P1',
    });
  });

  it('prefers DATA_SHARING to GOVERNMENT_ISSUED', () => {
    expect(decideExemption(everything, [social], { ...full, certificates: [] })).toEqual({
      reason: 'DATA_SHARING',
      dataset: 'household-registration',
      holderId: 'P1',
    });
  });

  it('falls back to GOVERNMENT_ISSUED when nothing personal matches', () => {
    expect(
      decideExemption(everything, [social], { ...full, certificates: [], availableDatasets: new Map() }),
    ).toEqual({ reason: 'GOVERNMENT_ISSUED' });
  });
});
