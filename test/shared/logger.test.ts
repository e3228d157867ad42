import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import { errorForLog, logError } from '../../shared/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ redact: { paths: ['phone'], censor: '[redacted]' } }, stream), lines };
}

describe('logError', () => {
  it('logs the stack, the name and a registered code beside the caller fields, which the logger still redacts', () => {
    const { log, lines } = capture();
    logError(log, new DialplaneError(ErrorCode.CRM_UNAVAILABLE, 'salesforce down'), 'load failed', {
      crm: 'salesforce',
      phone: '+14155550100',
    });
    const [line] = lines;
    expect(line).toMatchObject({ level: 50, msg: 'load failed', crm: 'salesforce', phone: '[redacted]' });
    expect(line!.err).toMatchObject({ type: 'DialplaneError', message: 'salesforce down', code: 'CRM_UNAVAILABLE' });
    expect(String((line!.err as { stack: string }).stack)).toContain('logger.test.ts');
  });

  it('keeps only name, message, stack and code of a driver error (its other properties can quote data)', () => {
    const driver = Object.assign(new TypeError('duplicate key'), {
      code: '23505',
      detail: 'Key (e164)=(+14155550100) already exists.',
    });
    expect(Object.keys(errorForLog(driver)).sort()).toEqual(['code', 'message', 'stack', 'type']);
    expect(errorForLog('plain text')).toEqual({ message: 'plain text' });
  });
});
