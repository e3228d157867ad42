import type { applyRewrites } from '@apollo/gateway/dist/dataRewrites.js';
import type { DocumentNode } from 'graphql';

/**
 * The query-plan nodes the plan fast path runs: @apollo/query-planner's shapes, restricted to the
 * kinds eligibility.ts accepts (no Condition, Defer or Subscription nodes).
 */
/** @apollo/query-planner's FetchDataRewrite, as the gateway's applyRewrites takes it. */
type FetchDataRewrite = NonNullable<Parameters<typeof applyRewrites>[1]>[number];

export type LeanPlanNode = SequenceNode | ParallelNode | FlattenNode | FetchNode;

export interface SequenceNode {
  kind: 'Sequence';
  nodes: LeanPlanNode[];
}
export interface ParallelNode {
  kind: 'Parallel';
  nodes: LeanPlanNode[];
}
export interface FlattenNode {
  kind: 'Flatten';
  path: (string | number)[];
  node: LeanPlanNode;
}
export interface FetchNode {
  kind: 'Fetch';
  serviceName: string;
  variableUsages?: string[];
  requires?: RequiresSelection[];
  operation: string;
  operationName: string | undefined;
  operationKind: string;
  operationDocumentNode?: DocumentNode;
  inputRewrites?: FetchDataRewrite[];
  outputRewrites?: FetchDataRewrite[];
  contextRewrites?: unknown[];
}
export type RequiresSelection =
  | { kind: 'Field'; alias?: string; name: string; selections?: RequiresSelection[] }
  | { kind: 'InlineFragment'; typeCondition?: string; selections: RequiresSelection[] };
