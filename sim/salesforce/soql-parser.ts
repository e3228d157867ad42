import { parseSfDateTime } from './record-output.js';

/**
 * A SOQL parser for the subset dialplane and jsforce's query builder send:
 *   SELECT fields | COUNT() | (child subquery) FROM Object
 *   [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n]
 * with cond: AND / OR / NOT / parentheses over `f op literal`, `f [NOT] IN (…)`, `f [NOT] LIKE '…'`.
 * Also parses SOSL's `RETURNING` clause (same grammar, see sosl.ts). Errors carry the column,
 * rendered the way Salesforce renders MALFORMED_QUERY messages.
 */

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'datetime'; ms: number; text: string }
  | { kind: 'date'; value: string };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface FieldRef {
  name: string;
  /** 1-based column in the statement, for error messages */
  col: number;
}

export type Condition =
  | { kind: 'and'; items: Condition[] }
  | { kind: 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; field: FieldRef; op: CompareOp; value: Literal }
  | { kind: 'in'; field: FieldRef; negated: boolean; values: Literal[] }
  | { kind: 'like'; field: FieldRef; negated: boolean; pattern: string };

export interface OrderItem {
  field: FieldRef;
  descending: boolean;
  nullsLast: boolean;
}

export type SelectItem =
  | { kind: 'field'; field: FieldRef }
  | { kind: 'count' }
  | { kind: 'subquery'; query: SoqlQuery };

export interface SoqlQuery {
  select: SelectItem[];
  from: FieldRef;
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}

export class SoqlSyntaxError extends Error {
  constructor(
    readonly statement: string,
    readonly col: number,
    readonly detail: string,
  ) {
    super(renderAt(statement, col, detail));
    this.name = 'SoqlSyntaxError';
  }
}

/** Salesforce's layout: the statement, a caret under the column, `ERROR at Row:1:Column:N`, then the detail. */
export function renderAt(statement: string, col: number, detail: string): string {
  const line = statement.replace(/\s+/g, ' ');
  return `\n${line}\n${' '.repeat(Math.max(0, col - 1))}^\nERROR at Row:1:Column:${col}\n${detail}`;
}

type TokenKind = 'ident' | 'string' | 'number' | 'datetime' | 'date' | 'punct' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  col: number;
  value?: string | number;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER = /^[+-]?\d+(?:\.\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*/;

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    const col = i + 1;
    const rest = src.slice(i);
    if (c === "'") {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= src.length)
          throw new SoqlSyntaxError(src, col, 'line 1:' + (col - 1) + " mismatched character '<EOF>' expecting '''");
        const ch = src[j];
        if (ch === '\\') {
          const nx = src[j + 1];
          value += nx === 'n' ? '\n' : nx === 't' ? '\t' : nx === 'r' ? '\r' : nx;
          j += 2;
          continue;
        }
        if (ch === "'") break;
        value += ch;
        j++;
      }
      tokens.push({ kind: 'string', text: src.slice(i, j + 1), col, value });
      i = j + 1;
      continue;
    }
    let m = DATETIME.exec(rest);
    if (m) {
      tokens.push({ kind: 'datetime', text: m[0], col });
      i += m[0].length;
      continue;
    }
    m = DATE.exec(rest);
    if (m) {
      tokens.push({ kind: 'date', text: m[0], col });
      i += m[0].length;
      continue;
    }
    m = NUMBER.exec(rest);
    if (m && (c !== '+' && c !== '-' ? true : /[\d]/.test(src[i + 1] ?? ''))) {
      tokens.push({ kind: 'number', text: m[0], col, value: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    m = IDENT.exec(rest);
    if (m) {
      tokens.push({ kind: 'ident', text: m[0], col });
      i += m[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'punct', text: two === '<>' ? '!=' : two, col });
      i += 2;
      continue;
    }
    if ('(),=<>'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, col });
      i++;
      continue;
    }
    throw new SoqlSyntaxError(src, col, `unexpected token: '${c}'`);
  }
  tokens.push({ kind: 'eof', text: '<EOF>', col: src.length + 1 });
  return tokens;
}

const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'LIMIT',
  'OFFSET',
  'GROUP',
  'HAVING',
  'TRUE',
  'FALSE',
  'NULL',
  'INCLUDES',
  'EXCLUDES',
  'WITH',
  'FOR',
  'USING',
]);

export class SoqlParser {
  private pos = 0;
  private readonly tokens: Token[];

  constructor(readonly statement: string) {
    this.tokens = tokenize(statement);
  }

  static parse(statement: string): SoqlQuery {
    const p = new SoqlParser(statement);
    const q = p.parseQuery();
    p.expectEnd();
    return q;
  }

  parseQuery(): SoqlQuery {
    this.expectKeyword('SELECT');
    const select = this.parseSelectList();
    this.expectKeyword('FROM');
    const from = this.parseIdent('object');
    return { select, from, ...this.parseTail() };
  }

  /** WHERE / ORDER BY / LIMIT / OFFSET after the FROM (or inside a SOSL RETURNING item). */
  parseTail(): Omit<SoqlQuery, 'select' | 'from'> {
    const q: Omit<SoqlQuery, 'select' | 'from'> = { orderBy: [] };
    if (this.acceptKeyword('WHERE')) q.where = this.parseOr();
    if (this.acceptKeyword('ORDER')) {
      this.expectKeyword('BY');
      do {
        const field = this.parseIdent('field');
        let descending = false;
        if (this.acceptKeyword('DESC')) descending = true;
        else this.acceptKeyword('ASC');
        let nullsLast = descending;
        if (this.acceptKeyword('NULLS')) {
          if (this.acceptKeyword('LAST')) nullsLast = true;
          else {
            this.expectKeyword('FIRST');
            nullsLast = false;
          }
        }
        q.orderBy.push({ field, descending, nullsLast });
      } while (this.acceptPunct(','));
    }
    if (this.acceptKeyword('LIMIT')) q.limit = this.parseNonNegativeInt();
    if (this.acceptKeyword('OFFSET')) q.offset = this.parseNonNegativeInt();
    return q;
  }

  parseSelectList(): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      const t = this.peek();
      if (t.kind === 'punct' && t.text === '(') {
        this.pos++;
        const query = this.parseQuery();
        this.expectPunct(')');
        items.push({ kind: 'subquery', query });
      } else if (t.kind === 'ident' && t.text.toUpperCase() === 'COUNT' && this.peek(1).text === '(') {
        this.pos += 2;
        this.expectPunct(')');
        items.push({ kind: 'count' });
      } else {
        items.push({ kind: 'field', field: this.parseIdent('field') });
      }
    } while (this.acceptPunct(','));
    return items;
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, `unexpected token: '${t.text}'`);
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }

  acceptKeyword(word: string): boolean {
    const t = this.peek();
    if (t.kind === 'ident' && t.text.toUpperCase() === word) {
      this.pos++;
      return true;
    }
    return false;
  }

  acceptPunct(p: string): boolean {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === p) {
      this.pos++;
      return true;
    }
    return false;
  }

  expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.fail(this.peek(), `unexpected token: '${this.peek().text}'`);
  }

  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) this.fail(this.peek(), `unexpected token: '${this.peek().text}'`);
  }

  fail(t: Token, detail: string): never {
    throw new SoqlSyntaxError(this.statement, t.col, detail);
  }

  private parseIdent(what: string): FieldRef {
    const t = this.peek();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text.toUpperCase()))
      this.fail(t, `unexpected token: '${t.text}'` + (t.kind === 'eof' ? ` (expecting ${what})` : ''));
    this.pos++;
    return { name: t.text, col: t.col };
  }

  parseNonNegativeInt(): number {
    const t = this.peek();
    if (t.kind !== 'number' || !Number.isInteger(t.value) || (t.value as number) < 0)
      this.fail(t, `unexpected token: '${t.text}'`);
    this.pos++;
    return t.value as number;
  }

  private parseOr(): Condition {
    const items = [this.parseAnd()];
    while (this.acceptKeyword('OR')) items.push(this.parseAnd());
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  private parseAnd(): Condition {
    const items = [this.parseNot()];
    while (this.acceptKeyword('AND')) items.push(this.parseNot());
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  private parseNot(): Condition {
    if (this.acceptKeyword('NOT')) return { kind: 'not', item: this.parseNot() };
    if (this.acceptPunct('(')) {
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Condition {
    const field = this.parseIdent('field');
    const t = this.peek();
    if (t.kind === 'punct' && ['=', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      this.pos++;
      return { kind: 'compare', field, op: t.text as CompareOp, value: this.parseLiteral() };
    }
    const negated = this.acceptKeyword('NOT');
    if (this.acceptKeyword('IN')) {
      this.expectPunct('(');
      const values: Literal[] = [];
      do values.push(this.parseLiteral());
      while (this.acceptPunct(','));
      this.expectPunct(')');
      return { kind: 'in', field, negated, values };
    }
    if (this.acceptKeyword('LIKE')) {
      const lit = this.parseLiteral();
      if (lit.kind !== 'string') this.fail(this.peek(-1), 'LIKE needs a string');
      return { kind: 'like', field, negated, pattern: lit.value };
    }
    this.fail(this.peek(), `unexpected token: '${this.peek().text}'`);
  }

  private parseLiteral(): Literal {
    const t = this.peek();
    this.pos++;
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.value as string };
      case 'number':
        return { kind: 'number', value: t.value as number };
      case 'datetime': {
        const ms = parseSfDateTime(t.text);
        if (Number.isNaN(ms)) this.fail(t, `line 1:${t.col - 1} no viable alternative at character '${t.text}'`);
        return { kind: 'datetime', ms, text: t.text };
      }
      case 'date':
        return { kind: 'date', value: t.text };
      case 'ident': {
        const up = t.text.toUpperCase();
        if (up === 'TRUE' || up === 'FALSE') return { kind: 'boolean', value: up === 'TRUE' };
        if (up === 'NULL') return { kind: 'null' };
        break;
      }
    }
    this.fail(t, `unexpected token: '${t.text}'`);
  }
}
