import { createHash } from 'node:crypto';
import { DialplaneError, ErrorCode, isDialplaneError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { mentionsOptOut } from '../../shared/opt-out-phrases.js';
import { toE164 } from '../../shared/phone.js';
import { SpanAttr, setSpanAttributes } from '../../shared/tracing.js';
import { CallMemory } from './call-memory.js';
import { combineCallContext, invalidNumberContext, type ContactLookup, type PermissionLookup } from './call-context.js';
import type { CallPurpose, PlatformsConfig } from './config.js';
import type { GatewayClient } from './gateway-client.js';
import {
  CONTACT_QUERY,
  PERMISSION_QUERY,
  RECORD_OUTCOME_MUTATION,
  REVOKE_MUTATION,
  contactAnswer,
  permissionAnswer,
  receiptAnswer,
  revokeAnswer,
} from './gateway-operations.js';
import type { CallOutcomeInput } from './outcome-input.js';
import type { CallContext, CallRef, EndOfCallResult, PlatformCore, ToolResult } from './types.js';

/**
 * The flow every platform shares, behind the adapters: call-start context, mid-call tools, live
 * opt-outs and end-of-call outcomes, all through the gateway's API (no decision is made here).
 */

/** Budgets beyond the call start's: tools wait up to 20 s on Vapi and 2 min on Retell. */
const TOOL_BUDGET_MS = 3_000;
const END_OF_CALL_BUDGET_MS = 5_000;
const WRITE_TIMEOUT_MS = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CoreDeps {
  config: Pick<PlatformsConfig, 'purpose' | 'seller' | 'callStartBudgetMs' | 'handoffNumber'>;
  gateway: GatewayClient;
  log: Logger;
  memory?: CallMemory;
}

export function createPlatformCore(deps: CoreDeps): PlatformCore {
  const { config, gateway, log } = deps;
  const memory = deps.memory ?? new CallMemory();

  async function resolve(phone: string, purpose: CallPurpose, budgetMs: number): Promise<CallContext> {
    const variables = { phone, purpose };
    const [contacts, permission] = await Promise.allSettled([
      gateway.request<unknown>(CONTACT_QUERY, variables, { timeoutMs: budgetMs }),
      gateway.request<unknown>(PERMISSION_QUERY, variables, { timeoutMs: budgetMs }),
    ]);
    let lookup: ContactLookup = { kind: 'failed' };
    if (contacts.status === 'fulfilled') {
      const parsed = contactAnswer.safeParse(contacts.value.data);
      if (parsed.success)
        lookup = {
          kind: 'answered',
          contacts: parsed.data.contactsByPhone.filter((c) => c !== null),
          partial: contacts.value.errors.length > 0,
        };
      else log.warn({ codes: contacts.value.errors.map((e) => e.code) }, 'contact lookup failed');
    } else {
      log.warn({ code: codeOf(contacts.reason) }, 'contact lookup did not answer within the budget');
    }
    let numberPermission: PermissionLookup = { kind: 'failed' };
    if (permission.status === 'fulfilled') {
      const parsed = permissionAnswer.safeParse(permission.value.data);
      if (parsed.success) numberPermission = { kind: 'answered', permission: parsed.data.callPermission };
      else log.warn({ codes: permission.value.errors.map((e) => e.code) }, 'call permission failed');
    } else {
      log.warn({ code: codeOf(permission.reason) }, 'call permission did not answer within the budget');
    }
    return combineCallContext(phone, purpose, lookup, numberPermission);
  }

  async function revoke(call: CallRef, channel: 'VOICE' | 'TRANSCRIPT', phone: string): Promise<void> {
    const remembered = memory.get(call.platform, call.callId, phone);
    const input = {
      phone,
      channel,
      source: `platform:${call.platform}`,
      seller: config.seller,
      occurredAt: new Date().toISOString(),
      idempotencyKey: idempotencyKey(call.platform, call.callId, 'opt-out'),
      ...(remembered?.decisionId && UUID.test(remembered.decisionId) ? { decisionId: remembered.decisionId } : {}),
    };
    const result = await gateway.request<unknown>(REVOKE_MUTATION, { input }, { timeoutMs: WRITE_TIMEOUT_MS });
    const parsed = revokeAnswer.safeParse(result.data);
    if (!parsed.success) {
      const code = result.errors[0]?.code ?? 'UNKNOWN';
      throw new DialplaneError(ErrorCode.COMPLIANCE_DATA_UNAVAILABLE, `opt-out not recorded: ${code}`, {
        upstreamCode: code,
      });
    }
    memory.update(call.platform, call.callId, phone, { optedOut: true });
    log.info(
      { platform: call.platform, callId: call.callId, eventId: parsed.data.revokeConsent.eventId, channel },
      'opt-out recorded in the consent ledger',
    );
  }

  return {
    async callStart(request) {
      // The platform's request span (tracing on) says which call it is and what was decided.
      setSpanAttributes({ [SpanAttr.callId]: request.callId, [SpanAttr.platform]: request.platform });
      const phone = toE164(request.customerPhone);
      if (!phone) return invalidNumberContext(config.purpose);
      const context = await resolve(phone, config.purpose, config.callStartBudgetMs);
      memory.update(request.platform, request.callId, phone, {
        contactId: context.contact?.id,
        decisionId: context.permission.decisionId ?? undefined,
      });
      if (context.permission.decisionId)
        setSpanAttributes({
          [SpanAttr.decisionId]: context.permission.decisionId,
          [SpanAttr.decisionAllowed]: context.permission.allowed,
        });
      log.info(
        {
          platform: request.platform,
          callId: request.callId,
          contactStatus: context.contactStatus,
          allowed: context.permission.allowed,
          reasons: context.permission.reasons,
        },
        'call-start context answered',
      );
      return context;
    },

    async tool(call, tool): Promise<ToolResult> {
      const phone = toE164(call.customerPhone);
      switch (tool.tool) {
        case 'check_permission': {
          if (!phone)
            return {
              ok: false,
              message: 'The number could not be read; do not call.',
              data: { allowed: false, reasons: ['INVALID_NUMBER'] },
            };
          const purpose = tool.purpose ?? config.purpose;
          const context = await resolve(phone, purpose, TOOL_BUDGET_MS);
          const { allowed, reasons } = context.permission;
          return {
            ok: true,
            message: allowed ? `Allowed for ${purpose}.` : `Not allowed for ${purpose}: ${reasons.join(', ')}.`,
            data: { allowed, reasons, purpose, decisionId: context.permission.decisionId },
          };
        }
        case 'record_opt_out': {
          if (!phone) return { ok: false, message: 'The number could not be read; the opt-out was not recorded.' };
          await revoke(call, 'VOICE', phone);
          return {
            ok: true,
            message:
              'The opt-out is recorded; this number will not be called again. Confirm it to the caller and end the call politely.',
          };
        }
        case 'schedule_callback': {
          memory.update(call.platform, call.callId, phone, {
            nextAction: 'CALL_BACK',
            nextActionAt: tool.at ?? undefined,
          });
          return {
            ok: true,
            message: tool.at ? `A callback is scheduled for ${tool.at}.` : 'A callback is noted.',
            data: { nextAction: 'CALL_BACK', nextActionAt: tool.at ?? null },
          };
        }
        case 'hand_off': {
          memory.update(call.platform, call.callId, phone, { nextAction: 'HAND_OFF' });
          return {
            ok: true,
            message: config.handoffNumber
              ? `Transfer the caller to ${config.handoffNumber}.`
              : 'A person will follow up; tell the caller so.',
            data: { nextAction: 'HAND_OFF', transferTo: config.handoffNumber ?? null },
          };
        }
      }
    },

    async liveTranscript(call, text) {
      const phone = toE164(call.customerPhone);
      if (!phone || !mentionsOptOut(text)) return false;
      if (memory.get(call.platform, call.callId, phone)?.optedOut) return true;
      await revoke(call, 'TRANSCRIPT', phone);
      return true;
    },

    async endOfCall(event): Promise<EndOfCallResult> {
      setSpanAttributes({ [SpanAttr.callId]: event.callId, [SpanAttr.platform]: event.platform });
      const phone = toE164(event.customerPhone);
      const remembered = memory.get(event.platform, event.callId, phone);
      const optOut = event.optOutDetected === true || remembered?.optedOut === true || mentionsOptOut(event.transcript);
      const call: CallRef = { platform: event.platform, callId: event.callId, customerPhone: phone };

      let contactId = remembered?.contactId;
      let decisionId = remembered?.decisionId;
      if (!contactId) {
        if (!phone) return { kind: 'no-contact', optOutRecorded: false };
        const context = await resolve(phone, config.purpose, END_OF_CALL_BUDGET_MS);
        if (context.contactStatus !== 'known') {
          // The opt-out must not wait for a CRM: it goes to the ledger even when the outcome cannot.
          const optOutRecorded =
            optOut && !remembered?.optedOut
              ? (await revoke(call, 'TRANSCRIPT', phone), true)
              : remembered?.optedOut === true;
          if (context.contactStatus === 'unavailable') {
            throw new DialplaneError(
              ErrorCode.CRM_UNAVAILABLE,
              'the contact cannot be resolved now; deliver the event again',
              { platform: event.platform },
            );
          }
          log.info(
            { platform: event.platform, callId: event.callId, optOutRecorded },
            'end of call for a number no CRM holds: nothing to write back',
          );
          return { kind: 'no-contact', optOutRecorded };
        }
        contactId = context.contact!.id;
        decisionId = decisionId ?? context.permission.decisionId ?? undefined;
      }

      const markedOptOut = event.optOutDetected === true || remembered?.optedOut === true;
      const input: CallOutcomeInput = {
        contactId,
        callId: event.callId,
        // An outcome always quotes a decision; without one (consent did not answer) it says so.
        decisionId: decisionId ?? `undecided:${event.platform}`,
        idempotencyKey: idempotencyKey(event.platform, event.callId, 'outcome'),
        disposition: markedOptOut ? 'OPTED_OUT' : event.disposition,
        summary: event.summary ?? null,
        nextAction: markedOptOut ? 'DO_NOT_CONTACT' : (remembered?.nextAction ?? null),
        nextActionAt: markedOptOut ? null : (remembered?.nextActionAt ?? null),
        durationSeconds: event.durationSeconds ?? null,
        occurredAt: event.endedAt,
        optOutDetected: optOut || null,
        phone,
        transcript: event.transcript ?? null,
      };
      const result = await gateway.request<unknown>(
        RECORD_OUTCOME_MUTATION,
        { input },
        { timeoutMs: WRITE_TIMEOUT_MS },
      );
      const parsed = receiptAnswer.safeParse(result.data);
      if (parsed.success) {
        const receipt = parsed.data.recordCallOutcome;
        log.info(
          {
            platform: event.platform,
            callId: event.callId,
            outcomeId: receipt.id,
            duplicate: receipt.duplicate,
            disposition: input.disposition,
          },
          'call outcome recorded',
        );
        return { kind: 'recorded', outcomeId: receipt.id, duplicate: receipt.duplicate };
      }
      const code = result.errors[0]?.code ?? 'UNKNOWN';
      // The first event of a call wins: Retell's call_analyzed after call_ended (or the reverse),
      // a retry carrying other details: the outcome is already durable under the call's key.
      if (code === ErrorCode.CONFLICT) {
        log.info(
          { platform: event.platform, callId: event.callId },
          'call outcome already recorded by an earlier event of this call',
        );
        return { kind: 'already-recorded' };
      }
      if (code === ErrorCode.BAD_USER_INPUT) {
        throw new DialplaneError(ErrorCode.BAD_USER_INPUT, 'the end-of-call event does not make a valid outcome', {
          fields: result.errors.map((e) => e.message),
        });
      }
      throw new DialplaneError(ErrorCode.SUBGRAPH_UNAVAILABLE, `outcome not recorded: ${code}`, { upstreamCode: code });
    },
  };
}

/** `<platform>:<call id>:<what>`, printable ASCII as recordCallOutcome requires; long or odd ids are hashed. */
export function idempotencyKey(platform: string, callId: string, what: 'outcome' | 'opt-out'): string {
  const id = /^[\x21-\x7e]{1,150}$/.test(callId)
    ? callId
    : `sha256-${createHash('sha256').update(callId).digest('hex')}`;
  return `${platform}:${what}:${id}`;
}

function codeOf(error: unknown): string {
  return isDialplaneError(error) ? error.code : 'INTERNAL_SERVER_ERROR';
}
