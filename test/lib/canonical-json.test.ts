import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lib/canonical-json.ts';

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no white space', () => {
    expect(canonicalJson({ b: [3, { z: true, a: null }], a: '受理回执', c: { y: 1.5, x: -0 } })).toBe(
      '{"a":"受理回执","b":[3,{"a":null,"z":true}],"c":{"x":0,"y":1.5}}',
    );
  });

  it('gives the same text for the same content however it was written', () => {
    const parsed = JSON.parse('{ "materials" : [ {"provision":"DEFERRED", "code":"M-1"} ], "reference":"OT1" }');
    expect(canonicalJson(parsed)).toBe(canonicalJson({ reference: 'OT1', materials: [{ code: 'M-1', provision: 'DEFERRED' }] }));
  });

  it('orders keys by UTF-16 code units and escapes like JSON.stringify', () => {
    expect(canonicalJson({ é: 1, z: 2, A: 3, '\u2028': 'line\nbreak "quoted"' })).toBe('{"A":3,"z":2,"é":1,"\u2028":"line\\nbreak \\"quoted\\""}');
  });

  it('leaves out undefined properties and refuses what JSON cannot carry', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
  });
});
