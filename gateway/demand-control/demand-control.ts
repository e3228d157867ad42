import QuickLRU from 'quick-lru';
import type { GraphQLSchema } from 'graphql';
import { ErrorCode } from '../../shared/errors.js';
import type { Identity, Role } from '../../shared/identity.js';
import type { Metrics } from '../../shared/metrics.js';
import { operationCost } from './cost-model.js';
import { longestVariableList, measureDocument, type MeasureOutcome } from './document-measures.js';

/**
 * Demand control: every operation is measured and priced before Apollo plans it (and before the
 * CRM fast path forwards it). Limits on tokens, depth, aliases, directives and list arguments are
 * the same for everyone; the cost budget is per role (a caller with several roles gets the
 * largest). Measuring a document happens once per distinct text (LRU); pricing it is a short walk
 * per request because list arguments given as variables change the cost.
 */
export interface DemandLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Longest list accepted in any argument or variable (`contacts(ids:)`). */
  maxListLength: number;
  /** Cost budget per operation, per role. */
  costBudgets: Readonly<Record<Role, number>>;
}

export const DEFAULT_DEMAND_LIMITS: DemandLimits = {
  maxTokens: 1_000,
  maxDepth: 8,
  maxAliases: 15,
  maxDirectives: 20,
  maxListLength: 100,
  costBudgets: { agent: 100, service: 300, compliance: 500, analyst: 3_000, admin: 3_000 },
};

export type LimitName = 'tokens' | 'depth' | 'aliases' | 'directives' | 'listLength' | 'cost';

/** A refusal, ready to become a QUERY_TOO_COMPLEX error. */
export interface DemandRefusal {
  code: typeof ErrorCode.QUERY_TOO_COMPLEX;
  message: string;
  extensions: { limit: LimitName; max: number; measured?: number; cost?: number; budget?: number };
}

export interface DemandRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export interface DemandControl {
  /** null: admitted (or not measurable here: Apollo answers parse and operation-name errors). */
  check(request: DemandRequest, identity: Identity): DemandRefusal | null;
  readonly limits: DemandLimits;
}

export function budgetFor(identity: Identity, budgets: Readonly<Record<Role, number>>): number {
  return Math.max(0, ...identity.roles.map((r) => budgets[r] ?? 0));
}

function refusal(limit: LimitName, max: number, measured: number | undefined, what: string): DemandRefusal {
  return {
    code: ErrorCode.QUERY_TOO_COMPLEX,
    message:
      measured === undefined
        ? `The operation exceeds the ${what} limit of ${max}.`
        : `The operation's ${what} is ${measured}; the limit is ${max}.`,
    extensions: { limit, max, ...(measured === undefined ? {} : { measured }) },
  };
}

export function createDemandControl(options: {
  schema: GraphQLSchema;
  limits?: Partial<DemandLimits>;
  metrics?: Metrics;
  cacheSize?: number;
}): DemandControl {
  const limits: DemandLimits = {
    ...DEFAULT_DEMAND_LIMITS,
    ...options.limits,
    costBudgets: { ...DEFAULT_DEMAND_LIMITS.costBudgets, ...options.limits?.costBudgets },
  };
  const measured = new QuickLRU<string, MeasureOutcome>({ maxSize: options.cacheSize ?? 2_000 });
  const refused = options.metrics?.counter(
    'dialplane_gateway_demand_refused_total',
    'Operations refused by demand control, by limit and role',
    ['limit', 'role'],
  );
  const costs = options.metrics?.histogram(
    'dialplane_gateway_operation_cost',
    'Static cost of admitted operations',
    ['role'],
    [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
  );

  const refuse = (r: DemandRefusal, identity: Identity): DemandRefusal => {
    refused?.inc({ limit: r.extensions.limit, role: identity.roles[0] ?? 'unknown' });
    return r;
  };

  return {
    limits,
    check(request, identity) {
      let outcome = measured.get(request.query);
      if (!outcome) {
        outcome = measureDocument(options.schema, request.query, limits.maxTokens);
        measured.set(request.query, outcome);
      }
      if (outcome.kind === 'unparseable') return null;
      if (outcome.kind === 'too-many-tokens')
        return refuse(refusal('tokens', limits.maxTokens, undefined, 'token'), identity);
      const m = outcome.measures;
      if (m.depth > limits.maxDepth) return refuse(refusal('depth', limits.maxDepth, m.depth, 'depth'), identity);
      if (m.aliases > limits.maxAliases)
        return refuse(refusal('aliases', limits.maxAliases, m.aliases, 'alias count'), identity);
      if (m.directives > limits.maxDirectives)
        return refuse(refusal('directives', limits.maxDirectives, m.directives, 'directive count'), identity);
      const longestList = Math.max(m.literalListLength, request.variables ? longestVariableList(request.variables) : 0);
      if (longestList > limits.maxListLength)
        return refuse(refusal('listLength', limits.maxListLength, longestList, 'longest list argument'), identity);

      const operation = request.operationName ? m.operations.get(request.operationName) : m.soleOperation;
      if (!operation) return null; // Apollo answers the missing/ambiguous operation name.
      const cost = operationCost(options.schema, operation, m.fragments, request.variables ?? {});
      const budget = budgetFor(identity, limits.costBudgets);
      if (cost > budget) {
        return refuse(
          {
            code: ErrorCode.QUERY_TOO_COMPLEX,
            message: `The operation costs ${cost}; the budget of this caller is ${budget}.`,
            extensions: { limit: 'cost', max: budget, measured: cost, cost, budget },
          },
          identity,
        );
      }
      costs?.observe({ role: identity.roles[0] ?? 'unknown' }, cost);
      return null;
    },
  };
}
