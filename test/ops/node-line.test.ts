import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// One supported Node line: what package.json's engines allow, what every locked dependency accepts
// (npm ci prints EBADENGINE otherwise, and such a package may use APIs Node 20 lacks) and what the
// Dockerfile runs must agree. And the Docker build context leaves out what is installed or private.
const require = createRequire(import.meta.url);
const semver = require('semver') as {
  satisfies(version: string, range: string): boolean;
  intersects(a: string, b: string): boolean;
  minVersion(range: string): { version: string } | null;
};
const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

describe('one Node line', () => {
  const oldest = semver.minVersion(pkg.engines.node)!.version;

  it('every locked dependency supports the oldest Node that engines allow', () => {
    const refusing = Object.entries(lock.packages)
      .filter(
        ([name, info]) =>
          name !== '' &&
          !Array.isArray(info.engines) &&
          info.engines?.node &&
          !semver.satisfies(oldest, info.engines.node),
      )
      .map(([name, info]) => `${name}@${info.version} wants node ${(info.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });

  it('the Dockerfile runs a Node that engines allow, on every stage', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const images = [...dockerfile.matchAll(/^FROM\s+node:(\d+(?:\.\d+){0,2})\S*/gm)].map((m) => m[1]!);
    expect(images.length).toBeGreaterThan(0);
    // node:20-… is the newest 20.x release: its line must be the one engines names.
    for (const tag of images)
      expect(
        semver.intersects(`${tag.split('.')[0]}.x`, pkg.engines.node),
        `node:${tag} vs engines ${pkg.engines.node}`,
      ).toBe(true);
  });

  it('.dockerignore keeps installed, built and private files out of the build context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.data', '*.log']) expect(ignored).toContain(entry);
  });
});
