import http from 'node:http';
import https from 'node:https';
import { Client as HubspotClient } from '@hubspot/api-client';
import { z } from 'zod';
import { ErrorCode } from '../../shared/errors.js';
import {
  WRITER_POLICY,
  WriteBackError,
  withWriteTimeout,
  type CrmWriter,
  type OutcomeToWrite,
  type WriteResult,
} from '../../shared/crm/writer.js';
import type { ConnectionTokenSource } from '../../shared/crm/connections/tokens.js';
import type { HubspotAccount } from './connection.js';
import {
  HUBSPOT_CALL_KEY_PROPERTY,
  HUBSPOT_CALL_TO_CONTACT,
  hubspotCallOf,
  hubspotContactUpdateOf,
} from './write-mapping.js';

/**
 * HubSpot's CRM writer (shared/crm/writer.ts): one outcome -> a call engagement (searched by its
 * unique key before it is created, so a retry finds it) and a contact update, through
 * @hubspot/api-client with its own retries off.
 */

const hubspotObject = z.object({
  id: z.coerce.string(),
  properties: z.record(z.string(), z.string().nullable()).optional(),
});
const hubspotSearch = z.object({ results: z.array(hubspotObject) });

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const value = (headers as Record<string, unknown>)[name] ?? (headers as Record<string, unknown>)[name.toLowerCase()];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

function bodyOf(raw: unknown): Record<string, unknown> {
  if (typeof raw === 'string') {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
}

export function classifyHubspotError(error: unknown, step: string): WriteBackError {
  if (error instanceof WriteBackError) return error;
  const e = error as { code?: number | string; body?: unknown; headers?: unknown; message?: string };
  const status = typeof e.code === 'number' ? e.code : undefined;
  if (status === undefined) {
    return new WriteBackError(
      ErrorCode.CRM_UNAVAILABLE,
      `hubspot ${step}: ${String(e.code ?? 'network error')}`,
      true,
      { crm: 'hubspot', crmCode: String(e.code ?? 'NETWORK'), step },
    );
  }
  const body = bodyOf(e.body);
  const crmCode = String(body.policyName ?? body.category ?? `HTTP_${status}`);
  const message = `hubspot ${step}: ${status} ${crmCode}`;
  if (status === 429) {
    const retryAfter = Number(headerOf(e.headers, 'retry-after'));
    const waitMs =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter * 1000
        : body.policyName === 'DAILY'
          ? WRITER_POLICY.pauseMs.hubspotDaily
          : body.policyName === 'SECONDLY'
            ? WRITER_POLICY.pauseMs.hubspotSecondly
            : WRITER_POLICY.pauseMs.hubspotTenSecondly;
    return new WriteBackError(
      ErrorCode.CRM_RATE_LIMITED,
      message,
      true,
      { crm: 'hubspot', crmCode, status, step },
      waitMs,
    );
  }
  if (status >= 500 || status === 408 || status === 401) {
    return new WriteBackError(ErrorCode.CRM_UNAVAILABLE, message, true, { crm: 'hubspot', crmCode, status, step });
  }
  return new WriteBackError(ErrorCode.CRM_REJECTED, message, false, { crm: 'hubspot', crmCode, status, step });
}

export class HubspotWriter implements CrmWriter {
  readonly crm = 'hubspot' as const;
  private readonly agent: http.Agent;
  private readonly apis: {
    callsSearch: HubspotClient['crm']['objects']['calls']['searchApi'];
    callsBasic: HubspotClient['crm']['objects']['calls']['basicApi'];
    contactsBasic: HubspotClient['crm']['contacts']['basicApi'];
  };

  private readonly tokens: ConnectionTokenSource | undefined;

  constructor(account: HubspotAccount) {
    this.tokens = account.tokens;
    const url = new URL(account.baseUrl);
    this.agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    const client = new HubspotClient({
      accessToken: account.accessToken,
      basePath: account.baseUrl.replace(/\/+$/, ''),
      // No client-side retries: a 429 would sleep 10 s inside the job; the queue retries instead.
      numberOfApiCallRetries: 0,
      httpAgent: this.agent,
    });
    // The client binds its decorators lazily from a process-wide singleton; touch the APIs now so
    // another Client created later in this process (the hubspot subgraph's) cannot replace ours.
    this.apis = {
      callsSearch: client.crm.objects.calls.searchApi,
      callsBasic: client.crm.objects.calls.basicApi,
      contactsBasic: client.crm.contacts.basicApi,
    };
  }

  async write(outcome: OutcomeToWrite, beforeRequest: () => Promise<void>): Promise<WriteResult> {
    let requests = 0;
    const tokens = this.tokens;
    const call = async <T>(step: string, fn: (options: never) => Promise<T>): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        await beforeRequest();
        requests++;
        // A stored connection's token (the connection runtime's one grant) on this request only.
        let accessToken: string | undefined;
        try {
          accessToken = tokens
            ? (await withWriteTimeout('hubspot', 'oauth.token', tokens.token(), WRITER_POLICY.requestTimeoutMs))
                .accessToken
            : undefined;
          return await withWriteTimeout(
            'hubspot',
            step,
            fn(requestOptions(accessToken)),
            WRITER_POLICY.requestTimeoutMs,
          );
        } catch (error) {
          const failure = classifyHubspotError(error, step);
          // 401: hand the token back; one replay with the next (an uninstalled app fails again, and retries later).
          if (tokens && accessToken && failure.context.status === 401) {
            tokens.rejected(accessToken);
            if (attempt === 0) continue;
          }
          throw failure;
        }
      }
    };
    const call_ = hubspotCallOf(outcome);
    const findExisting = async (): Promise<string | null> => {
      const raw = await call('calls.search', (options) =>
        this.apis.callsSearch.doSearch(
          {
            filterGroups: [
              { filters: [{ propertyName: HUBSPOT_CALL_KEY_PROPERTY, operator: 'EQ' as never, value: call_.key }] },
            ],
            properties: [HUBSPOT_CALL_KEY_PROPERTY],
            limit: 1,
            sorts: [],
            after: undefined as never,
          },
          options,
        ),
      );
      const parsed = hubspotSearch.safeParse(raw);
      if (!parsed.success)
        throw new WriteBackError(ErrorCode.CRM_UNAVAILABLE, 'hubspot calls.search: unexpected response', true, {
          crm: 'hubspot',
          step: 'calls.search',
        });
      return parsed.data.results[0]?.id ?? null;
    };

    // Search before create: a retry after a crash (or a lost response) finds the call it made.
    let callId = await findExisting();
    if (!callId) {
      try {
        const created = await call('calls.create', (options) =>
          this.apis.callsBasic.create(
            {
              properties: call_.properties,
              associations: [
                {
                  to: { id: call_.contactId },
                  types: [
                    { associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: HUBSPOT_CALL_TO_CONTACT },
                  ],
                },
              ],
            },
            options,
          ),
        );
        callId = hubspotObject.parse(created).id;
      } catch (error) {
        // dialplane_key is a unique property: a concurrent create of the same key lost the race
        // to one that succeeded, so the call exists and is ours.
        if (error instanceof WriteBackError && error.context.status === 409) callId = await findExisting();
        if (!callId) throw error;
      }
    }
    const contactUpdate = hubspotContactUpdateOf(outcome);
    if (contactUpdate) {
      await call('contacts.update', (options) =>
        this.apis.contactsBasic.update(outcome.crmContactId, { properties: contactUpdate }, undefined, options),
      );
    }
    return { crmRecordId: callId, requests };
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Per-call options of the official client: with a stored connection's token, the request's
 * Authorization is set in a middleware (the client's own token is a placeholder); without, the
 * call is made exactly as without options.
 */
function requestOptions(accessToken: string | undefined): never {
  if (accessToken === undefined) return undefined as never;
  return {
    middleware: [
      {
        pre: (ctx: { setHeaderParam(key: string, value: string): void }) => {
          ctx.setHeaderParam('Authorization', `Bearer ${accessToken}`);
          return Promise.resolve(ctx);
        },
        post: (ctx: unknown) => Promise.resolve(ctx),
      },
    ],
    middlewareMergeStrategy: 'replace',
  } as never;
}
