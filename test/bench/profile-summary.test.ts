import { describe, expect, it } from 'vitest';
import { topEntries } from '../../bench/profile-summary.js';

// A profile summary limited to a bench phase counts only the samples taken inside it, so start-up
// (module loading, PGlite initialisation) no longer crowds out what a request costs (issue 17).
const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4] },
    { id: 2, callFrame: frame('startUp', 'file:///repo/dist/subgraphs/consent/server.js') },
    { id: 3, callFrame: frame('decide', 'file:///repo/dist/subgraphs/consent/consent-service.js') },
    { id: 4, callFrame: frame('(idle)', '') },
  ],
  startTime: 1_000_000,
  endTime: 1_000_000 + 6_000,
  // 1 ms apart: start-up for 3 samples, then idle, then 2 decisions.
  samples: [2, 2, 2, 4, 3, 3],
  timeDeltas: [1_000, 1_000, 1_000, 1_000, 1_000, 1_000],
};

describe('topEntries', () => {
  it("counts every sample without a window, and only the window's samples with one", () => {
    const all = topEntries(profile, 10);
    expect(all.totalMs).toBe(6);
    expect(all.idleMs).toBe(1);
    expect(all.functions[0]![0]).toMatch(/^startUp /);
    const phase = topEntries(profile, 10, { fromUs: 1_004_000, toUs: 1_007_000 });
    expect(phase.totalMs).toBe(3);
    expect(phase.functions.map(([name, ms]) => [name.split(' ')[0], ms])).toEqual([['decide', 2]]);
  });
});
