import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  generateHubspotDataset,
  generateSalesforceDataset,
  phoneDigitsKey,
  type HubspotObject,
  type SfRecord,
} from '../sim/data/index.js';

/**
 * Memory and load time of the simulators' datasets at 10k, 100k and 1M contacts per CRM (both
 * CRMs in one process, so the 1.5 GB budget is checked for the pair). Each size runs in its own
 * child process with --expose-gc, so one size's garbage never counts against another; a size-0
 * run in the same invocation is the baseline the others are reported against.
 *
 * "Load" is what a simulator does before serving: generate, read every record once (as a full
 * sync would), build the indexes the simulators need (phone search, children by parent) and
 * apply 10,000 writes (the overlay). Memory is measured after a forced GC.
 */

export interface SimDataMemoryResult {
  contacts: number;
  /** Records of all tables of both CRMs. */
  records: number;
  generateMs: number;
  readAllMs: number;
  indexMs: number;
  /** Contact writes applied in each CRM (10,000, or every contact for smaller sizes). */
  writes: number;
  writesMs: number;
  /** heapUsed + external (typed arrays live in external), MB, after GC. */
  heapPlusExternalMb: number;
  heapUsedMb: number;
  externalMb: number;
  rssMb: number;
  /** Above the size-0 baseline. */
  deltaMb: number;
  /** Median microseconds of a random get(id) and of a phone-index lookup. */
  getP50Us: number;
  lookupP50Us: number;
  withinBudget: boolean;
}

const BUDGET_MB = 1536;
const CHILD_FLAG = '--sim-data-child';
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Runs one size in this process; used by the child processes. */
async function measureHere(contacts: number): Promise<Omit<SimDataMemoryResult, 'deltaMb' | 'withinBudget'>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const t0 = performance.now();
  const sf = generateSalesforceDataset({ seed: 1, contacts });
  const hs = generateHubspotDataset({ seed: 1, contacts });
  const t1 = performance.now();
  let records = 0;
  for (const table of [sf.Contact, sf.Opportunity, sf.Task, sf.Account, hs.contacts, hs.deals, hs.calls]) {
    for (const _ of table as Iterable<unknown>) records++;
  }
  const t2 = performance.now();
  const sfPhones = sf.Contact.createIndex((c: SfRecord) => [
    phoneDigitsKey(c.Phone as string | null),
    phoneDigitsKey(c.MobilePhone as string | null),
    phoneDigitsKey(c.HomePhone as string | null),
  ]);
  const sfOppsByContact = sf.Opportunity.createIndex((o: SfRecord) => o.ContactId as string);
  const hsPhones = hs.contacts.createIndex((c: HubspotObject) => [
    c.properties.hs_searchable_calculated_phone_number,
    c.properties.hs_searchable_calculated_mobile_number,
  ]);
  sfPhones.build();
  sfOppsByContact.build();
  hsPhones.build();
  const t3 = performance.now();
  const writes = Math.min(10_000, contacts);
  for (let i = 0; i < writes; i++) {
    const row = (i * 7919) % contacts;
    sf.Contact.update(sf.Contact.idAt(row), {
      DoNotCall: true,
      Phone: `+1415555${String(i % 10_000).padStart(4, '0')}`,
    });
    const hsId = hs.contacts.idAt(row);
    const current = hs.contacts.get(hsId)!;
    hs.contacts.update(hsId, { properties: { ...current.properties, dialplane_do_not_call: 'true' } });
  }
  const t4 = performance.now();

  const getTimes: number[] = [];
  const lookupTimes: number[] = [];
  for (let i = 0; i < Math.min(2_000, contacts); i++) {
    const row = (i * 104_729) % contacts;
    let s = performance.now();
    const c = sf.Contact.get(sf.Contact.idAt(row))!;
    getTimes.push((performance.now() - s) * 1000);
    const key = phoneDigitsKey(c.Phone as string | null) ?? '0';
    s = performance.now();
    sfPhones.lookup(key);
    lookupTimes.push((performance.now() - s) * 1000);
  }
  const median = (xs: number[]) => (xs.length ? xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0);

  gc?.();
  gc?.();
  const mem = process.memoryUsage();
  // Keep everything reachable until after the measurement.
  if ([sf, hs, sfPhones, sfOppsByContact, hsPhones].some((x) => x === undefined)) throw new Error('unreachable');
  return {
    contacts,
    records,
    generateMs: Math.round(t1 - t0),
    readAllMs: Math.round(t2 - t1),
    indexMs: Math.round(t3 - t2),
    writes,
    writesMs: Math.round(t4 - t3),
    heapPlusExternalMb: mb(mem.heapUsed + mem.external),
    heapUsedMb: mb(mem.heapUsed),
    externalMb: mb(mem.external),
    rssMb: mb(mem.rss),
    getP50Us: Math.round(median(getTimes) * 10) / 10,
    lookupP50Us: Math.round(median(lookupTimes) * 10) / 10,
  };
}

const execFileAsync = promisify(execFile);

/** Set in the children: a child must never start the bench itself (that would fork without end). */
const CHILD_ENV = 'DIALPLANE_SIM_DATA_BENCH_CHILD';

/**
 * The parent's module-loading flags (tsx registers itself with --require/--import when run from
 * TypeScript; none for dist/bench). Nothing else is passed on: `node -e` puts its code in
 * execArgv, and a child re-running it would start the bench again.
 */
function loaderFlags(): string[] {
  const flags: string[] = [];
  const withValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i];
    if (withValue.has(arg) && i + 1 < process.execArgv.length) flags.push(arg, process.execArgv[++i]);
    else if ([...withValue].some((flag) => arg.startsWith(`${flag}=`))) flags.push(arg);
  }
  return flags;
}

async function measureInChild(contacts: number): Promise<Omit<SimDataMemoryResult, 'deltaMb' | 'withinBudget'>> {
  const self = fileURLToPath(import.meta.url);
  const { stdout } = await execFileAsync(
    process.execPath,
    [...loaderFlags(), '--expose-gc', '--max-old-space-size=4096', self, CHILD_FLAG, String(contacts)],
    { maxBuffer: 1024 * 1024, timeout: 15 * 60_000, env: { ...process.env, [CHILD_ENV]: '1' } },
  );
  const line = stdout.trim().split('\n').at(-1)!;
  return JSON.parse(line);
}

export interface SimDataMemoryBenchOptions {
  /** Contacts per CRM; default 10k, 100k, 1M. */
  sizes?: number[];
  log?: (line: string) => void;
}

/** Entry point for the bench runner. */
export async function runSimDataMemoryBench(options: SimDataMemoryBenchOptions = {}): Promise<SimDataMemoryResult[]> {
  if (process.env[CHILD_ENV]) throw new Error('runSimDataMemoryBench called inside its own child process');
  const sizes = options.sizes ?? [10_000, 100_000, 1_000_000];
  const log = options.log ?? ((line: string) => console.log(line));
  const baseline = await measureInChild(0);
  log(`sim-data baseline (0 contacts): heap+external ${baseline.heapPlusExternalMb} MB, rss ${baseline.rssMb} MB`);
  const results: SimDataMemoryResult[] = [];
  for (const contacts of sizes) {
    const r = await measureInChild(contacts);
    const result: SimDataMemoryResult = {
      ...r,
      deltaMb: Math.round((r.heapPlusExternalMb - baseline.heapPlusExternalMb) * 10) / 10,
      withinBudget: r.heapPlusExternalMb < BUDGET_MB,
    };
    results.push(result);
    log(
      `sim-data ${contacts.toLocaleString('en-US')} contacts/CRM (${r.records.toLocaleString('en-US')} records, both CRMs): ` +
        `generate ${r.generateMs} ms, read all ${r.readAllMs} ms, indexes ${r.indexMs} ms, ${r.writes} writes/CRM ${r.writesMs} ms; ` +
        `heap+external ${r.heapPlusExternalMb} MB (+${result.deltaMb} over baseline; heap ${r.heapUsedMb}, external ${r.externalMb}), ` +
        `rss ${r.rssMb} MB; get p50 ${r.getP50Us} us, phone lookup p50 ${r.lookupP50Us} us; ` +
        `${result.withinBudget ? 'within' : 'OVER'} the ${BUDGET_MB} MB budget`,
    );
  }
  return results;
}

/** `npm run bench` section: every size, against the size-0 baseline measured in the same run. */
export async function run(report: (section: string, data: Record<string, unknown>) => void): Promise<void> {
  for (const result of await runSimDataMemoryBench()) report('sim-data', { ...result });
}

if (process.argv[2] === CHILD_FLAG && process.env[CHILD_ENV]) {
  measureHere(Number(process.argv[3])).then(
    (r) => console.log(JSON.stringify(r)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else if (!process.env[CHILD_ENV] && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 0);
  runSimDataMemoryBench(sizes.length ? { sizes } : {}).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
