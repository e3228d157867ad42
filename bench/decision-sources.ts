/**
 * What the issue-11 data sources cost a decision (target: p99 grows by at most 0.2 ms). Two consent
 * services side by side in this process, each on its own embedded database with the same national
 * registry and the same written consents for the same numbers (Florida's 850, a split-zone code):
 *
 * - without: no litigator list, no RND (the unconfigured checker: every answer NO_DATA, never kept),
 *   an empty split-zone table: the service as `npm start` ran it before issue 11;
 * - with: a known-litigator list loaded, the RND client asking the RND simulator over HTTP (answers
 *   kept per number and consent date, as in service), the split-zone table of the current policy.
 *
 * `service.decide` (facts in one round trip + rules + batched audit) is timed in alternating rounds,
 * so all see the same machine; the ratio and the p99 growth come from one run. Three more services
 * with one source each show which source costs what.
 *
 *   npm run bench -- decision
 *   BENCH_DECISION_SAMPLES=300 BENCH_DECISION_REGISTRY=5000 npm run bench -- decision   // quick check
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_INTERNAL_SECRET } from '../shared/config.js';
import { IDENTITY_HEADER, signIdentity, type Identity } from '../shared/identity.js';
import { silentLogger } from '../shared/logger.js';
import { createMetrics } from '../shared/metrics.js';
import { startRndSim } from '../sim/rnd/server.js';
import { importDncFile } from '../subgraphs/consent/dnc-file-import.js';
import type { AreaCodeZoneTable } from '../subgraphs/consent/policy/index.js';
import { createUnconfiguredChecker } from '../subgraphs/consent/reassigned/checker.js';
import { createRndClient } from '../subgraphs/consent/reassigned/rnd-client.js';
import { startConsentSubgraph, type RunningConsentSubgraph } from '../subgraphs/consent/server.js';
import { markSynced } from '../subgraphs/consent/store/dnc-registry.js';
import { openConsentDatabase } from '../subgraphs/consent/store/open-consent-db.js';
import { pct, WRITTEN } from './consent.js';
import { writeNationalFile } from './dnc-import.js';
import type { Report } from './index.js';

const AGENT: Identity = { sub: 'bench-agent', roles: ['agent'], seller: 'acme' };
const TARGET_GROWTH_MS = 0.2;
const NO_SPLIT_ZONES: AreaCodeZoneTable = {
  version: 'none',
  retrieved: '2026-12-01',
  sources: ['(bench baseline: no table)'],
  areaCodes: {},
};
const STATE_LISTS = ['FL', 'OK', 'LA', 'MA', 'CO', 'IN', 'MO', 'PA', 'TN', 'TX', 'WY'];

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer (got ${raw})`);
  return n;
}

function nextWeekdayAt(hourUtc: number): Date {
  const d = new Date();
  d.setUTCHours(hourUtc, 0, 0, 0);
  do d.setUTCDate(d.getUTCDate() + 1);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6);
  return d;
}

async function recordConsent(consent: RunningConsentSubgraph, phone: string): Promise<void> {
  const body = JSON.stringify({
    query: 'mutation($i: RecordConsentInput!) { recordConsent(input: $i) { cursor } }',
    variables: { i: WRITTEN(phone) },
  });
  const res = await fetch(consent.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [IDENTITY_HEADER]: signIdentity(AGENT, DEV_INTERNAL_SECRET, { body }),
    },
    body,
  });
  const answer = (await res.json()) as { errors?: { message: string }[] };
  if (answer.errors?.length) throw new Error(`recordConsent: ${answer.errors[0]!.message}`);
}

interface Sources {
  litigator: boolean;
  rnd: boolean;
  splitZones: boolean;
}

interface Variant {
  name: string;
  sources: Sources;
  consent: RunningConsentSubgraph;
  samples: number[];
}

/** Both ends, and each source alone (which one costs what). */
const VARIANTS: { name: string; sources: Sources }[] = [
  { name: 'without', sources: { litigator: false, rnd: false, splitZones: false } },
  { name: 'with', sources: { litigator: true, rnd: true, splitZones: true } },
  { name: 'litigator only', sources: { litigator: true, rnd: false, splitZones: false } },
  { name: 'RND only', sources: { litigator: false, rnd: true, splitZones: false } },
  { name: 'split zones only', sources: { litigator: false, rnd: false, splitZones: true } },
];

export async function run(report: Report): Promise<void> {
  const log = (line: string) => console.log(`[decision] ${line}`);
  const samples = envInt('BENCH_DECISION_SAMPLES', 3_000);
  const registrySize = envInt('BENCH_DECISION_REGISTRY', 100_000);
  const litigators = envInt('BENCH_DECISION_LITIGATORS', 10_000);
  const phones = Array.from({ length: 50 }, (_, i) => `+1850555${String(1000 + i).padStart(4, '0')}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'decision-bench-'));
  const closers: (() => Promise<void>)[] = [];
  try {
    const nationalFile = path.join(dir, 'national.txt');
    await writeNationalFile(nationalFile, registrySize);
    // Litigators: other numbers than the national file's (its first rows), none of the decided ones.
    const litigatorFile = path.join(dir, 'litigators.txt');
    await writeNationalFile(litigatorFile, litigators, registrySize);
    const rnd = await startRndSim({ port: 0 });
    closers.push(() => rnd.close());

    const variants: Variant[] = [];
    for (const { name, sources } of VARIANTS) {
      const db = await openConsentDatabase({});
      closers.push(() => db.close());
      const downloadedAt = new Date();
      await importDncFile(db, nationalFile, { list: 'national', mode: 'full', downloadedAt });
      await markSynced(db, 'national', '850', downloadedAt);
      for (const s of STATE_LISTS) await markSynced(db, `state:${s}`, '*', downloadedAt);
      if (sources.litigator) await importDncFile(db, litigatorFile, { list: 'litigator', mode: 'full', downloadedAt });
      const consent = await startConsentSubgraph(
        {
          port: 0,
          nodeEnv: 'production',
          logLevel: 'silent',
          internalSecret: DEV_INTERNAL_SECRET,
          revocationPollMs: 60_000,
        },
        {
          log: silentLogger,
          metrics: createMetrics(`consent-bench-decision-${variants.length}`, { collectDefault: false }),
          db,
          checker: sources.rnd ? createRndClient({ url: rnd.url }) : createUnconfiguredChecker(),
          ...(sources.splitZones ? {} : { areaCodeZones: NO_SPLIT_ZONES }),
        },
      );
      closers.push(() => consent.close());
      for (const phone of phones) await recordConsent(consent, phone);
      variants.push({ name, sources, consent, samples: [] });
    }

    // A fixed instant inside calling hours in both Florida zones (next weekday, 17:00 UTC), so the time
    // of day the bench runs never decides which rule paths are taken (nextAllowedAt is only worked
    // out when time is the only reason).
    const at = nextWeekdayAt(17);
    const decide = (v: Variant, phone: string) =>
      v.consent.service.decide({ phone, purpose: 'MARKETING', seller: 'acme', at }, AGENT);
    // Warm-up: JIT, statement caches, and the RND answers kept for each (number, consent date).
    for (const v of variants) for (let i = 0; i < 300; i++) await decide(v, phones[i % phones.length]!);
    const asked = rnd.queries;
    const rounds = 10;
    const perRound = Math.max(1, Math.ceil(samples / rounds));
    for (let r = 0; r < rounds; r++) {
      // Rotating the order each round, so no variant always runs first (or right after a GC-heavy one).
      for (const v of variants.map((_, i) => variants[(i + r) % variants.length]!)) {
        for (let i = 0; i < perRound; i++) {
          const phone = phones[(r * perRound + i) % phones.length]!;
          const t = performance.now();
          await decide(v, phone);
          v.samples.push(performance.now() - t);
        }
      }
    }
    const [without, withSources, ...single] = variants as [Variant, Variant, ...Variant[]];
    // What each variant decided (same number, same instant): the sources change the reasons.
    for (const v of variants)
      log(`  ${v.name} decides: ${(await decide(v, phones[0]!)).decision.reasons.join(', ') || 'ALLOWED'}`);
    // Kept answers: the RND is asked once per (number, consent date), during the warm-up.
    const rndQueriesWhileTimed = rnd.queries - asked;
    const figures = {
      samples: perRound * rounds,
      registry: registrySize,
      litigators,
      rndQueriesWhileTimed,
      without: { p50: pct(without.samples, 50), p99: pct(without.samples, 99) },
      with: { p50: pct(withSources.samples, 50), p99: pct(withSources.samples, 99) },
      eachAlone: Object.fromEntries(single.map((v) => [v.name, { p50: pct(v.samples, 50), p99: pct(v.samples, 99) }])),
    };
    const growth = figures.with.p99 - figures.without.p99;
    const ratio = figures.with.p99 / figures.without.p99;
    log(
      `decide p50/p99 without the sources ${figures.without.p50.toFixed(3)}/${figures.without.p99.toFixed(3)} ms, with them ${figures.with.p50.toFixed(3)}/${figures.with.p99.toFixed(3)} ms; ` +
        `p99 ratio ${ratio.toFixed(2)}, growth ${growth.toFixed(3)} ms (target <= ${TARGET_GROWTH_MS} ms: ${growth <= TARGET_GROWTH_MS ? 'MET' : 'NOT MET'})`,
    );
    for (const v of single)
      log(`  ${v.name}: p50/p99 ${pct(v.samples, 50).toFixed(3)}/${pct(v.samples, 99).toFixed(3)} ms`);
    report('decision', {
      ...figures,
      p99Ratio: Number(ratio.toFixed(3)),
      p99GrowthMs: Number(growth.toFixed(3)),
      target: `p99 growth <= ${TARGET_GROWTH_MS} ms`,
      met: growth <= TARGET_GROWTH_MS,
    });
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await run((section, data) => console.log(JSON.stringify({ section, ...data })));
  process.exit(0);
}
