import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Database, Queryable } from '../../shared/db.js';
import { toE164 } from '../../shared/phone.js';
import type { CompliancePolicy } from '../../subgraphs/consent/policy/index.js';
import { AuditAccumulator, type AuditResult } from './analysis/audit-accumulator.js';
import { FINDING_CATEGORIES, NO_FACTS, type AuditPolicy, type FindingCategory } from './analysis/contact-findings.js';
import type { AuditContact } from './audit-contact.js';
import { applyBackfill, type BackfillOutcome } from './backfill.js';
import { readCheckpoint, writeCheckpoint, type AuditCheckpoint } from './checkpoint.js';
import { loadNumberFacts } from './consent-facts.js';
import { csvLine, FINDING_CSV_HEADER } from './report/csv.js';
import { renderHtmlReport } from './report/html-report.js';
import { readAhead } from './sources/audit-source.js';
import type { AuditSource } from './sources/audit-source.js';

/**
 * Runs the audit: for each CRM, the closed-won contacts, then every contact page by page through
 * its source, the consent facts of the page's numbers in bulk, and the pure analysis
 * (AuditAccumulator). Pages are spooled before the checkpoint moves (resumable), findings are
 * streamed to one CSV per category, and the result is written as JSON and a self-contained HTML
 * report. Memory holds one page, the counters and the compact duplicate index.
 */

export interface AuditProgress {
  crm: string;
  contacts: number;
  total: number | null;
  perSecond: number;
  etaSeconds: number | null;
}

export interface RunAuditOptions {
  sources: AuditSource[];
  /** The consent store; null: no consent facts (every consent and registry check reports as unknown). */
  consentDb: Queryable | null;
  outDir: string;
  policy: AuditPolicy;
  /** Write the backfill into the consent store (idempotent). */
  applyBackfill?: { db: Database; policy: CompliancePolicy };
  now?: () => Date;
  onProgress?: (p: AuditProgress) => void;
  listLimit?: number;
  /** Stop after this many pages per CRM (tests of resumption). */
  maxPagesPerCrm?: number;
}

export interface AuditRun {
  result: AuditResult;
  complete: boolean;
  backfill: BackfillOutcome | null;
  files: { json: string; html: string; csv: Record<FindingCategory, string> };
}

export async function runAudit(options: RunAuditOptions): Promise<AuditRun> {
  const now = options.now ?? (() => new Date());
  await mkdir(options.outDir, { recursive: true });
  const checkpointPath = path.join(options.outDir, 'checkpoint.json');
  const checkpoint: AuditCheckpoint = (await readCheckpoint(checkpointPath)) ?? {
    version: 1,
    startedAt: now().toISOString(),
    crms: {},
  };
  const resuming = Object.keys(checkpoint.crms).length > 0;

  const csvFiles = Object.fromEntries(
    FINDING_CATEGORIES.map((c) => [c, path.join(options.outDir, `${c}.csv`)]),
  ) as Record<FindingCategory, string>;
  const streams = new Map<FindingCategory, WriteStream>();
  const streamOf = (c: FindingCategory) => {
    let s = streams.get(c);
    if (!s) {
      s = createWriteStream(csvFiles[c]);
      s.write(csvLine(FINDING_CSV_HEADER));
      streams.set(c, s);
    }
    return s;
  };
  const sourcesByCrm = new Map(options.sources.map((s) => [s.crm, s]));
  const accumulator = new AuditAccumulator({
    policy: options.policy,
    listLimit: options.listLimit,
    isMappedStage: (crm, value) => sourcesByCrm.get(crm as AuditSource['crm'])?.isMappedStage(value) ?? true,
    onFinding: (f) => streamOf(f.category).write(csvLine([f.category, f.crm, f.id, f.e164 ?? '', f.detail ?? ''])),
  });
  const analysePage = async (contacts: AuditContact[]) => {
    const numbers = contacts.flatMap((c) => c.phones.map((p) => toE164(p.raw)).filter((e): e is string => e !== null));
    const facts = options.consentDb ? await loadNumberFacts(options.consentDb, numbers) : new Map();
    const at = now();
    for (const c of contacts) accumulator.add(c, (e164) => facts.get(e164) ?? NO_FACTS, at);
  };

  let complete = true;
  for (const source of options.sources) {
    const state = (checkpoint.crms[source.crm] ??= { checkpoint: null, done: false, contacts: 0 });
    const spoolPath = path.join(options.outDir, `spool-${source.crm}.ndjson`);
    let contacts = 0;
    // Replay what an interrupted run already read (no CRM calls).
    if (resuming && state.contacts > 0) {
      const page: AuditContact[] = [];
      const lines = createInterface({ input: createReadStream(spoolPath, 'utf8'), crlfDelay: Infinity });
      for await (const line of lines) {
        if (contacts + page.length >= state.contacts) break;
        if (line.trim()) page.push(JSON.parse(line) as AuditContact);
        if (page.length >= 500) {
          await analysePage(page.splice(0));
          contacts += 500;
        }
      }
      contacts += page.length;
      await analysePage(page);
    }
    if (state.done) continue;
    const spool = createWriteStream(spoolPath, { flags: resuming ? 'a' : 'w' });
    try {
      const closedWon = await source.closedWonContactIds();
      const total = await source.count().catch(() => null);
      const started = Date.now();
      let readThisRun = 0;
      let pages = 0;
      // The next page is requested while this one is analysed: a listing's pages come one after
      // another (each cursor arrives with the page before it), so the analysis must not add to that.
      for await (const page of readAhead(source.pages(state.checkpoint, closedWon))) {
        await new Promise<void>((resolve, reject) =>
          spool.write(
            page.contacts.map((c) => JSON.stringify(c)).join('\n') + (page.contacts.length ? '\n' : ''),
            (e) => (e ? reject(e) : resolve()),
          ),
        );
        await analysePage(page.contacts);
        contacts += page.contacts.length;
        readThisRun += page.contacts.length;
        state.checkpoint = page.checkpoint;
        state.contacts = contacts;
        await writeCheckpoint(checkpointPath, checkpoint);
        const perSecond = readThisRun / Math.max(0.001, (Date.now() - started) / 1000);
        options.onProgress?.({
          crm: source.crm,
          contacts,
          total,
          perSecond,
          etaSeconds: total !== null && perSecond > 0 ? Math.max(0, (total - contacts) / perSecond) : null,
        });
        if (options.maxPagesPerCrm !== undefined && ++pages >= options.maxPagesPerCrm) break;
      }
      if (options.maxPagesPerCrm !== undefined && pages >= options.maxPagesPerCrm) complete = false;
      else state.done = true;
      await writeCheckpoint(checkpointPath, checkpoint);
    } finally {
      await new Promise<void>((resolve) => spool.end(resolve));
    }
  }

  const mapping: Record<string, { differences: AuditResult['mapping'][string]['differences'] }> = {};
  const calls: AuditResult['calls'] = {};
  for (const source of options.sources) {
    mapping[source.crm] = {
      differences: await source.mappingDifferences().catch((e: unknown) => [
        {
          crmField: '(describe)',
          problem: 'unavailable',
          expected: 'describe answers',
          actual: e instanceof Error ? e.message : String(e),
        },
      ]),
    };
    const endpoints = source.calls();
    calls[source.crm] = { used: Object.values(endpoints).reduce((a, b) => a + b, 0), endpoints };
  }
  const result = accumulator.finish({ generatedAt: now(), crms: options.sources.map((s) => s.crm), mapping, calls });
  for (const s of streams.values()) await new Promise<void>((resolve) => s.end(resolve));
  // Categories without findings still get a file (header only), so every download link works.
  for (const c of FINDING_CATEGORIES) if (!streams.has(c)) await writeFile(csvFiles[c], csvLine(FINDING_CSV_HEADER));

  let backfill: BackfillOutcome | null = null;
  if (options.applyBackfill && complete)
    backfill = await applyBackfill(options.applyBackfill.db, result.backfill, options.applyBackfill.policy, now());

  // The report's own lists, complete, beside it.
  const write = (file: string, header: readonly string[], rows: readonly (readonly unknown[])[]) =>
    writeFile(path.join(options.outDir, file), csvLine(header) + rows.map((r) => csvLine(r)).join(''));
  await write(
    'duplicates.csv',
    ['records', 'across CRMs', 'ids'],
    result.duplicates.groups.map((g) => [g.members.length, g.crossCrm ? 'yes' : 'no', g.members.join(' ')]),
  );
  await write(
    'shared-numbers.csv',
    ['e164', 'records', 'ids'],
    result.duplicates.sharedNumbers.map((x) => [x.e164, x.members.length, x.members.join(' ')]),
  );
  await write(
    'backfill.csv',
    ['crm', 'id', 'e164'],
    result.backfill.map((b) => [b.crm, b.id, b.e164]),
  );
  await write(
    'mapping.csv',
    ['crm', 'field', 'problem', 'expected', 'actual'],
    result.crms.flatMap((crm) =>
      result.mapping[crm]!.differences.map((d) => [crm, d.crmField, d.problem, d.expected, d.actual ?? '']),
    ),
  );

  const json = path.join(options.outDir, 'audit.json');
  const html = path.join(options.outDir, 'audit.html');
  await writeFile(json, JSON.stringify({ ...result, complete, backfillApplied: backfill }, null, 2));
  await writeFile(html, renderHtmlReport(result, { complete, backfill }));
  if (complete) {
    // The spools hold personal data: gone once the audit they served is complete.
    await Promise.all([
      rm(checkpointPath, { force: true }),
      ...options.sources.map((s) => rm(path.join(options.outDir, `spool-${s.crm}.ndjson`), { force: true })),
    ]);
  }
  return { result, complete, backfill, files: { json, html, csv: csvFiles } };
}
