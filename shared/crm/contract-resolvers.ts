import DataLoader from 'dataloader';
import { z } from 'zod';
import { GraphQLError } from 'graphql';
import { badUserInput, dialplaneError, ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { normalizePhone } from '../phone.js';
import { CrmCallError, parseGlobalId, type CanonicalContact, type CrmConnector, type FieldDrift } from './connector.js';
import type { ContactAnswer, ContactService } from './contact-service.js';
import type { CrmMetrics } from './crm-metrics.js';
import type { PhoneIndex } from './phone-index.js';

/**
 * The resolvers of schema/crm-contract.graphql, built from a connector's ContactService. Each
 * GraphQL request gets its own DataLoader (all contact loads of one request become one
 * ContactService.getMany, which the window batcher merges with other requests'); a field whose CRM
 * source drifted answers CRM_SCHEMA_DRIFT while its siblings resolve.
 */

/** What a Contact resolver receives: the canonical contact plus how it was obtained. */
export interface ContactParent {
  contact: CanonicalContact;
  drift: ReadonlyMap<string, FieldDrift>;
  fetchedAt: number;
  stale: boolean;
}

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

const PhoneArg = z.string().max(64);
const IdArg = z.string().min(1).max(200);
/** Most ids one `contacts` call may ask for. */
export const MAX_IDS_PER_QUERY = 500;

export function createContractResolvers(options: ContractResolverOptions) {
  const { connector, service, phoneIndex, metrics, log } = options;
  const now = options.now ?? Date.now;
  const source = connector.source;
  /** The only source whose global ids this subgraph resolves. */
  const ownSource = [source];
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

  const driftError = (d: FieldDrift): GraphQLError => {
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
    return dialplaneError(
      ErrorCode.CRM_SCHEMA_DRIFT,
      `${source} field ${d.crmField} is ${d.reason === 'missing' ? 'missing' : 'not of the expected type'}; ${d.field} cannot be served (mapping ${connector.mappingVersion})`,
      {
        crm: source,
        field: d.crmField,
        canonicalField: d.field,
        reason: d.reason,
        mappingVersion: connector.mappingVersion,
      },
    );
  };

  const toParent = (answer: ContactAnswer): ContactParent | null | GraphQLError => {
    if (answer.kind === 'notFound') return null;
    if (answer.kind === 'overloaded') {
      return dialplaneError(
        ErrorCode.RATE_LIMITED,
        `too many ${source} contact loads are waiting for this caller; retry shortly`,
        { crm: source, limit: 'crm-queue' },
      );
    }
    if (answer.kind === 'unavailable') {
      return dialplaneError(
        ErrorCode.CRM_UNAVAILABLE,
        `${source} is unavailable and the contact is not cached (${answer.reason})`,
        { crm: source },
      );
    }
    return {
      contact: answer.contact,
      drift: new Map(answer.drift.map((d) => [d.field, d])),
      fetchedAt: answer.fetchedAt,
      stale: answer.stale,
    };
  };

  const sourceIdOf = (id: string, argName: string): string => {
    const parsed = IdArg.safeParse(id).success ? parseGlobalId(id, ownSource) : null;
    if (!parsed || parsed.source !== source || !connector.isValidSourceId(parsed.sourceId)) {
      throw badUserInput(argName, `not a ${source} contact id (expected "${source}:<id>" as returned by a lookup)`);
    }
    return parsed.sourceId;
  };

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
    if (d) throw driftError(d);
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
    if (d) throw driftError(d);
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
        const raw = PhoneArg.safeParse(args.phone);
        const normalized = raw.success ? normalizePhone(raw.data) : null;
        if (!normalized || !normalized.valid) {
          throw badUserInput(
            'phone',
            'not a usable phone number; give a full number, e.g. "+1 415 555 0100" or "(415) 555-0100" (national numbers are read as US)',
          );
        }
        const e164 = normalized.e164;
        let ids = await phoneIndex.get(e164);
        const fromIndex = ids !== undefined;
        if (ids === undefined) {
          try {
            ids = await searchPhone(e164);
          } catch (error) {
            if (error instanceof CrmCallError && error.kind === 'rate_limited') {
              throw dialplaneError(
                ErrorCode.CRM_RATE_LIMITED,
                `${source} refused the phone search for its rate limit; retry shortly`,
                { crm: source },
              );
            }
            throw dialplaneError(ErrorCode.CRM_UNAVAILABLE, `${source} is unavailable: phone search failed`, {
              crm: source,
            });
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
          if (!parent) {
            await phoneIndex.remove(e164, ids[i]!);
            continue;
          }
          const phones = parent.contact.phones;
          // A contact whose fresh phones no longer hold the number was renumbered: drop and unindex.
          if (phones && !parent.stale && !phones.some((p) => p.e164 === e164)) {
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
        const parsed = parseGlobalId(ref.id, ownSource);
        if (!parsed || parsed.source !== source || !connector.isValidSourceId(parsed.sourceId)) return null;
        return load(context, parsed.sourceId);
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
