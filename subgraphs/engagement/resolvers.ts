import DataLoader from 'dataloader';
import { z } from 'zod';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { ErrorCode, badUserInput, badUserInputFromZod, dialplaneError } from '../../shared/errors.js';
import { hasRole, type Role } from '../../shared/identity.js';
import { actingSeller, maySee, visibleSellers } from '../../shared/seller-scope.js';
import type { SubgraphContext } from '../../shared/subgraph-server.js';
import { CRM_NAMES } from '../../crm/registry.js';
import { callOutcomeInput } from './intake/outcome.js';
import { contactRepresentation, intentStageOf, lastInteractionOf, type Latest } from './read-your-writes/overlay.js';
import { IdempotencyConflictError, WRITE_BACK_STATUSES, type WriteBackState } from './store.js';
import type { OutcomeRecorder } from './intake/recorder.js';
import type { EngagementRuntime } from './runtime.js';

export interface EngagementContext extends SubgraphContext {
  latest: DataLoader<string, Latest | undefined>;
}

export interface ResolverDeps {
  runtime: EngagementRuntime;
  recorder: OutcomeRecorder;
  readYourWritesGraceMs: number;
}

/**
 * Per request: the newest outcome of every contact in the query, from the overlay cache or, for
 * the contacts it does not hold, loaded in one statement.
 */
export function engagementContext(runtime: EngagementRuntime) {
  return (base: SubgraphContext): EngagementContext => ({
    ...base,
    latest: new DataLoader<string, Latest | undefined>((ids) => {
      // Only outcomes the caller's sellers may see feed the overlay (docs/access.md); the cache key
      // carries that scope, so an answer kept for one seller is never served to another.
      const sellers = visibleSellers(base.identity);
      const scope = sellers === null ? '*' : [...sellers].sort().join(',');
      const key = (id: string) => `${scope}|${id}`;
      return runtime.overlay.load(ids.map(key), async (keys) => {
        const found = await runtime.store.latestOutcomes(
          keys.map((k) => k.slice(scope.length + 1)),
          sellers,
        );
        return new Map([...found].map(([id, latest]) => [key(id), latest]));
      });
    }),
  });
}

function requireRole(ctx: SubgraphContext, ...roles: Role[]): void {
  if (!hasRole(ctx.identity, ...roles))
    throw dialplaneError(ErrorCode.FORBIDDEN, `requires one of the roles: ${roles.join(', ')}`);
}

const writeBacksArgs = z.object({
  status: z.enum(WRITE_BACK_STATUSES).nullish(),
  first: z.number().int().min(1).max(500).nullish(),
  after: z.string().nullish(),
});
const uuid = z.uuid();
const replayArgs = z
  .object({
    ids: z.array(uuid).max(1000).nullish(),
    filter: z
      .object({
        crm: z.enum(CRM_NAMES).nullish(),
        errorCode: z.string().max(100).nullish(),
        since: z.iso.datetime({ offset: true }).nullish(),
      })
      .nullish(),
  })
  .refine((a) => (a.ids && a.ids.length > 0) || a.filter, { message: 'give ids or a filter', path: ['ids'] });

const cursorOf = (id: string) => Buffer.from(`wb:${id}`).toString('base64url');
function afterOf(cursor: string | null | undefined): string | undefined {
  if (!cursor) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = decoded.startsWith('wb:') ? decoded.slice(3) : '';
  if (!uuid.safeParse(id).success) throw badUserInput('after', 'not a cursor from this connection');
  return id;
}

const toGraphQL = (w: WriteBackState) => w;

export function engagementResolvers(deps: ResolverDeps): GraphQLResolverMap<EngagementContext> {
  const { runtime, recorder, readYourWritesGraceMs } = deps;
  return {
    Query: {
      writeBack: async (_: unknown, args: { id: string }, ctx: EngagementContext) => {
        requireRole(ctx, 'agent', 'admin', 'service');
        if (!uuid.safeParse(args.id).success) return null;
        const found = await runtime.store.getWriteBack(args.id);
        // Another seller's write-back answers as if it did not exist.
        return found && maySee(ctx.identity, found.seller) ? toGraphQL(found) : null;
      },
      writeBacks: async (_: unknown, raw: unknown, ctx: EngagementContext) => {
        requireRole(ctx, 'admin', 'service');
        const args = writeBacksArgs.safeParse(raw);
        if (!args.success) throw badUserInputFromZod(args.error);
        const page = await runtime.store.listWriteBacks({
          status: args.data.status ?? undefined,
          first: args.data.first ?? 50,
          after: afterOf(args.data.after),
          sellers: visibleSellers(ctx.identity),
        });
        const last = page.items[page.items.length - 1];
        return {
          nodes: page.items.map(toGraphQL),
          pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? cursorOf(last.id) : null },
        };
      },
      writeBackQueue: async (_: unknown, _args: unknown, ctx: EngagementContext) => {
        requireRole(ctx, 'admin', 'service');
        const stats = await runtime.store.stats(visibleSellers(ctx.identity));
        return {
          pending: stats.pending,
          retrying: stats.retrying,
          deadLettered: stats.deadLettered,
          oldestPendingAgeSeconds: stats.oldestPendingAgeMs === null ? null : stats.oldestPendingAgeMs / 1000,
          byCrm: Object.entries(stats.byCrm)
            .map(([crm, counts]) => ({ crm, ...counts }))
            .sort((a, b) => a.crm.localeCompare(b.crm)),
        };
      },
    },
    Mutation: {
      recordCallOutcome: async (_: unknown, args: { input: unknown }, ctx: EngagementContext) => {
        requireRole(ctx, 'agent', 'service', 'admin');
        const parsed = callOutcomeInput.safeParse(args.input);
        if (!parsed.success) throw badUserInputFromZod(parsed.error, 'input');
        const seller = actingSeller(ctx.identity, parsed.data.seller, 'input.seller');
        try {
          return await recorder.record({ ...parsed.data, seller }, 'graphql');
        } catch (error) {
          if (error instanceof IdempotencyConflictError) {
            throw dialplaneError(ErrorCode.CONFLICT, error.message, { field: 'input.idempotencyKey' });
          }
          throw error;
        }
      },
      replayWriteBacks: async (_: unknown, raw: unknown, ctx: EngagementContext) => {
        requireRole(ctx, 'admin');
        const args = replayArgs.safeParse(raw);
        if (!args.success) throw badUserInputFromZod(args.error);
        const ids = await runtime.store.replay({
          ids: args.data.ids ?? undefined,
          filter: args.data.filter
            ? {
                crm: args.data.filter.crm ?? undefined,
                errorCode: args.data.filter.errorCode ?? undefined,
                since: args.data.filter.since ?? undefined,
              }
            : undefined,
          sellers: visibleSellers(ctx.identity),
        });
        ctx.log.info({ count: ids.length, actor: ctx.identity.sub }, 'write-backs replayed');
        recorder.notifyWorker();
        return { replayed: ids.length, ids };
      },
    },
    Contact: {
      __resolveReference: (ref: unknown) => ref,
      intentStage: async (ref: unknown, _args: unknown, ctx: EngagementContext) => {
        const rep = contactRepresentation.safeParse(ref);
        if (!rep.success) return null;
        return intentStageOf(rep.data, await ctx.latest.load(rep.data.id), readYourWritesGraceMs);
      },
      lastInteraction: async (ref: unknown, _args: unknown, ctx: EngagementContext) => {
        const rep = contactRepresentation.safeParse(ref);
        if (!rep.success) return null;
        return lastInteractionOf(rep.data, await ctx.latest.load(rep.data.id), readYourWritesGraceMs);
      },
    },
  } as GraphQLResolverMap<EngagementContext>;
}
