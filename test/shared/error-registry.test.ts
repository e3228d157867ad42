import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ErrorCode } from '../../shared/errors.js';

/**
 * A static scan of the server code we ship (not the simulators, which speak the CRMs' own error
 * vocabularies, nor generated files, nor the browser bundles): every error we raise is a
 * DialplaneError with a registered code, and every code written out in the source is in the
 * registry of shared/errors.ts.
 */
const root = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['shared', 'gateway', 'subgraphs', 'platforms', 'scripts'];

/** Codes that are not error codes: the consent decision's obligations (ObligationCode in the consent schema). */
const NOT_ERROR_CODES = new Set([
  'ID_DISCLOSURE',
  'OPT_OUT_OFFER',
  'AI_DISCLOSURE_REQUIRED',
  'RECORDING_NOTICE_REQUIRED',
]);

function sourceFiles(dir: string): string[] {
  return (
    readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
      .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
      // Browser bundles (explorer, console) read the codes the gateway answers; they raise none of ours.
      .filter((file) => !file.split(path.sep).includes('generated') && !file.split(path.sep).includes('browser'))
  );
}

const files = SCANNED.flatMap(sourceFiles).map((file) => ({ file, text: readFileSync(path.join(root, file), 'utf8') }));

function matches(pattern: RegExp): { file: string; match: string; value: string }[] {
  return files.flatMap(({ file, text }) =>
    [...text.matchAll(pattern)].map((m) => ({ file, match: m[0], value: m[1] ?? m[0] })),
  );
}

describe('error-code registry', () => {
  it('scans the tree (a broken path would pass vacuously)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(matches(/ErrorCode\.([A-Z_]+)/g).length).toBeGreaterThan(50);
  });

  it('every ErrorCode.X used in the tree is registered, with a description and an HTTP status', () => {
    const used = new Set(matches(/ErrorCode\.([A-Z][A-Z0-9_]*)/g).map((m) => m.value));
    expect([...used].filter((code) => !(code in ErrorCode))).toEqual([]);
    for (const code of Object.values(ErrorCode)) {
      expect(ERROR_CODES[code].description.length, code).toBeGreaterThan(10);
      expect(ERROR_CODES[code].httpStatus, code).toBeGreaterThanOrEqual(400);
    }
  });

  // Comparisons (`e.code === 'ECONNRESET'`) read other systems' codes (Node, the CRMs) and are not scanned.
  it("every code we write as a literal (code: 'X', HttpError(n, 'X'), DialplaneError('X')) is registered", () => {
    const literal = [
      ...matches(/\b(?:code|Code)\??:\s*'([A-Z][A-Z0-9_]+)'/g),
      ...matches(/\b(?:HttpError|DialplaneError|WriteBackError)\(\s*(?:\d+,\s*)?'([A-Z][A-Z0-9_]+)'/g),
      ...matches(/\bdialplaneError\(\s*'([A-Z][A-Z0-9_]+)'/g),
    ];
    expect(
      literal
        .filter((m) => !(m.value in ErrorCode) && !NOT_ERROR_CODES.has(m.value))
        .map((m) => `${m.file}: ${m.match}`),
    ).toEqual([]);
  });

  it('every error we raise is a DialplaneError: no Error subclass and no bare Error outside shared/errors.ts', () => {
    const bare = [
      ...matches(/class \w+ extends Error\b/g),
      ...matches(/new Error\(/g),
      ...matches(/Object\.assign\(new Error/g),
    ];
    expect(bare.filter((m) => m.file !== path.join('shared', 'errors.ts')).map((m) => `${m.file}: ${m.match}`)).toEqual(
      [],
    );
  });
});
