import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { destroyAgents } from './load.js';

/**
 * `npm run bench`: builds, then runs every benchmark from compiled JS (tsx costs 12–15% throughput).
 * Each section measures its own baseline in the same run and reports ratios, because this machine
 * is noisy. Figures print as they come and are saved to bench/results/<timestamp>.json.
 * Run a subset with `npm run bench -- gateway consent`.
 */

export type Report = (section: string, data: Record<string, unknown>) => void;
interface BenchModule {
  run(report: Report): Promise<void>;
}

const SECTIONS: { name: string; module: string; about: string }[] = [
  {
    name: 'sim',
    module: './sim-overhead.js',
    about: 'CRM simulators: overhead of a 100-id batch read at latency 0 (issue 2)',
  },
  {
    name: 'sim-data',
    module: './sim-data-memory.js',
    about: 'CRM simulators: dataset generation time and memory (issue 2)',
  },
  {
    name: 'crm',
    module: './crm-subgraph.js',
    about: 'CRM subgraphs: warm/cold contact reads vs the official client (issue 3)',
  },
  { name: 'gateway', module: './gateway.js', about: 'gateway vs subgraph direct vs CRM direct (issue 4)' },
  {
    name: 'call-start',
    module: './call-start.js',
    about: 'the call-start document through the whole stack, CPU per request of every process (issue 17)',
  },
  {
    name: 'gateway-checks',
    module: './gateway-checks.js',
    about: 'call-start p50 with auth and identity checks on vs off (issue 9)',
  },
  { name: 'consent', module: './consent.js', about: 'call-permission decisions and revocation delivery (issue 5)' },
  {
    name: 'engagement',
    module: './engagement.js',
    about: 'outcome acknowledgment on the embedded and production shapes, write-back throughput (issues 6, 17)',
  },
  {
    name: 'platforms',
    module: './platforms.js',
    about: 'voice-platform call start vs the gateway queries it makes, a hanging CRM, opt-out to subscriber (issue 12)',
  },
  {
    name: 'dnc-import',
    module: './dnc-import.js',
    about:
      "a full national DNC file (1,000,000 numbers; BENCH_DNC_NUMBERS) through the running service's admin door, as the CLI sends it (issue 11)",
  },
  {
    name: 'decision',
    module: './decision-sources.js',
    about:
      'decision p99 with and without the issue-11 data sources (litigator list, RND answers, split-zone table) (issue 11)',
  },
  {
    name: 'audit',
    module: './audit.js',
    about: 'the pre-deployment audit of 100,000 contacts per CRM: rate-limit floor, peak memory, API budget (issue 13)',
  },
  {
    name: 'abuse',
    module: './abuse.js',
    about: "a victim call-start read under each abuse attack; the door's cost (issue 10)",
  },
  {
    name: 'embedded-rss',
    module: './embedded-rss.js',
    about: "npm start's footprint: RSS of the one embedded process after driving call-start through it (issue 17)",
  },
  {
    name: 'connections',
    module: './connections.js',
    about:
      'the call-start CRM read with 2 and 50 seller connections vs one account; memory per idle connection (issue 15)',
  },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    sections: {},
  };
  const sections = results.sections as Record<string, unknown[]>;
  const report: Report = (section, data) => {
    (sections[section] ??= []).push(data);
  };
  for (const section of SECTIONS) {
    if (wanted.length && !wanted.includes(section.name)) continue;
    console.log(`\n=== ${section.name}: ${section.about}`);
    let mod: BenchModule;
    try {
      mod = (await import(section.module)) as BenchModule;
    } catch (error) {
      console.log(`(not present: ${(error as Error).message.split('\n')[0]})`);
      continue;
    }
    const started = performance.now();
    try {
      await mod.run(report);
    } catch (error) {
      console.log(`FAILED: ${(error as Error).stack ?? error}`);
      report(section.name, { failed: String(error) });
    }
    destroyAgents();
    console.log(`(${section.name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/bench/index.js -> <repo>/bench/results
  const outDir = join(here, '..', '..', 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${(results.startedAt as string).replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`\nresults written to ${file}`);
  process.exit(0);
}

await main();
