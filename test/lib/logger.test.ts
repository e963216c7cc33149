import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { maskIdNumbers } from '../../lib/mask.ts';

describe('masking of ID numbers', () => {
  it('keeps the region prefix and the check character only', () => {
    expect(maskIdNumbers('申请人 440514199403120356 与配偶 44051419760909051X')).toBe(
      '申请人 440514***********6 与配偶 440514***********X',
    );
  });

  it('masks an ID number right after a letter or an escape: percent-encoding, JSON escapes, case numbers', () => {
    expect(maskIdNumbers('GET /nope/%0A440514199403120356 and %20440514199403120356')).toBe(
      'GET /nope/%0A440514***********6 and %20440514***********6',
    );
    expect(maskIdNumbers(JSON.stringify({ remark: '\n440514199403120356\t44051419760909051x' }))).toBe(
      '{"remark":"\\n440514***********6\\t440514***********x"}',
    );
    expect(maskIdNumbers('SP440514199403120356A')).toBe('SP440514***********6A');
    expect(maskIdNumbers('\\u0020440514199403120356')).toBe('\\u0020440514***********6');
  });

  it('leaves longer digit runs, credit codes and short numbers alone', () => {
    expect(maskIdNumbers('order 1234567890123456789012 code 91440514MA4UJ4XG6K phone 13923780451')).toBe(
      'order 1234567890123456789012 code 91440514MA4UJ4XG6K phone 13923780451',
    );
  });

  it('masks ID numbers in every log line, whichever field carries them', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line) => lines.push(line) } });

    logger.info({ applicant: '440514199403120356', nested: { holder: '440514199608250285' } }, 'plan for 440514199403120356');

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect([entry.applicant, entry.nested.holder, entry.msg]).toEqual([
      '440514***********6',
      '440514***********5',
      'plan for 440514***********6',
    ]);
    expect(lines[0]).not.toMatch(/\d{17}[\dX]/);
  });
});

describe('masking of every logger path', () => {
  it('masks the bindings of child loggers and the message, stack and fields of logged errors', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line) => lines.push(line) } });
    const error = Object.assign(new Error('no record of 440514199403120356'), { params: ['x440514199608250285'] });

    logger.child({ component: 'delivery', holder: '440514199403120356' }).debug({ err: error }, 'lookup failed');

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      holder: '440514***********6',
      msg: 'lookup failed',
      err: { message: 'no record of 440514***********6', params: ['x440514***********5'] },
    });
    expect(entry.err.stack).toContain('no record of 440514***********6');
    expect(lines[0]).not.toMatch(/440514(19940312035|19960825028)/);
  });
});

describe('log context', () => {
  it('adds the fields of the current context to every line', () => {
    const lines: string[] = [];
    let requestId: string | undefined = 'req-42';
    const logger = createLogger({
      level: 'info',
      destination: { write: (line) => lines.push(line) },
      mixin: () => (requestId ? { requestId } : {}),
    });

    logger.info('inside a request');
    requestId = undefined;
    logger.info('background work');

    expect(lines.map((line) => JSON.parse(line).requestId)).toEqual(['req-42', undefined]);
  });
});
