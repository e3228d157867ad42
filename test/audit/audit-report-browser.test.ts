import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit, type AuditRun } from '../../scripts/audit/run-audit.js';
import { createHubspotAuditSource } from '../../scripts/audit/sources/hubspot-source.js';
import { createSalesforceAuditSource } from '../../scripts/audit/sources/salesforce-source.js';
import { startHubspotSim, type HubspotSim } from '../../sim/hubspot/server.js';
import { startSalesforceSim, type SalesforceSim } from '../../sim/salesforce/server.js';

/**
 * The HTML report opened in a real headless browser (Debian's chromium, driven by playwright-core):
 * it renders, totals come first, its charts are there with bars in them, every list has a CSV
 * download, and it asks the network for nothing (self-contained). A screenshot is kept under
 * test-artifacts/ (gitignored) as evidence.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing (.ci/run installs it)`);
if (!available)
  console.warn(`audit report browser test skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`);

let sf: SalesforceSim;
let hs: HubspotSim;
let browser: Browser;
let outDir: string;
let run: AuditRun;

describe.skipIf(!available)('the audit report in a headless browser', () => {
  beforeAll(async () => {
    const latency = { medianMs: 0, jitterMs: 0 };
    [sf, hs] = await Promise.all([
      startSalesforceSim({ port: 0, seed: 3, contacts: 300, latency }),
      startHubspotSim({ port: 0, seed: 3, contacts: 300, latency }),
    ]);
    outDir = await mkdtemp(path.join(tmpdir(), 'dialplane-audit-html-'));
    run = await runAudit({
      sources: [
        createSalesforceAuditSource({
          loginUrl: sf.url,
          instanceUrl: sf.url,
          clientId: 'dialplane-dev',
          clientSecret: 'dev-salesforce-secret',
          apiVersion: '62.0',
          rate: { limit: 1_000, windowMs: 1_000 },
        }),
        createHubspotAuditSource({
          baseUrl: hs.url,
          accessToken: 'dev-hubspot-token',
          clientSecret: 'dev-hubspot-client-secret',
          rate: { limit: 1_000, windowMs: 1_000 },
        }),
      ],
      consentDb: null,
      outDir,
      policy: { consentMaxAgeDays: 540 },
      now: () => new Date('2026-12-05T12:00:00Z'),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([sf?.close(), hs?.close()]);
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('renders totals first, charts with bars, CSV downloads, without any network request, and leaves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(run.files.html).toString(), { waitUntil: 'load' });

    expect(await page.title()).toBe('dialplane data audit');
    const sections = await page.$$eval('body > section', (s) => s.map((e) => e.id));
    expect(sections).toEqual(['totals', 'charts', 'per-crm', 'lists']);
    const firstCard = await page.$eval('#totals .card', (c) => ({
      value: c.querySelector('.value')!.textContent,
      label: c.querySelector('.label')!.textContent,
    }));
    expect(firstCard).toEqual({ value: '600', label: 'Contacts audited' });

    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((s) => ({
        label: s.getAttribute('aria-label'),
        bars: [...s.querySelectorAll('rect')].filter((r) => Number(r.getAttribute('width')) > 0).length,
        height: s.getBoundingClientRect().height,
      })),
    );
    expect(charts.map((c) => c.label)).toEqual([
      'Contacts with each finding, per CRM',
      'Phone values by quality, per CRM',
      'Line type where the data says (field or numbering plan)',
    ]);
    for (const c of charts) {
      expect(c.bars).toBeGreaterThan(2);
      expect(c.height).toBeGreaterThan(50);
    }
    const unreadable = run.result.total.byCategory['phone.unreadable'];
    expect(unreadable).toBeGreaterThan(0);
    expect(await page.$eval('#list-phone\\.unreadable .count', (e) => e.textContent)).toBe(String(unreadable));

    const links = await page.$$eval('a.csv', (as) =>
      as.map((a) => ({ href: a.getAttribute('href')!, download: a.getAttribute('download') })),
    );
    expect(links.length).toBeGreaterThanOrEqual(20);
    for (const l of links) expect(l.href.startsWith('data:text/csv')).toBe(true);
    const csv = decodeURIComponent(
      links
        .find((l) => l.download === 'phone.unreadable.csv')!
        .href.split(',')
        .slice(1)
        .join(','),
    );
    expect(csv.trim().split('\r\n')).toHaveLength(unreadable + 1);

    expect(errors).toEqual([]);
    expect(requested.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await mkdir(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'audit-report.png');
    await page.screenshot({ path: shot, fullPage: false });
    expect(existsSync(shot)).toBe(true);
    await page.close();
  }, 60_000);
});
