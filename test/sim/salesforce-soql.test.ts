import { describe, expect, it } from 'vitest';
import { SoqlParser, SoqlSyntaxError, tokenize } from '../../sim/salesforce/soql-parser.js';
import { phoneSearchKey } from '../../sim/salesforce/store.js';
import { to18 } from '../../sim/salesforce/record-ids.js';

describe('SOQL parser', () => {
  it('parses the statement jsforce find() and the CRM subgraph build', () => {
    const q = SoqlParser.parse(
      "SELECT Id, Phone, (SELECT Id FROM Tasks ORDER BY CreatedDate DESC LIMIT 1) FROM Contact WHERE Id IN ('003A', '003B') AND SystemModstamp > 2024-05-01T00:00:00.000+0000 ORDER BY LastName ASC NULLS LAST, Id LIMIT 10 OFFSET 5",
    );
    expect(q.from.name).toBe('Contact');
    expect(q.select.map((s) => s.kind)).toEqual(['field', 'field', 'subquery']);
    const sub = q.select[2];
    expect(sub.kind === 'subquery' && sub.query).toMatchObject({
      from: { name: 'Tasks' },
      limit: 1,
      orderBy: [{ field: { name: 'CreatedDate' }, descending: true, nullsLast: true }],
    });
    expect(q.where).toMatchObject({
      kind: 'and',
      items: [
        {
          kind: 'in',
          field: { name: 'Id' },
          negated: false,
          values: [
            { kind: 'string', value: '003A' },
            { kind: 'string', value: '003B' },
          ],
        },
        { kind: 'compare', op: '>', value: { kind: 'datetime', ms: Date.UTC(2024, 4, 1) } },
      ],
    });
    expect(q.orderBy.map((o) => [o.field.name, o.descending, o.nullsLast])).toEqual([
      ['LastName', false, true],
      ['Id', false, false],
    ]);
    expect([q.limit, q.offset]).toEqual([10, 5]);
  });

  it('handles escapes, NOT, OR precedence, <> and LIKE', () => {
    const q = SoqlParser.parse(
      "SELECT Id FROM Contact WHERE NOT (LastName = 'O\\'Brien' OR Email LIKE '%@x.com') AND Phone <> null",
    );
    expect(q.where).toMatchObject({
      kind: 'and',
      items: [
        {
          kind: 'not',
          item: {
            kind: 'or',
            items: [
              { kind: 'compare', value: { kind: 'string', value: "O'Brien" } },
              { kind: 'like', pattern: '%@x.com' },
            ],
          },
        },
        { kind: 'compare', op: '!=', value: { kind: 'null' } },
      ],
    });
    expect(SoqlParser.parse('SELECT COUNT() FROM Task').select).toEqual([{ kind: 'count' }]);
    expect(tokenize('2024-05-01').map((t) => t.kind)).toEqual(['date', 'eof']);
  });

  it('reports the column of a syntax error the way Salesforce does', () => {
    const err = (() => {
      try {
        SoqlParser.parse('SELECT Id FROM Contact WHERE Phone');
      } catch (e) {
        return e as SoqlSyntaxError;
      }
      throw new Error('expected a syntax error');
    })();
    expect(err.col).toBe(35);
    expect(err.message).toBe(
      "\nSELECT Id FROM Contact WHERE Phone\n                                  ^\nERROR at Row:1:Column:35\nunexpected token: '<EOF>'",
    );
  });
});

describe('phone search key and ids', () => {
  it('normalises phone formats to national digits', () => {
    for (const raw of [
      '(415) 555-0100',
      '+1 415.555.0100',
      '4155550100 x12',
      '1-415-555-0100',
      '415-555-0100 ext. 7',
    ]) {
      expect(phoneSearchKey(raw)).toBe('4155550100');
    }
  });

  it('maps 15-char ids to their 18-char form', () => {
    expect(to18('003Dp0000000000')).toBe('003Dp0000000000IAA');
    expect(to18('003Dp0000000000iaa')).toBe('003Dp0000000000IAA');
  });
});
