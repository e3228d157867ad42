import type { GraphQLFormattedError, GraphQLSchema, ValueNode } from 'graphql';
import { Kind, valueFromASTUntyped } from 'graphql';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { DialplaneError, ErrorCode } from '../../shared/errors.js';
import type { GatewayContext } from '../gateway-context.js';
import { SubgraphUnavailableError, type SubgraphEndpoint, type SubgraphResult } from '../subgraph-endpoint.js';
import { CrmFetchPlanner, splitVariableName, type RootFieldPlan } from './crm-fetch-plan.js';

type Path = ReadonlyArray<string | number>;
type Outcome = { ok: true; result: SubgraphResult } | { ok: false; error: SubgraphUnavailableError };
type Variables = Record<string, unknown>;

/** `salesforce:003...` -> `salesforce`; the part before the first colon names the owning CRM. */
export function sourceOfId(id: unknown): string | undefined {
  if (typeof id !== 'string') return undefined;
  const colon = id.indexOf(':');
  return colon > 0 ? id.slice(0, colon) : undefined;
}

function unknownSourceError(id: unknown, path: Path, known: readonly string[]): GraphQLFormattedError {
  return {
    message: `"${String(id)}" is not a contact id of a configured CRM (expected <source>:<id>, source one of ${known.join(', ')}).`,
    path,
    extensions: { code: ErrorCode.BAD_USER_INPUT, field: 'id' },
  };
}

/**
 * Re-roots a CRM's error path from its share of a split list onto the original list; an
 * `extensions.field` naming the item (`ids.<i>`) is re-indexed the same way, so the client sees its
 * own index in both.
 */
function remapError(
  error: GraphQLFormattedError,
  crm: string,
  mapIndex?: (i: number) => number,
): GraphQLFormattedError {
  const path = error.path;
  const extensions: Record<string, unknown> = { ...error.extensions, crm };
  if (!mapIndex || !path || typeof path[1] !== 'number') return { ...error, extensions };
  const original = mapIndex(path[1]);
  const field = typeof extensions.field === 'string' ? /^(\w+)\.(\d+)$/.exec(extensions.field) : null;
  if (field && Number(field[2]) === path[1]) extensions.field = `${field[1]}.${original}`;
  return { ...error, path: [path[0]!, original, ...path.slice(2)], extensions };
}

/**
 * The data source behind the supergraph's single `crm` subgraph. Each fetch goes to the CRM
 * subgraph(s) owning the contacts it names, chosen by the source prefix of the ids:
 * entity batches and `ids` lists are split per CRM, sent in parallel and reassembled in the original
 * order (error paths included); `id` arguments go to their CRM; list fields without ids fan out to
 * every CRM and are concatenated. The CRM list is configuration: a third CRM is one more entry.
 * A CRM that does not answer costs only its own share: nulls plus SUBGRAPH_UNAVAILABLE errors.
 */
export class CrmRoutingDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly planner: CrmFetchPlanner;
  private readonly byName: Map<string, SubgraphEndpoint>;
  private readonly names: string[];

  constructor(crms: readonly SubgraphEndpoint[], supergraph: GraphQLSchema) {
    if (crms.length === 0)
      throw new DialplaneError(ErrorCode.CONFIG_INVALID, 'at least one CRM subgraph must be configured');
    this.planner = new CrmFetchPlanner(supergraph);
    this.byName = new Map(crms.map((c) => [c.name, c]));
    this.names = crms.map((c) => c.name);
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResult> {
    const { request } = options;
    if (!request.query) throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, 'crm fetch without a query');
    // Health checks and schema loading do not happen with a static supergraph; answer them from the first CRM.
    if (options.kind !== 'incoming operation')
      throw new DialplaneError(
        ErrorCode.INTERNAL_SERVER_ERROR,
        `unsupported crm data source request kind: ${options.kind}`,
      );
    const context = options.context;
    const plan = this.planner.planFor(request.query, options.document);
    const variables: Variables = request.variables ?? {};
    const payload = { query: request.query, variables, operationName: request.operationName };
    if (plan.kind === 'entities') return this.entities(payload, context);
    return this.root(payload, plan.fields, plan.rewrite, context);
  }

  /**
   * The CRM fast path's entry before Apollo: when a root operation's ids all belong to one CRM (the call-start
   * case), forward it untouched and hand back that CRM's answer, as text when it is clean.
   * Anything needing a split, a fan-out or an error for an unknown id answers `undefined`:
   * use `process`.
   */
  async forwardWhole(
    payload: { query: string; variables?: Variables; operationName?: string },
    context: GatewayContext,
  ): Promise<{ text: string } | { result: SubgraphResult } | undefined> {
    const plan = this.planner.planFor(payload.query);
    if (plan.kind !== 'root') return undefined;
    const variables = payload.variables ?? {};
    let target: string | undefined;
    for (const field of plan.fields) {
      let sources: string[];
      if (field.route === 'first') sources = [this.names[0]!];
      else if (field.route === 'fanOut') sources = this.names;
      else {
        const value = argumentValue(field.idArgument, variables);
        const ids = field.route === 'byId' ? [value] : Array.isArray(value) ? value : [];
        if (ids.length === 0) return undefined;
        sources = ids.map((id) => sourceOfId(id) ?? '');
      }
      for (const source of sources) {
        if (!this.byName.has(source) || (target !== undefined && source !== target)) return undefined;
        target = source;
      }
    }
    if (!target) return undefined;
    const crm = this.byName.get(target)!;
    try {
      const answer = await crm.sendForText(
        { query: payload.query, variables, operationName: payload.operationName },
        context,
      );
      return 'text' in answer ? answer : { result: withCrm(answer.result, target) };
    } catch (error) {
      if (!(error instanceof SubgraphUnavailableError)) throw error;
      context.log.warn({ subgraph: crm.name, reason: error.reason }, 'crm subgraph unavailable');
      const data: Record<string, unknown> = {};
      for (const field of plan.fields) data[field.responseKey] = null;
      return { result: { data, errors: plan.fields.map((f) => error.toFormatted([f.responseKey])) } };
    }
  }

  private async call(
    crm: SubgraphEndpoint,
    payload: { query: string; variables: Variables; operationName?: string },
    context: GatewayContext,
  ): Promise<Outcome> {
    try {
      return { ok: true, result: await crm.send(payload, context) };
    } catch (error) {
      if (error instanceof SubgraphUnavailableError) {
        context.log.warn({ subgraph: crm.name, reason: error.reason }, 'crm subgraph unavailable');
        return { ok: false, error };
      }
      throw error;
    }
  }

  /** `_entities(representations:)`: split by CRM, parallel, reassembled by original position. */
  private async entities(
    payload: { query: string; variables: Variables; operationName?: string },
    context: GatewayContext,
  ): Promise<SubgraphResult> {
    const representations = payload.variables.representations;
    if (!Array.isArray(representations))
      throw new DialplaneError(ErrorCode.INTERNAL_SERVER_ERROR, 'entity fetch without representations');
    const positions = new Map<string, number[]>();
    const errors: GraphQLFormattedError[] = [];
    const entities: unknown[] = new Array(representations.length).fill(null);
    representations.forEach((rep, index) => {
      const id = (rep as { id?: unknown } | null)?.id;
      const source = sourceOfId(id);
      if (!source || !this.byName.has(source)) {
        errors.push(unknownSourceError(id, ['_entities', index], this.names));
        return;
      }
      let list = positions.get(source);
      if (!list) positions.set(source, (list = []));
      list.push(index);
    });

    // Fast path: one CRM holds every entity: forward the fetch untouched.
    if (positions.size === 1 && errors.length === 0) {
      const [source] = positions.keys();
      const outcome = await this.call(this.byName.get(source!)!, payload, context);
      if (outcome.ok) return withCrm(outcome.result, source!);
      return {
        data: { _entities: entities },
        errors: representations.map((_, i) => outcome.error.toFormatted(['_entities', i])),
      };
    }

    const shares = [...positions];
    const outcomes = await Promise.all(
      shares.map(([source, indexes]) =>
        this.call(
          this.byName.get(source)!,
          { ...payload, variables: { ...payload.variables, representations: indexes.map((i) => representations[i]) } },
          context,
        ),
      ),
    );
    shares.forEach(([source, indexes], s) => {
      const outcome = outcomes[s]!;
      if (!outcome.ok) {
        for (const i of indexes) errors.push(outcome.error.toFormatted(['_entities', i]));
        return;
      }
      const received = outcome.result.data?._entities;
      if (Array.isArray(received)) indexes.forEach((original, j) => (entities[original] = received[j] ?? null));
      for (const error of outcome.result.errors ?? []) errors.push(remapError(error, source, (j) => indexes[j] ?? j));
    });
    return errors.length > 0 ? { data: { _entities: entities }, errors } : { data: { _entities: entities } };
  }

  /** Root fields (`contact`, `contacts`, `contactsByPhone`, ...), grouped into one fetch per CRM. */
  private async root(
    payload: { query: string; variables: Variables; operationName?: string },
    fields: readonly RootFieldPlan[],
    rewrite: (indexes: readonly number[]) => string,
    context: GatewayContext,
  ): Promise<SubgraphResult> {
    const errors: GraphQLFormattedError[] = [];
    const data: Record<string, unknown> = {};
    // Per CRM: which root fields it answers, and for split fields which original positions its share holds.
    const perCrm = new Map<string, { fields: number[]; shares: Map<number, number[]> }>();
    const assign = (crm: string, field: number) => {
      let entry = perCrm.get(crm);
      if (!entry) perCrm.set(crm, (entry = { fields: [], shares: new Map() }));
      if (entry.fields[entry.fields.length - 1] !== field) entry.fields.push(field);
      return entry;
    };
    const splitIds = new Map<number, unknown[]>();
    let needsRewrite = false;

    fields.forEach((field, index) => {
      switch (field.route) {
        case 'first':
          assign(this.names[0]!, index);
          break;
        case 'fanOut':
          for (const name of this.names) assign(name, index);
          break;
        case 'byId': {
          const id = argumentValue(field.idArgument, payload.variables);
          const source = sourceOfId(id);
          if (!source || !this.byName.has(source)) {
            data[field.responseKey] = null;
            errors.push(unknownSourceError(id, [field.responseKey], this.names));
            needsRewrite = true;
          } else assign(source, index);
          break;
        }
        case 'splitIds': {
          const ids = argumentValue(field.idArgument, payload.variables);
          const list = Array.isArray(ids) ? ids : ids == null ? [] : [ids];
          splitIds.set(index, list);
          data[field.responseKey] = new Array(list.length).fill(null);
          list.forEach((id, position) => {
            const source = sourceOfId(id);
            if (!source || !this.byName.has(source)) {
              errors.push(unknownSourceError(id, [field.responseKey, position], this.names));
              return;
            }
            const entry = assign(source, index);
            let share = entry.shares.get(index);
            if (!share) entry.shares.set(index, (share = []));
            share.push(position);
          });
          break;
        }
      }
    });

    const targets = [...perCrm];
    // Fast path (the call-start query): one CRM answers every field with all its ids: forward untouched.
    if (
      targets.length === 1 &&
      !needsRewrite &&
      errors.length === 0 &&
      targets[0]![1].fields.length === fields.length
    ) {
      const [name] = targets[0]!;
      const outcome = await this.call(this.byName.get(name)!, payload, context);
      if (outcome.ok) return withCrm(outcome.result, name);
      for (const field of fields) data[field.responseKey] = null;
      return { data, errors: fields.map((f) => outcome.error.toFormatted([f.responseKey])) };
    }
    // Concatenate fan-out lists in configuration order, whatever order the fields assigned CRMs in.
    targets.sort((a, b) => this.names.indexOf(a[0]) - this.names.indexOf(b[0]));

    const outcomes = await Promise.all(
      targets.map(([name, entry]) => {
        const variables: Variables = { ...payload.variables };
        for (const [field, positions] of entry.shares) {
          const ids = splitIds.get(field)!;
          variables[splitVariableName(field)] = positions.map((p) => ids[p]);
        }
        return this.call(
          this.byName.get(name)!,
          { query: rewrite(entry.fields), variables, operationName: payload.operationName },
          context,
        );
      }),
    );

    // Merge in configuration order so fan-out lists are stable.
    const fanOutFailures = new Map<number, number>();
    const fanOutLists = new Map<number, unknown[]>();
    targets.forEach(([name, entry], t) => {
      const outcome = outcomes[t]!;
      const offsets = new Map<number, number>();
      for (const index of entry.fields) {
        const field = fields[index]!;
        const key = field.responseKey;
        if (field.route === 'fanOut') {
          const list = fanOutLists.get(index) ?? [];
          offsets.set(index, list.length);
          fanOutLists.set(index, list);
          if (!outcome.ok) {
            fanOutFailures.set(index, (fanOutFailures.get(index) ?? 0) + 1);
            errors.push(outcome.error.toFormatted([key]));
            continue;
          }
          const received = outcome.result.data?.[key];
          if (Array.isArray(received)) list.push(...received);
          continue;
        }
        if (field.route === 'splitIds') {
          const positions = entry.shares.get(index) ?? [];
          const target = data[key] as unknown[];
          if (!outcome.ok) {
            for (const p of positions) errors.push(outcome.error.toFormatted([key, p]));
            continue;
          }
          const received = outcome.result.data?.[key];
          if (Array.isArray(received)) positions.forEach((p, j) => (target[p] = received[j] ?? null));
          continue;
        }
        if (!outcome.ok) {
          data[key] = null;
          errors.push(outcome.error.toFormatted([key]));
          continue;
        }
        data[key] = outcome.result.data?.[key] ?? null;
      }
      if (outcome.ok) {
        for (const error of outcome.result.errors ?? []) {
          const index = fields.findIndex((f) => f.responseKey === error.path?.[0]);
          const field = fields[index];
          if (field?.route === 'splitIds') {
            const positions = entry.shares.get(index) ?? [];
            errors.push(remapError(error, name, (j) => positions[j] ?? j));
          } else if (field?.route === 'fanOut') {
            const offset = offsets.get(index) ?? 0;
            // An error on the list itself (not on an item) means this CRM has no answer for it.
            if (error.path?.length === 1) fanOutFailures.set(index, (fanOutFailures.get(index) ?? 0) + 1);
            errors.push(remapError(error, name, (j) => offset + j));
          } else errors.push(remapError(error, name));
        }
      }
    });
    for (const [index, list] of fanOutLists) {
      // Every CRM failed: an empty list would claim "nobody has this number"; null + errors says "unknown".
      data[fields[index]!.responseKey] = fanOutFailures.get(index) === this.names.length ? null : list;
    }
    const merged = dedupeFanOutErrors(errors);
    return merged.length > 0 ? { data, errors: merged } : { data };
  }
}

/**
 * The same input error from every CRM of a fan-out (e.g. BAD_USER_INPUT for an unusable phone) is
 * one error to the client, not one per configured CRM.
 */
function dedupeFanOutErrors(errors: GraphQLFormattedError[]): GraphQLFormattedError[] {
  const seen = new Map<string, number>();
  const out: GraphQLFormattedError[] = [];
  for (const error of errors) {
    if (error.extensions?.code !== ErrorCode.BAD_USER_INPUT) {
      out.push(error);
      continue;
    }
    const key = JSON.stringify([error.message, error.path ?? null]);
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, out.length);
      out.push(error);
    } else {
      // Reported by several CRMs: it is about the input, not about one CRM.
      const { crm: _crm, ...extensions } = out[at]!.extensions ?? {};
      out[at] = { ...out[at]!, extensions };
    }
  }
  return out;
}

function argumentValue(node: ValueNode | undefined, variables: Variables): unknown {
  if (!node) return undefined;
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  return valueFromASTUntyped(node, variables);
}

function withCrm(result: SubgraphResult, crm: string): SubgraphResult {
  if (!result.errors?.length) return result;
  return { ...result, errors: result.errors.map((e) => remapError(e, crm)) };
}
