import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { badUserInput } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CanonicalContact, CrmConnector, FieldDrift } from './connector.js';
import {
  contactParentOf,
  driftError,
  ownSourceId,
  phoneArgument,
  phoneSearchError,
  sourceIdArgument,
  stillAnswersPhone,
  type ContactParent,
} from './contract-answers.js';
import type { ContactAnswer, ContactService } from './contact-service.js';
import type { CrmMetrics } from './crm-metrics.js';
import type { PhoneIndex } from './phone-index.js';

/**
 * The resolvers of schema/crm-contract.graphql, built from a connector's ContactService. Each
 * GraphQL request gets its own DataLoader (all contact loads of one request become one
 * ContactService.getMany, which the window batcher merges with other requests'); a field whose CRM
 * source drifted answers CRM_SCHEMA_DRIFT while its siblings resolve. What each answer is comes
 * from contract-answers.ts (pure); this file loads, searches, logs and counts.
 */

export type { ContactParent };

/** Nested values carry their drift and path so their own field resolvers can check it. */
const DRIFT = Symbol('drift');
interface NestedParent {
  [DRIFT]?: { drift: ReadonlyMap<string, FieldDrift>; path: string };
  [field: string]: unknown;
}

export interface ContractResolverOptions {
  connector: CrmConnector;
  service: ContactService;
  phoneIndex: PhoneIndex;
  metrics: CrmMetrics;
  log: Logger;
  /** Clock of `freshness.ageMs`; the service's. @default Date.now */
  now?: () => number;
}

/** Most ids one `contacts` call may ask for. */
export const MAX_IDS_PER_QUERY = 500;

export function createContractResolvers(options: ContractResolverOptions) {
  const { connector, service, phoneIndex, metrics, log } = options;
  const now = options.now ?? Date.now;
  const source = connector.source;
  const loaders = new WeakMap<object, DataLoader<string, ContactAnswer>>();
  const loggedDrift = new Set<string>();
  const phoneSearches = new Map<string, Promise<string[]>>();

  const loaderFor = (context: object) => {
    let loader = loaders.get(context);
    if (!loader) {
      // cache: false would refetch within a request; the per-request cache is what we want here.
      // The caller's queue in the batcher (fair sharing across callers): the verified identity.
      const caller = (context as { identity?: { sub?: string; org?: string } }).identity;
      const callerKey = caller?.sub ? `${caller.org ?? '-'}:${caller.sub}` : '';
      loader = new DataLoader<string, ContactAnswer>((ids) => service.getMany(ids, callerKey), { maxBatchSize: 2_000 });
      loaders.set(context, loader);
    }
    return loader;
  };

  const driftErrorOf = (d: FieldDrift): GraphQLError => {
    metrics.drift(d.field);
    const once = `${connector.mappingVersion}|${d.crmField}|${d.field}`;
    if (!loggedDrift.has(once)) {
      loggedDrift.add(once);
      log.error(
        {
          crm: source,
          crmField: d.crmField,
          field: d.field,
          reason: d.reason,
          mappingVersion: connector.mappingVersion,
        },
        'CRM schema drift: canonical field not served',
      );
    }
    return driftError(d, source, connector.mappingVersion);
  };

  const toParent = (answer: ContactAnswer) => contactParentOf(answer, source);
  const isValidSourceId = (id: string) => connector.isValidSourceId(id);
  const sourceIdOf = (id: string, argName: string) => sourceIdArgument(id, argName, source, isValidSourceId);

  const load = async (context: object, sourceId: string) => {
    const parent = toParent(await loaderFor(context).load(sourceId));
    if (parent instanceof GraphQLError) throw parent;
    return parent;
  };

  const searchPhone = (e164: string): Promise<string[]> => {
    let pending = phoneSearches.get(e164);
    if (!pending) {
      pending = service.callThroughBreaker(() => connector.findByPhone(e164)).finally(() => phoneSearches.delete(e164));
      phoneSearches.set(e164, pending);
    }
    return pending;
  };

  /** A top-level Contact field resolver that honours drift. */
  const field = (name: keyof CanonicalContact) => (parent: ContactParent) => {
    const d = parent.drift.get(name);
    if (d) throw driftErrorOf(d);
    const value = parent.contact[name];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return { ...value, [DRIFT]: { drift: parent.drift, path: name } } as NestedParent;
    }
    return value;
  };

  /** A nested field resolver (e.g. Suppression.doNotCall) that honours drift at `<path>.<field>`. */
  const nested = (name: string) => (parent: NestedParent) => {
    const meta = parent[DRIFT];
    const d = meta?.drift.get(`${meta.path}.${name}`);
    if (d) throw driftErrorOf(d);
    return parent[name] ?? null;
  };
  const nestedType = (fields: string[]) => Object.fromEntries(fields.map((f) => [f, nested(f)]));

  return {
    Query: {
      contact: async (_: unknown, args: { id: string }, context: object) => load(context, sourceIdOf(args.id, 'id')),

      contacts: async (_: unknown, args: { ids: string[] }, context: object) => {
        if (args.ids.length > MAX_IDS_PER_QUERY)
          throw badUserInput('ids', `at most ${MAX_IDS_PER_QUERY} ids per query`);
        // A bad id is its own error at ["contacts", i] (an Error item of the list); every other
        // id is answered as if it were not there. The gateway re-indexes paths onto the client's list.
        const parsed = args.ids.map((id, i): string | GraphQLError => {
          try {
            return sourceIdOf(id, `ids.${i}`);
          } catch (error) {
            return error as GraphQLError;
          }
        });
        const valid = parsed.filter((p): p is string => typeof p === 'string');
        const answers = valid.length > 0 ? await loaderFor(context).loadMany(valid) : [];
        let next = 0;
        return parsed.map((p) => {
          if (typeof p !== 'string') return p;
          const a = answers[next++]!;
          return a instanceof Error ? a : toParent(a);
        });
      },

      contactsByPhone: async (_: unknown, args: { phone: string }, context: object) => {
        const e164 = phoneArgument(args.phone);
        let ids = await phoneIndex.get(e164);
        const fromIndex = ids !== undefined;
        if (ids === undefined) {
          try {
            ids = await searchPhone(e164);
          } catch (error) {
            throw phoneSearchError(error, source);
          }
          await phoneIndex.set(e164, ids);
        }
        metrics.phoneLookup(fromIndex ? 'index' : 'search');
        if (ids.length === 0) return [];
        const loader = loaderFor(context);
        const answers = await loader.loadMany(ids);
        const out: ContactParent[] = [];
        for (const [i, answer] of answers.entries()) {
          if (answer instanceof Error) continue;
          const parent = toParent(answer);
          if (parent instanceof GraphQLError) throw parent;
          if (!stillAnswersPhone(parent, e164)) {
            // Gone, or renumbered (its fresh phones no longer hold the number): drop and unindex.
            await phoneIndex.remove(e164, ids[i]!);
            continue;
          }
          out.push(parent);
        }
        return out;
      },
    },

    Contact: {
      __resolveReference: async (ref: { id: string }, context: object) => {
        const sourceId = ownSourceId(ref.id, source, isValidSourceId);
        return sourceId === null ? null : load(context, sourceId);
      },
      id: (p: ContactParent) => p.contact.id,
      source: (p: ContactParent) => p.contact.source.toUpperCase(),
      sourceId: (p: ContactParent) => p.contact.sourceId,
      name: field('name'),
      email: field('email'),
      phones: field('phones'),
      primaryPhone: field('primaryPhone'),
      timeZone: field('timeZone'),
      location: field('location'),
      crmIntentStage: field('crmIntentStage'),
      openDeal: field('openDeal'),
      crmLastActivity: field('crmLastActivity'),
      suppression: field('suppression'),
      freshness: (p: ContactParent) => ({
        fetchedAt: new Date(p.fetchedAt).toISOString(),
        ageMs: Math.max(0, now() - p.fetchedAt),
        stale: p.stale,
        source: p.contact.source.toUpperCase(),
        mappingVersion: connector.mappingVersion,
      }),
    },
    PersonName: nestedType(['first', 'last', 'full']),
    Location: nestedType(['country', 'state', 'city', 'postalCode']),
    Suppression: nestedType(['doNotCall', 'emailOptOut']),
    Deal: nestedType(['id', 'name', 'stage', 'crmStage', 'closed', 'won', 'amount', 'closeDate']),
    Activity: nestedType(['at', 'summary', 'disposition', 'type']),
  };
}
