import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readSupergraph } from '../../gateway/supergraph-info.js';
import { createDemandControl, DEFAULT_DEMAND_LIMITS } from '../../gateway/demand-control/demand-control.js';
import { operationCost } from '../../gateway/demand-control/cost-model.js';
import type { Identity } from '../../shared/identity.js';

const root = path.resolve(import.meta.dirname, '../..');
const { schema } = readSupergraph(readFileSync(path.join(root, 'schema/supergraph.graphql'), 'utf8'));
const agent: Identity = { sub: 'agent-1', roles: ['agent'], seller: 'demo-seller' };
const analyst: Identity = { sub: 'analyst-1', roles: ['analyst'] };
const control = createDemandControl({ schema });

/** Every operation of the project's client documents, one request each. */
function projectOperations(): { name: string; query: string; variables: Record<string, unknown> }[] {
  const out: { name: string; query: string; variables: Record<string, unknown> }[] = [];
  for (const file of ['call-start.graphql', 'consent-revocations.graphql']) {
    const document = parse(readFileSync(path.join(root, 'examples/operations', file), 'utf8'));
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      out.push({
        name: definition.name!.value,
        query: print({ kind: Kind.DOCUMENT, definitions: [definition] }),
        variables: { id: 'salesforce:003', purpose: 'MARKETING', phone: '+14155550100' },
      });
    }
  }
  return out;
}

const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
const ids = (n: number) => Array.from({ length: n }, (_, i) => `salesforce:${String(i).padStart(3, '0')}`);

describe("demand control: the project's own documents", () => {
  it('admits every client operation for an agent, the call-start query far under the agent budget', () => {
    const operations = projectOperations();
    expect(operations.map((o) => o.name)).toEqual([
      'CallStart',
      'ContactsByPhone',
      'CallPermission',
      'ConsentRevocations',
    ]);
    for (const op of operations)
      expect(control.check({ query: op.query, variables: op.variables }, agent), op.name).toBeNull();
    const callStart = parse(operations[0]!.query).definitions[0] as OperationDefinitionNode;
    const cost = operationCost(schema, callStart, new Map());
    // contact (CRM read 10) + callPermission (audited decision 10) + joins and objects.
    expect(cost).toBeGreaterThan(20);
    expect(cost).toBe(28); // 10 + 10 + intentStage 2 + lastInteraction 2 + name, openDeal, suppression, freshness 1 each
    expect(cost * 3).toBeLessThan(DEFAULT_DEMAND_LIMITS.costBudgets.agent);
  });
});

describe('demand control: each limit refuses with QUERY_TOO_COMPLEX and what it measured', () => {
  it('aliases: the 200 × contacts(500 ids) attack of issue 10', () => {
    const attack = aliases(
      200,
      `contacts(ids: [${ids(500)
        .map((i) => `"${i}"`)
        .join(',')}]) { id name { full } }`,
    );
    const refusal = control.check({ query: attack }, analyst);
    expect(refusal?.code).toBe('QUERY_TOO_COMPLEX');
    // 200 aliases × 500 ids is more than the token limit: parsing stops there.
    expect(refusal?.extensions.limit).toBe('tokens');
    const smaller = aliases(40, 'contactsByPhone(phone: "+14155550100") { id }');
    expect(control.check({ query: smaller }, analyst)?.extensions).toMatchObject({
      limit: 'aliases',
      max: 15,
      measured: 40,
    });
  });

  it('depth', () => {
    const deep = '{ contact(id: "salesforce:1") { lastInteraction { at } openDeal { name } name { full } } }';
    expect(control.check({ query: deep }, agent)).toBeNull();
    const strict = createDemandControl({ schema, limits: { maxDepth: 1 } });
    expect(strict.check({ query: deep }, agent)?.extensions).toMatchObject({ limit: 'depth', max: 1, measured: 3 });
  });

  it('directives', () => {
    const many = `{ contact(id: "salesforce:1") { ${Array.from({ length: 25 }, () => 'id @include(if: true)').join(' ')} } }`;
    expect(control.check({ query: many }, agent)?.extensions).toMatchObject({
      limit: 'directives',
      max: 20,
      measured: 25,
    });
  });

  it('tokens', () => {
    const long = `{ contact(id: "salesforce:1") { ${Array.from({ length: 1_200 }, () => 'id').join(' ')} } }`;
    expect(control.check({ query: long }, agent)?.extensions).toMatchObject({ limit: 'tokens', max: 1_000 });
  });

  it('list length, written literally or passed as a variable', () => {
    const literal = `{ contacts(ids: [${ids(101)
      .map((i) => `"${i}"`)
      .join(',')}]) { id } }`;
    expect(control.check({ query: literal }, analyst)?.extensions).toMatchObject({
      limit: 'listLength',
      max: 100,
      measured: 101,
    });
    const query = 'query Many($ids: [ID!]!) { contacts(ids: $ids) { id } }';
    expect(control.check({ query, variables: { ids: ids(100) } }, analyst)).toBeNull();
    expect(control.check({ query, variables: { ids: ids(500) } }, analyst)?.extensions).toMatchObject({
      limit: 'listLength',
      measured: 500,
    });
  });

  it('cost, per role: a CRM fan-out flood fits no agent budget, an analyst gets more, within bounds', () => {
    const flood = aliases(15, 'contactsByPhone(phone: "+14155550100") { id name { full } }');
    const refusal = control.check({ query: flood }, agent);
    expect(refusal?.extensions).toMatchObject({ limit: 'cost', budget: DEFAULT_DEMAND_LIMITS.costBudgets.agent });
    expect(refusal?.extensions.cost).toBeGreaterThan(DEFAULT_DEMAND_LIMITS.costBudgets.agent);
    expect(refusal?.message).toMatch(/costs \d+; the budget of this caller is 100/);
    expect(control.check({ query: flood }, analyst)).toBeNull();
    // A list passed as a variable is priced by its length: 100 contacts are over an agent's budget.
    const query =
      'query Many($ids: [ID!]!) { contacts(ids: $ids) { id callPermission(purpose: MARKETING) { allowed } } }';
    expect(control.check({ query, variables: { ids: ids(2) } }, agent)).toBeNull();
    expect(control.check({ query, variables: { ids: ids(100) } }, agent)?.extensions.limit).toBe('cost');
    expect(control.check({ query, variables: { ids: ids(100) } }, analyst)).toBeNull();
    // Audited decisions cost the same whether asked at the root or on a contact.
    const decisions = aliases(15, 'callPermission(phone: "+14155550100", purpose: MARKETING) { allowed }');
    expect(control.check({ query: decisions }, agent)?.extensions.limit).toBe('cost');
  });

  it('a caller with several roles gets the largest budget', () => {
    const flood = aliases(15, 'contactsByPhone(phone: "+14155550100") { id }');
    expect(control.check({ query: flood }, { sub: 'x', roles: ['agent', 'analyst'] })).toBeNull();
  });

  it('leaves syntax errors and unknown operation names to Apollo (its usual answers)', () => {
    expect(control.check({ query: '{ contact(' }, agent)).toBeNull();
    expect(
      control.check({ query: 'query A { __typename } query B { __typename }', operationName: 'C' }, agent),
    ).toBeNull();
  });
});
