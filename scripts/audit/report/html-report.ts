import type { AuditResult, CrmTotals } from '../analysis/audit-accumulator.js';
import { FINDING_CATEGORIES, type FindingCategory } from '../analysis/contact-findings.js';
import type { BackfillOutcome } from '../backfill.js';
import { csvLine, FINDING_CSV_HEADER } from './csv.js';

/**
 * The audit as one self-contained HTML page for a compliance lead (pure: result in, string out).
 * No scripts from anywhere, no fonts, no CDN: totals first, then inline-SVG charts (findings per
 * category and CRM, phone quality), the per-CRM table, then every list with its rows as a CSV
 * download (a data: URI of the rows shown; the full lists are the CSV files beside the report).
 */

export const CATEGORY_LABELS: Record<FindingCategory, string> = {
  'phone.missing': 'No phone at all',
  'phone.unreadable': 'Unreadable phone value',
  'phone.notE164': 'Valid, but not stored as E.164',
  'phone.nonUs': 'Non-US number',
  'phone.tollFree': 'Toll-free number',
  'timezone.unresolvable': 'Time zone cannot be resolved',
  'consent.noMarketing': 'No MARKETING consent in the ledger',
  'consent.noEvidence': 'Consent without evidence',
  'consent.noSource': 'Consent without source',
  'consent.tooOld': 'Consent older than the policy allows',
  'dnc.crmFlagNotInLedger': 'CRM do-not-call not in the ledger (backfill)',
  'dnc.ledgerButCrmCallable': 'Ledger do-not-call, CRM says callable',
  'dnc.crmFlagUnset': 'CRM do-not-call flag never set',
  'registry.national': 'National DNC registry',
  'registry.state': 'State DNC registry',
  'registry.internal': 'Internal do-not-call list',
  'registry.litigator': 'Known litigator',
  'registry.reassigned': 'Reassigned number',
  'deal.closedWonStillCallable': 'Closed-won, still callable for campaigns',
};

const CRM_COLORS = ['#1f6fb2', '#e07b00', '#2b9348', '#8e44ad'];

const esc = (v: unknown): string =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const num = (n: number): string => n.toLocaleString('en-US');
const pct = (n: number, of: number): string => (of > 0 ? `${((100 * n) / of).toFixed(1)}%` : '–');

/** Horizontal grouped bars: one row per label, one bar per series. */
export function barChartSvg(title: string, labels: string[], series: { name: string; values: number[] }[]): string {
  const rowH = 12 * series.length + 10;
  const labelW = 300;
  const barW = 420;
  const height = 40 + labels.length * rowH + 24;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const rows = labels
    .map((label, i) => {
      const y = 30 + i * rowH;
      const bars = series
        .map((s, k) => {
          const v = s.values[i] ?? 0;
          const w = Math.max(v > 0 ? 1 : 0, Math.round((v / max) * barW));
          const by = y + k * 12;
          return `<rect x="${labelW}" y="${by}" width="${w}" height="10" fill="${CRM_COLORS[k % CRM_COLORS.length]}"><title>${esc(s.name)}: ${num(v)}</title></rect><text x="${labelW + w + 4}" y="${by + 9}" font-size="10">${num(v)}</text>`;
        })
        .join('');
      return `<text x="${labelW - 6}" y="${y + 10}" font-size="11" text-anchor="end">${esc(label)}</text>${bars}`;
    })
    .join('');
  const legend = series
    .map(
      (s, k) =>
        `<rect x="${labelW + k * 110}" y="${height - 16}" width="10" height="10" fill="${CRM_COLORS[k % CRM_COLORS.length]}"/><text x="${labelW + 14 + k * 110}" y="${height - 7}" font-size="11">${esc(s.name)}</text>`,
    )
    .join('');
  return `<svg class="chart" role="img" aria-label="${esc(title)}" width="${labelW + barW + 80}" height="${height}" xmlns="http://www.w3.org/2000/svg"><text x="0" y="16" font-size="13" font-weight="bold">${esc(title)}</text>${rows}${legend}</svg>`;
}

/** One stacked 100% bar per CRM. */
export function stackedChartSvg(
  title: string,
  rows: { name: string; parts: { label: string; value: number; color: string }[] }[],
): string {
  const width = 720;
  const barX = 110;
  const barW = width - barX - 20;
  const height = 40 + rows.length * 34 + 30;
  const body = rows
    .map((r, i) => {
      const total = Math.max(
        1,
        r.parts.reduce((a, p) => a + p.value, 0),
      );
      let x = barX;
      const y = 30 + i * 34;
      const segs = r.parts
        .map((p) => {
          const w = (p.value / total) * barW;
          const seg = `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="22" fill="${p.color}"><title>${esc(p.label)}: ${num(p.value)} (${pct(p.value, total)})</title></rect>`;
          x += w;
          return seg;
        })
        .join('');
      return `<text x="${barX - 6}" y="${y + 15}" font-size="11" text-anchor="end">${esc(r.name)}</text>${segs}`;
    })
    .join('');
  const parts = rows[0]?.parts ?? [];
  const legend = parts
    .map(
      (p, k) =>
        `<rect x="${barX + k * 150}" y="${height - 18}" width="10" height="10" fill="${p.color}"/><text x="${barX + 14 + k * 150}" y="${height - 9}" font-size="11">${esc(p.label)}</text>`,
    )
    .join('');
  return `<svg class="chart" role="img" aria-label="${esc(title)}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><text x="0" y="16" font-size="13" font-weight="bold">${esc(title)}</text>${body}${legend}</svg>`;
}

function csvDataUri(rows: readonly (readonly unknown[])[], header: readonly string[]): string {
  const text = csvLine(header) + rows.map((r) => csvLine(r)).join('');
  return `data:text/csv;charset=utf-8,${encodeURIComponent(text)}`;
}

function listSection(
  id: string,
  title: string,
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
  total: number,
  file: string,
): string {
  const shown = rows.slice(0, 200);
  const table = shown.length
    ? `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${shown.map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
    : '<p class="none">None.</p>';
  const more =
    total > shown.length
      ? `<p class="note">${num(shown.length)} of ${num(total)} shown; the CSV link holds ${num(rows.length)}; the complete list is <code>${esc(file)}</code> beside this report.</p>`
      : '';
  return `<section class="list" id="${esc(id)}"><h3>${esc(title)} <span class="count">${num(total)}</span> <a class="csv" download="${esc(file)}" href="${csvDataUri(rows, header)}">Download CSV</a></h3>${table}${more}</section>`;
}

export function renderHtmlReport(
  result: AuditResult,
  extra: { complete: boolean; backfill: BackfillOutcome | null },
): string {
  const crms = result.crms;
  const per = (crm: string): CrmTotals => result.perCrm[crm]!;
  const t = result.total;
  const cards: [string, number, string][] = [
    ['Contacts audited', t.contacts, crms.map((c) => `${c} ${num(per(c).contacts)}`).join(' · ')],
    ['Duplicate records', t.duplicateRecords, `${num(t.crossCrmPeople)} people in more than one CRM`],
    [
      'Unreadable phones',
      t.byCategory['phone.unreadable'],
      `${num(t.byCategory['phone.missing'])} contacts with no phone`,
    ],
    ['No marketing consent', t.byCategory['consent.noMarketing'], 'contacts with a number but no MARKETING grant'],
    [
      'CRM do-not-call missing from the ledger',
      t.byCategory['dnc.crmFlagNotInLedger'],
      `${num(result.backfill.length)} numbers to backfill${extra.backfill ? ` (applied: ${num(extra.backfill.inserted)} new)` : ' (dry run)'}`,
    ],
    [
      'Registry hits',
      t.byCategory['registry.national'] +
        t.byCategory['registry.state'] +
        t.byCategory['registry.internal'] +
        t.byCategory['registry.litigator'] +
        t.byCategory['registry.reassigned'],
      'national, state, internal, litigator, reassigned',
    ],
    ['Time zone unresolvable', t.byCategory['timezone.unresolvable'], 'no number zone, no address, no stated zone'],
    ['Closed-won still callable', t.byCategory['deal.closedWonStillCallable'], 'customers still in dialable campaigns'],
    [
      'Mapping drift',
      crms.reduce(
        (a, c) => a + (result.mapping[c]?.differences.length ?? 0) + (result.mapping[c]?.unmappedValues.length ?? 0),
        0,
      ),
      'fields missing or changed, unmapped stages',
    ],
  ];
  const cardHtml = cards
    .map(
      ([label, value, note]) =>
        `<div class="card"><div class="value">${num(value)}</div><div class="label">${esc(label)}</div><div class="note">${esc(note)}</div></div>`,
    )
    .join('');

  const categoryChart = barChartSvg(
    'Contacts with each finding, per CRM',
    FINDING_CATEGORIES.map((c) => CATEGORY_LABELS[c]),
    crms.map((crm) => ({ name: crm, values: FINDING_CATEGORIES.map((c) => per(crm).byCategory[c]) })),
  );
  const phoneChart = stackedChartSvg(
    'Phone values by quality, per CRM',
    crms.map((crm) => {
      const p = per(crm).phones;
      return {
        name: crm,
        parts: [
          { label: 'E.164 as stored', value: p.e164AsStored, color: '#2b9348' },
          { label: 'valid, other format', value: p.notE164AsStored, color: '#f2c14e' },
          { label: 'unreadable', value: p.unreadable, color: '#c0392b' },
        ],
      };
    }),
  );
  const lineChart = stackedChartSvg(
    'Line type where the data says (field or numbering plan)',
    crms.map((crm) => {
      const p = per(crm).phones;
      return {
        name: crm,
        parts: [
          { label: 'mobile', value: p.mobile, color: '#1f6fb2' },
          { label: 'landline', value: p.landline, color: '#8e44ad' },
          { label: 'not stated', value: p.lineUnknown, color: '#bbbbbb' },
        ],
      };
    }),
  );

  const perCrmRows = FINDING_CATEGORIES.map(
    (c) =>
      `<tr><td><a href="#list-${c}">${esc(CATEGORY_LABELS[c])}</a></td>${crms.map((crm) => `<td class="n">${num(per(crm).byCategory[c])}</td><td class="p">${pct(per(crm).byCategory[c], per(crm).contacts)}</td>`).join('')}<td class="n">${num(t.byCategory[c])}</td></tr>`,
  ).join('');
  const phoneRows = (
    [
      'values',
      'valid',
      'unreadable',
      'e164AsStored',
      'notE164AsStored',
      'nonUs',
      'tollFree',
      'mobile',
      'landline',
      'lineUnknown',
    ] as const
  )
    .map(
      (k) =>
        `<tr><td>${esc(k)}</td>${crms.map((crm) => `<td class="n">${num(per(crm).phones[k])}</td>`).join('')}<td class="n">${num(t.phones[k])}</td></tr>`,
    )
    .join('');

  const lists = FINDING_CATEGORIES.map((c) =>
    listSection(
      `list-${c}`,
      CATEGORY_LABELS[c],
      FINDING_CSV_HEADER,
      result.lists[c].map((f) => [f.category, f.crm, f.id, f.e164 ?? '', f.detail ?? '']),
      t.byCategory[c],
      `${c}.csv`,
    ),
  ).join('');
  const dupRows = result.duplicates.groups.map((g) => [
    g.members.length,
    g.crossCrm ? 'yes' : 'no',
    g.members.join(' '),
  ]);
  const sharedRows = result.duplicates.sharedNumbers.map((s) => [s.e164, s.members.length, s.members.join(' ')]);
  const mappingRows = crms.flatMap((crm) => [
    ...(result.mapping[crm]?.differences ?? []).map((d) => [crm, d.crmField, d.problem, d.expected, d.actual ?? '']),
    ...(result.mapping[crm]?.unmappedValues ?? []).map((u) => [
      crm,
      u.field,
      'unmapped value in data',
      'a mapped value',
      `${u.value} (${u.contacts} contacts)`,
    ]),
  ]);
  const backfillRows = result.backfill.map((b) => [b.crm, b.id, b.e164]);
  const callRows = crms
    .map(
      (crm) =>
        `<tr><td>${esc(crm)}</td><td class="n">${num(result.calls[crm]?.used ?? 0)}</td><td>${esc(
          Object.entries(result.calls[crm]?.endpoints ?? {})
            .map(([e, n]) => `${e} ${n}`)
            .join(', '),
        )}</td></tr>`,
    )
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dialplane data audit</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{margin:0 0 4px}.sub{color:#666;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:12px;margin-bottom:24px}
.card{border:1px solid #ddd;border-radius:8px;padding:12px;background:#fafafa}.card .value{font-size:28px;font-weight:600}
.card .label{font-weight:600}.card .note{color:#666;font-size:12px}
.chart{display:block;margin:16px 0;max-width:100%}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border-bottom:1px solid #eee;padding:3px 8px;text-align:left}
td.n,td.p{text-align:right}td.p{color:#888}.count{color:#666;font-weight:normal}.csv{font-size:12px;margin-left:8px}
.none{color:#2b9348}.note{color:#666;font-size:12px}.warn{background:#fff3cd;padding:8px;border-radius:6px}
</style></head><body>
<h1>Data audit before deployment</h1>
<p class="sub">Generated ${esc(result.generatedAt)} · CRMs: ${esc(crms.join(', '))} · consent older than ${num(result.policy.consentMaxAgeDays)} days counts as too old${extra.complete ? '' : ' · <strong>INCOMPLETE: resume the audit to read every contact</strong>'}</p>
<section id="totals"><h2>Totals</h2><div class="cards">${cardHtml}</div></section>
<section id="charts"><h2>Findings</h2>${categoryChart}${phoneChart}${lineChart}</section>
<section id="per-crm"><h2>Per CRM</h2>
<table><thead><tr><th>finding (contacts)</th>${crms.map((c) => `<th colspan="2">${esc(c)} (${num(per(c).contacts)})</th>`).join('')}<th>all</th></tr></thead><tbody>${perCrmRows}
<tr><td>duplicate records within the CRM</td>${crms.map((c) => `<td class="n">${num(per(c).duplicatesWithinCrm)}</td><td class="p">${pct(per(c).duplicatesWithinCrm, per(c).contacts)}</td>`).join('')}<td class="n">${num(t.duplicatesWithinCrm)}</td></tr>
</tbody></table>
<h3>Phone values</h3><table><thead><tr><th>phone values</th>${crms.map((c) => `<th>${esc(c)}</th>`).join('')}<th>all</th></tr></thead><tbody>${phoneRows}</tbody></table>
<h3>CRM calls used</h3><table><thead><tr><th>CRM</th><th>calls</th><th>by endpoint</th></tr></thead><tbody>${callRows}</tbody></table>
</section>
<section id="lists"><h2>Lists</h2>
${listSection('list-duplicates', 'Duplicate groups (same person)', ['records', 'across CRMs', 'ids'], dupRows, dupRows.length, 'duplicates.csv')}
${listSection('list-shared', 'Numbers shared by different people', ['e164', 'records', 'ids'], sharedRows, sharedRows.length, 'shared-numbers.csv')}
${listSection('list-backfill', `Do-not-call backfill ${extra.backfill ? `(applied: ${extra.backfill.inserted} new, ${extra.backfill.alreadyPresent} already present)` : '(dry run: npm run audit -- --apply-backfill)'}`, ['crm', 'id', 'e164'], backfillRows, backfillRows.length, 'backfill.csv')}
${listSection('list-mapping', 'Mapping: drifted fields and unmapped values', ['crm', 'field', 'problem', 'expected', 'actual'], mappingRows, mappingRows.length, 'mapping.csv')}
${lists}
</section>
</body></html>
`;
}
