import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '@graphql-codegen/cli';

const root = path.resolve(import.meta.dirname, '../..');

describe('generated code', () => {
  it('examples/generated matches codegen.ts over the current schemas (else: npm run codegen)', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const { default: config } = await import('../../codegen.js');
      const outputs = (await generate({ ...config, cwd: root }, false)) as { filename: string; content: string }[];
      expect(outputs.length).toBeGreaterThanOrEqual(2);
      for (const output of outputs) {
        const committed = readFileSync(path.resolve(root, output.filename), 'utf8');
        // A boolean, not a string diff: the generated files are long and the fix is always the same.
        expect(committed === output.content, `${output.filename} is stale: run \`npm run codegen\` and commit`).toBe(
          true,
        );
      }
    } finally {
      process.chdir(cwd);
    }
  }, 60_000);
});
