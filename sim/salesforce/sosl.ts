import { SfError } from './sf-error.js';
import { SoqlParser, SoqlSyntaxError, type SelectItem, type SoqlQuery } from './soql-parser.js';
import { runSoqlOn } from './soql-engine.js';
import type { QueryContext } from './soql-engine.js';
import { phoneSearchKey, type SfRecord } from './store.js';

type Scope = 'ALL' | 'NAME' | 'EMAIL' | 'PHONE';

const FIND = /^\s*FIND\s*\{((?:[^}\\]|\\.)*)\}/i;

const NAME_FIELDS: Record<string, string[]> = {
  Contact: ['Name', 'FirstName', 'LastName'],
  Opportunity: ['Name'],
  Task: ['Subject'],
};
const EMAIL_FIELDS: Record<string, string[]> = { Contact: ['Email'], Opportunity: [], Task: [] };

/**
 * SOSL for the forms dialplane sends, above all the format-insensitive phone lookup:
 * `FIND {4155550100} IN PHONE FIELDS RETURNING Contact(Id, Phone, MobilePhone)`.
 * Answers `{searchRecords:[…]}` as API v37+ do.
 */
export function runSosl(sosl: string, ctx: QueryContext): { searchRecords: Record<string, unknown>[] } {
  const m = FIND.exec(sosl);
  if (!m)
    throw new SfError(400, 'MALFORMED_SEARCH', 'No search term found. The search term must be enclosed in braces.');
  const term = m[1].replace(/\\(.)/g, '$1').trim();
  if (term.replace(/[*?"]/g, '').length < 2)
    throw new SfError(400, 'MALFORMED_SEARCH', 'search term must be longer than one character: ' + term);
  const rest = sosl.slice(m[0].length);
  let scope: Scope = 'ALL';
  const returning: { object: string; col: number; query?: Omit<SoqlQuery, 'from'> }[] = [];
  let overallLimit = 2000;
  try {
    const p = new SoqlParser(rest);
    if (p.acceptKeyword('IN')) {
      const t = p.peek();
      const up = t.text.toUpperCase();
      if (t.kind !== 'ident' || !['ALL', 'NAME', 'EMAIL', 'PHONE', 'SIDEBAR'].includes(up))
        p.fail(t, `unexpected token: '${t.text}'`);
      p.acceptKeyword(up);
      p.expectKeyword('FIELDS');
      scope = up === 'SIDEBAR' ? 'ALL' : (up as Scope);
    }
    if (p.acceptKeyword('RETURNING')) {
      do {
        const t = p.peek();
        if (t.kind !== 'ident') p.fail(t, `unexpected token: '${t.text}'`);
        p.acceptKeyword(t.text.toUpperCase());
        const item: (typeof returning)[number] = { object: t.text, col: t.col };
        if (p.acceptPunct('(')) {
          const select: SelectItem[] = p.parseSelectList();
          item.query = { select, ...p.parseTail() };
          p.expectPunct(')');
        }
        returning.push(item);
      } while (p.acceptPunct(','));
    }
    if (p.acceptKeyword('LIMIT')) {
      overallLimit = Math.min(2000, p.parseNonNegativeInt());
    }
    p.expectEnd();
  } catch (err) {
    if (err instanceof SoqlSyntaxError) throw new SfError(400, 'MALFORMED_SEARCH', err.message);
    throw err;
  }
  if (returning.length === 0)
    returning.push(...['Contact', 'Opportunity', 'Task'].map((object) => ({ object, col: 1 })));

  const out: Record<string, unknown>[] = [];
  for (const item of returning) {
    const view = ctx.schema.object(item.object);
    if (!view) throw new SfError(400, 'INVALID_TYPE', `sObject type '${item.object}' is not supported.`);
    const matches = candidates(view.def.name, scope, term, ctx);
    const query: SoqlQuery = {
      select: item.query?.select ?? [{ kind: 'field', field: { name: 'Id', col: item.col } }],
      from: { name: view.def.name, col: item.col },
      orderBy: item.query?.orderBy ?? [],
      ...(item.query?.where ? { where: item.query.where } : {}),
      ...(item.query?.limit !== undefined ? { limit: item.query.limit } : {}),
      ...(item.query?.offset !== undefined ? { offset: item.query.offset } : {}),
    };
    const result = runSoqlOn(query, sosl, matches, ctx);
    for (const rec of result.rows) {
      if (out.length >= overallLimit) break;
      out.push(result.project(rec));
    }
  }
  return { searchRecords: out };
}

function candidates(object: string, scope: Scope, term: string, ctx: QueryContext): SfRecord[] {
  const found = new Map<string, SfRecord>();
  const add = (r: SfRecord) => found.set(r.Id as string, r);
  const digits = phoneSearchKey(term.replace(/[*?]/g, ''));
  if ((scope === 'PHONE' || scope === 'ALL') && object === 'Contact' && digits.length >= 4) {
    for (const r of ctx.store.findContactsByPhone(term.replace(/[*?]/g, ''))) add(r);
  }
  const textFields =
    scope === 'NAME'
      ? NAME_FIELDS[object]
      : scope === 'EMAIL'
        ? EMAIL_FIELDS[object]
        : scope === 'ALL'
          ? [...NAME_FIELDS[object], ...EMAIL_FIELDS[object]]
          : [];
  if (textFields && textFields.length > 0) {
    const words = term.toLowerCase().replace(/[*?"]/g, '').split(/\s+/).filter(Boolean);
    for (const r of ctx.store.all(object)) {
      const hay = textFields.map((f) => (typeof r[f] === 'string' ? (r[f] as string).toLowerCase() : '')).join(' ');
      if (words.every((w) => hay.includes(w))) add(r);
    }
  }
  return [...found.values()];
}
