import { Kind, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { LeanPlanNode } from './plan-nodes.js';

/**
 * Which planned operations the plan fast path may run (pure, decided once per distinct operation):
 * a query whose plan holds only Sequence, Parallel, Flatten and query Fetch nodes (what the
 * call-start document plans to: the CRM fetch, then consent and engagement in parallel), and
 * whose document asks no introspection (Apollo answers `__schema` / `__type` itself).
 */

/** The plan's root node when every node in it is one the lean executor runs; undefined otherwise. */
export function leanPlanRoot(plan: { node?: unknown }): LeanPlanNode | undefined | false {
  if (plan.node === undefined) return undefined;
  return isLean(plan.node) ? (plan.node as LeanPlanNode) : false;
}

function isLean(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const n = node as { kind?: unknown; nodes?: unknown; node?: unknown; path?: unknown } & Record<string, unknown>;
  switch (n.kind) {
    case 'Sequence':
    case 'Parallel':
      return Array.isArray(n.nodes) && n.nodes.every(isLean);
    case 'Flatten':
      return Array.isArray(n.path) && isLean(n.node);
    case 'Fetch':
      return (
        n.operationKind === 'query' &&
        typeof n.operation === 'string' &&
        !(Array.isArray(n.contextRewrites) && n.contextRewrites.length > 0)
      );
    default:
      return false;
  }
}

/** A query whose selections (fragments included) never ask `__schema` or `__type`. */
export function isPlainQuery(
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): boolean {
  if (operation.operation !== 'query') return false;
  const seen = new Set<string>();
  const plain = (set: SelectionSetNode): boolean =>
    set.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__schema' || name === '__type') return false;
        return !selection.selectionSet || plain(selection.selectionSet);
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) return plain(selection.selectionSet);
      const name = selection.name.value;
      if (seen.has(name)) return true;
      seen.add(name);
      const fragment = Object.hasOwn(fragments, name) ? fragments[name] : undefined;
      return fragment !== undefined && plain(fragment.selectionSet);
    });
  return plain(operation.selectionSet);
}
