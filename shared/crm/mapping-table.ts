import type { MappingRow } from './connector.js';

/**
 * The mapping table of a CRM as Markdown, generated from the connector's mapping code. Each
 * docs/mapping-<crm>.md holds it between the markers below; `npm run mapping:check -- --write-docs`
 * rewrites the block, and a test fails when the block and the code disagree.
 */
export const TABLE_BEGIN = '<!-- mapping-table:begin (generated from the mapping code; do not edit) -->';
export const TABLE_END = '<!-- mapping-table:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMappingTable(mappingVersion: string, rows: readonly MappingRow[]): string {
  return [
    TABLE_BEGIN,
    `Mapping version: \`${mappingVersion}\``,
    '',
    '| CRM field | Canonical field | Transform | Expected CRM type |',
    '|---|---|---|---|',
    ...rows.map(
      (r) => `| \`${cell(r.crmField)}\` | \`${cell(r.canonical)}\` | ${cell(r.transform)} | ${cell(r.expectedType)} |`,
    ),
    TABLE_END,
  ].join('\n');
}

/** The generated block inside a docs file, or null when the markers are missing. */
export function extractMappingTable(markdown: string): string | null {
  const start = markdown.indexOf(TABLE_BEGIN);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) return null;
  return markdown.slice(start, end + TABLE_END.length);
}

/** Replaces (or appends) the generated block. */
export function replaceMappingTable(markdown: string, table: string): string {
  const current = extractMappingTable(markdown);
  return current === null ? `${markdown.trimEnd()}\n\n${table}\n` : markdown.replace(current, table);
}
