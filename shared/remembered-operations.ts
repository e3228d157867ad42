/**
 * What the fast paths (gateway/crm-fast-path/, gateway/plan-fast-path/, shared/subgraph-fast-path.ts)
 * have in common: operations remembered by their text and name once Apollo has resolved them, and
 * the shape of a request they may answer. Anything else (a batch, extensions such as persisted-query
 * hashes, variables that are not an object) goes through Apollo, which answers it.
 */

/** A POSTed operation a fast path may answer. */
export interface PlainOperation {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

/** The body as a plain operation, or null when it is anything else. */
export function plainOperation(body: unknown): PlainOperation | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { query, operationName, variables, extensions } = body as Record<string, unknown>;
  if (typeof query !== 'string' || extensions != null) return null;
  if (operationName != null && typeof operationName !== 'string') return null;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  return {
    query,
    ...(operationName != null ? { operationName } : {}),
    ...(variables != null ? { variables: variables as Record<string, unknown> } : {}),
  };
}

/** Values remembered per operation text and name; the oldest goes first when full. */
export class RememberedOperations<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  has(query: string, operationName: string | null | undefined): boolean {
    return this.entries.has(keyOf(query, operationName));
  }

  remember(query: string, operationName: string | null | undefined, value: V): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(keyOf(query, operationName), value);
  }

  /** The remembered value for a request body, with the body as a plain operation; null when none. */
  find(body: unknown): { operation: PlainOperation; value: V } | null {
    const operation = plainOperation(body);
    if (!operation) return null;
    const value = this.entries.get(keyOf(operation.query, operation.operationName));
    return value === undefined ? null : { operation, value };
  }

  clear(): void {
    this.entries.clear();
  }
}

function keyOf(query: string, operationName: string | null | undefined): string {
  return `${operationName ?? ''}\u0000${query}`;
}
