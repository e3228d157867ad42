import { createHash } from 'node:crypto';
import QuickLRU from 'quick-lru';
import { ErrorCode } from '../../shared/errors.js';
import { hasRole, type Identity } from '../../shared/identity.js';

/**
 * Trusted documents. `npm run codegen` writes the manifest of every operation our clients send
 * (examples/generated/trusted/persisted-documents.json, `{ "sha256:<hex>": "<document>" }`, the
 * client preset's persisted-documents format). A request names a registered document by Apollo's
 * persisted-query extension (`extensions.persistedQuery.sha256Hash`) or by `documentId`
 * (`sha256:<hex>`, or the bare hex); the gateway substitutes the text before anything else runs.
 *
 * Modes: `off` (ids still resolve), `enforce` (production default): callers whose roles are only
 * agent/service may run registered documents only (by id, or sending exactly a registered text),
 * so an LLM-written or injected query never reaches the graph; analysts, compliance and admins keep
 * ad-hoc queries, within their cost budget.
 */
export type TrustedDocumentsMode = 'off' | 'enforce';

export interface TrustedDocuments {
  readonly mode: TrustedDocumentsMode;
  readonly size: number;
  /**
   * Resolves a persisted-document reference in a request body and enforces registration.
   * Returns the query to run (and the body's remaining extensions), or a refusal.
   */
  resolve(
    request: { query?: unknown; documentId?: unknown; extensions?: unknown },
    identity: Identity,
  ): TrustedResolution;
}

export type TrustedResolution =
  | { kind: 'ok'; query: string | undefined; extensions: Record<string, unknown> | undefined; changed: boolean }
  | {
      kind: 'refused';
      code: typeof ErrorCode.PERSISTED_QUERY_NOT_FOUND | typeof ErrorCode.DOCUMENT_NOT_REGISTERED;
      message: string;
    };

/** Roles allowed ad-hoc documents when enforcement is on. */
const AD_HOC_ROLES = ['analyst', 'compliance', 'admin'] as const;

function normalizeId(raw: string): string {
  return raw.startsWith('sha256:') ? raw : `sha256:${raw}`;
}

export function createTrustedDocuments(options: {
  mode: TrustedDocumentsMode;
  manifest: Readonly<Record<string, string>>;
}): TrustedDocuments {
  const byId = new Map(Object.entries(options.manifest));
  const registeredTexts = new Set(byId.values());
  // Texts already hashed (registered or not), so a repeat costs a lookup.
  const seen = new QuickLRU<string, boolean>({ maxSize: 1_000 });
  const isRegisteredText = (text: string): boolean => {
    if (registeredTexts.has(text)) return true;
    let hit = seen.get(text);
    if (hit === undefined) {
      hit = byId.has(`sha256:${createHash('sha256').update(text).digest('hex')}`);
      seen.set(text, hit);
    }
    return hit;
  };

  return {
    mode: options.mode,
    size: byId.size,
    resolve(request, identity) {
      const extensions =
        typeof request.extensions === 'object' && request.extensions !== null && !Array.isArray(request.extensions)
          ? (request.extensions as Record<string, unknown>)
          : undefined;
      const persisted = extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
      const ref =
        typeof request.documentId === 'string'
          ? request.documentId
          : typeof persisted?.sha256Hash === 'string'
            ? persisted.sha256Hash
            : undefined;
      let query = typeof request.query === 'string' ? request.query : undefined;
      let rest = extensions;
      let changed = false;
      if (ref !== undefined) {
        const text = byId.get(normalizeId(ref));
        if (!text)
          return {
            kind: 'refused',
            code: ErrorCode.PERSISTED_QUERY_NOT_FOUND,
            message: 'No registered document has this id.',
          };
        // A text sent along with the id must be that document (no smuggling another text under a trusted id).
        if (query !== undefined && query !== text)
          return {
            kind: 'refused',
            code: ErrorCode.PERSISTED_QUERY_NOT_FOUND,
            message: 'The query text does not match the registered document.',
          };
        query = text;
        if (extensions && 'persistedQuery' in extensions) {
          const { persistedQuery: _, ...others } = extensions;
          rest = Object.keys(others).length > 0 ? others : undefined;
        }
        changed = true;
      } else if (
        options.mode === 'enforce' &&
        query !== undefined &&
        !hasRole(identity, ...AD_HOC_ROLES) &&
        !isRegisteredText(query)
      ) {
        return {
          kind: 'refused',
          code: ErrorCode.DOCUMENT_NOT_REGISTERED,
          message: 'This role may run registered documents only (send its documentId or persisted-query hash).',
        };
      }
      return { kind: 'ok', query, extensions: rest, changed };
    },
  };
}
