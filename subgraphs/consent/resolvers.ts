import { randomUUID } from 'node:crypto';
import { badUserInput, badUserInputFromZod, dialplaneError, ErrorCode } from '../../shared/errors.js';
import { hasRole, type Identity } from '../../shared/identity.js';
import { actingSeller, maySee, requireActFor, sellerScopeOf, visibleSellers } from '../../shared/seller-scope.js';
import type { SubgraphContext } from '../../shared/subgraph-server.js';
import type { ConsentService, DecisionResult } from './consent-service.js';
import type { Decision, ReassignedFacts } from './decision/types.js';
import { explanationOf } from './mapping/decision-explanation.js';
import { consentInputs, phone as phoneInput } from './mapping/inputs.js';
import type { RevocationHub } from './revocation-hub.js';
import { auditRecord, auditTrail, type AuditWriter } from './store/audit.js';
import { addRelationship } from './store/suppression.js';
import type { Database } from '../../shared/db.js';
import type { Appended } from './store/ledger.js';
import { revocationsAfter, type RevocationEntry } from './store/ledger.js';
import type { z } from 'zod';

export interface ConsentContext extends SubgraphContext {}

/** Roles that may ask for and act on decisions and consent. */
const OPERATORS = ['agent', 'service', 'admin', 'compliance'] as const;

function requireRole(
  identity: Identity,
  roles: readonly (typeof OPERATORS)[number][] | readonly (typeof DATA_ADMINS)[number][],
  what: string,
): void {
  if (!hasRole(identity, ...roles))
    throw dialplaneError(ErrorCode.FORBIDDEN, `${what} needs role ${roles.join(' or ')}`, { roles });
}

function parse<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw badUserInputFromZod(result.error, prefix);
  return result.data;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function permission(result: DecisionResult) {
  const d: Decision = result.decision;
  return {
    allowed: d.allowed,
    reasons: d.reasons,
    obligations: d.obligations,
    nextAllowedAt: iso(d.nextAllowedAt),
    evaluatedAt: d.evaluatedAt.toISOString(),
    decisionId: result.decisionId,
    policyVersion: d.policyVersion,
    phone: result.e164,
    consent: d.consent
      ? {
          status: d.consent.status,
          consentType: d.consent.consentType,
          grantedAt: iso(d.consent.grantedAt),
          revokedAt: iso(d.consent.revokedAt),
          cursor: d.consent.lastSeq === null ? null : String(d.consent.lastSeq),
        }
      : null,
    hypothetical: !!result.hypothetical,
    reservation: result.reservation
      ? { attemptId: result.reservation.attemptId, reservedAt: result.reservation.reservedAt.toISOString() }
      : null,
    zones: d.evidence.zones,
    states: d.evidence.states,
    zoneData: d.evidence.zoneData,
    suppressionLists: d.evidence.suppressionLists,
    reassignedCheck:
      d.evidence.reassigned && result.e164
        ? {
            phone: result.e164,
            result: d.evidence.reassigned.result,
            consentDate: d.evidence.reassigned.consentDate,
            checkedAt: d.evidence.reassigned.checkedAt,
            version: d.evidence.reassigned.version,
          }
        : null,
  };
}

function reassignedCheck(e164: string, r: ReassignedFacts) {
  return {
    phone: e164,
    result: r.result,
    consentDate: r.consentDate.toISOString(),
    checkedAt: r.checkedAt.toISOString(),
    version: r.version,
  };
}

/** Roles that may feed compliance data (registry files, RND answers). */
const DATA_ADMINS = ['admin', 'compliance'] as const;

function consentRecord(a: Appended, phone: string, kind: string, occurredAt: Date) {
  return {
    eventId: a.eventId,
    cursor: String(a.seq),
    phone,
    kind,
    occurredAt: occurredAt.toISOString(),
    recordedAt: a.recordedAt.toISOString(),
    created: a.inserted,
  };
}

function revocation(e: RevocationEntry) {
  return {
    eventId: e.eventId,
    phone: e.e164,
    revokedAt: e.occurredAt.toISOString(),
    channel: e.channel,
    scope: e.scope,
    seller: e.seller,
    source: e.source,
    cursor: String(e.seq),
  };
}

/** The CRM facts Contact.callPermission receives through @requires. */
interface RequiredContact {
  id: string;
  primaryPhone?: string | null;
  phones?: { e164?: string | null; valid?: boolean | null }[] | null;
  timeZone?: string | null;
  location?: { country?: string | null; state?: string | null } | null;
  openDeal?: { closed?: boolean | null } | null;
  suppression?: { doNotCall?: boolean | null } | null;
}

const DateTime = {
  // A plain object, not a GraphQLScalarType: @apollo/subgraph copies these onto the SDL's scalar,
  // which keeps this module free of any particular graphql-js instance.
  description: 'ISO 8601 instant with offset',
  serialize: (v: unknown) => (v instanceof Date ? v.toISOString() : v),
  parseValue: (v: unknown) => v,
  parseLiteral: (ast: { kind: string; value?: string }) => (ast.kind === 'StringValue' ? ast.value : null),
};

export function createResolvers(deps: {
  service: ConsentService;
  hub: RevocationHub;
  db: Database;
  audit: AuditWriter;
}) {
  const { service, hub, db, audit } = deps;
  const inputs = consentInputs(service.policy, service.now);
  // Built once: `.omit()` makes a new schema whose first parse compiles its fast path (new
  // Function + JIT), measured as ~6% of the subgraph's CPU when it ran per Contact.callPermission.
  const contactDecisionArgs = inputs.decisionArgs.omit({ phone: true });

  return {
    DateTime,
    Query: {
      async callPermission(_: unknown, args: unknown, ctx: ConsentContext) {
        requireRole(ctx.identity, OPERATORS, 'callPermission');
        const a = parse(inputs.decisionArgs, args, '');
        const result = await service.decide(
          { phone: a.phone, purpose: a.purpose, seller: actingSeller(ctx.identity, a.seller, 'seller'), at: a.at },
          ctx.identity,
        );
        return permission(result);
      },
      async consentRevocations(
        _: unknown,
        args: { after?: string | null; phones?: string[] | null; limit?: number | null },
        ctx: ConsentContext,
      ) {
        requireRole(ctx.identity, OPERATORS, 'consentRevocations');
        const after = parse(inputs.cursor, args.after, 'after') ?? 0;
        const phones = parse(inputs.phones, args.phones, 'phones') ?? null;
        const limit = Math.min(Math.max(args.limit ?? 100, 1), 1000);
        const rows = await revocationsAfter(db, after, phones, limit, visibleSellers(ctx.identity));
        audit.write(
          auditRecord('REVOCATIONS_READ', ctx.identity, {
            e164: phones?.length === 1 ? phones[0]! : null,
            detail: { after, phones: phones?.length ?? null, rows: rows.length },
          }),
        );
        return rows.map(revocation);
      },
      async auditTrail(_: unknown, args: { phone: string; limit?: number | null }, ctx: ConsentContext) {
        requireRole(ctx.identity, ['compliance'], 'auditTrail');
        const e164 = parse(phoneInput, args.phone, 'phone');
        await audit.flush(); // the trail includes decisions whose rows are still queued
        const rows = (await auditTrail(db, e164, Math.min(Math.max(args.limit ?? 100, 1), 1000))).filter((r) =>
          maySee(ctx.identity, r.seller),
        );
        audit.write(
          auditRecord('AUDIT_READ', ctx.identity, {
            e164,
            detail: { rows: rows.length },
          }),
        );
        return rows.map((r) => ({
          id: String(r.id),
          at: r.at.toISOString(),
          action: r.action,
          actor: r.actor,
          role: r.role,
          seller: r.seller,
          purpose: r.purpose,
          phone: r.e164,
          decisionId: r.decision_id,
          allowed: r.allowed,
          reasons: r.reasons,
          policyVersion: typeof r.detail?.policyVersion === 'string' ? r.detail.policyVersion : null,
          explanation: explanationOf(r, service.policy),
        }));
      },
    },
    Mutation: {
      async authorizeCall(_: unknown, args: { input: unknown }, ctx: ConsentContext) {
        requireRole(ctx.identity, OPERATORS, 'authorizeCall');
        const i = parse(inputs.authorizeCall, args.input, 'input');
        const result = await service.authorize(
          {
            phone: i.phone,
            purpose: i.purpose,
            seller: actingSeller(ctx.identity, i.seller, 'input.seller'),
            // Server-owned time: the input's `at` was only checked to be now (inputs.ts).
            subject: i.subject,
            statedZone: i.timeZone,
            location: i.location,
            deal: i.dealClosed == null ? undefined : { closed: i.dealClosed },
            phiFields: i.phiFields,
          },
          ctx.identity,
        );
        return permission(result);
      },
      async recordConsent(_: unknown, args: { input: unknown }, ctx: ConsentContext) {
        requireRole(ctx.identity, OPERATORS, 'recordConsent');
        const i = parse(inputs.recordConsent, args.input, 'input');
        i.sellers.forEach((seller, index) => requireActFor(ctx.identity, seller, `input.sellers.${index}`));
        const { idempotencyKey, phone, ...rest } = i;
        const appended = await service.recordConsent(
          {
            ...rest,
            eventId: idempotencyKey ? `grant:${idempotencyKey}` : randomUUID(),
            e164: phone,
            source: i.evidence.source,
            evidence: { ...i.evidence },
          },
          ctx.identity,
        );
        return consentRecord(appended, phone, 'GRANT', i.occurredAt);
      },
      async revokeConsent(_: unknown, args: { input: unknown }, ctx: ConsentContext) {
        requireRole(ctx.identity, OPERATORS, 'revokeConsent');
        const i = parse(inputs.revokeConsent, args.input, 'input');
        // The seller named, else the one of the call's decision, else the caller's own; a
        // revocation for every seller (asked for, or no seller known) needs the every-seller scope.
        const seller =
          i.seller != null
            ? actingSeller(ctx.identity, i.seller, 'input.seller')
            : ((i.decisionId ? await service.sellerOfDecision(i.decisionId) : null) ??
              (i.scope === 'ALL_SELLERS' ? null : sellerScopeOf(ctx.identity).home));
        if (seller !== null)
          requireActFor(ctx.identity, seller, i.seller != null ? 'input.seller' : 'input.decisionId');
        if (i.scope === 'ALL_SELLERS' || seller === null) requireActFor(ctx.identity, null, 'input.scope');
        const { appended } = await service.revokeConsent(
          {
            eventId: i.idempotencyKey ? `revoke:${i.idempotencyKey}` : randomUUID(),
            e164: i.phone,
            occurredAt: i.occurredAt,
            source: i.source,
            channel: i.channel,
            scope: i.scope,
            seller,
            decisionId: i.decisionId,
          },
          ctx.identity,
        );
        return consentRecord(appended, i.phone, 'REVOCATION', i.occurredAt);
      },
      async recordRelationship(_: unknown, args: { input: unknown }, ctx: ConsentContext) {
        requireRole(ctx.identity, OPERATORS, 'recordRelationship');
        const i = parse(inputs.recordRelationship, args.input, 'input');
        requireActFor(ctx.identity, i.seller, 'input.seller');
        await addRelationship(db, {
          e164: i.phone,
          seller: i.seller,
          kind: i.kind,
          occurredAt: i.occurredAt,
          source: i.source,
        });
        audit.write(
          auditRecord('RELATIONSHIP_RECORDED', ctx.identity, {
            seller: i.seller,
            e164: i.phone,
            detail: { kind: i.kind },
          }),
        );
        return { phone: i.phone, seller: i.seller, kind: i.kind, occurredAt: i.occurredAt.toISOString() };
      },
      async checkReassignedNumber(_: unknown, args: unknown, ctx: ConsentContext) {
        requireRole(ctx.identity, DATA_ADMINS, 'checkReassignedNumber');
        const a = parse(inputs.checkReassignedNumber, args, '');
        try {
          return reassignedCheck(a.phone, await service.checkReassigned(a.phone, a.consentDate, ctx.identity));
        } catch (error) {
          throw dialplaneError(
            ErrorCode.COMPLIANCE_DATA_UNAVAILABLE,
            'the Reassigned Numbers Database did not answer',
            { cause: error instanceof Error ? error.message : String(error) },
          );
        }
      },
      async recordReassignedResults(_: unknown, args: { results: unknown }, ctx: ConsentContext) {
        requireRole(ctx.identity, DATA_ADMINS, 'recordReassignedResults');
        const results = parse(inputs.recordReassignedResults, args.results, 'results');
        const now = service.now();
        const rows = results.map((r) => ({
          e164: r.phone,
          answer: { result: r.result, consentDate: r.consentDate, checkedAt: r.checkedAt ?? now, version: r.version },
        }));
        await service.recordReassignedResults(rows, ctx.identity);
        return rows.map((r) => reassignedCheck(r.e164, r.answer));
      },
      async addInternalDnc(_: unknown, args: { input: unknown }, ctx: ConsentContext) {
        requireRole(ctx.identity, OPERATORS, 'addInternalDnc');
        const i = parse(inputs.addInternalDnc, args.input, 'input');
        // Default scope: the caller's own seller, or every seller for a caller that acts for all.
        const own = sellerScopeOf(ctx.identity);
        const scope = i.scope ?? (own.all || !own.home ? 'ALL' : 'SELLER');
        const seller = scope === 'ALL' ? null : actingSeller(ctx.identity, i.seller, 'input.seller');
        if (scope === 'SELLER' && !seller) throw badUserInput('input.seller', 'required for scope SELLER');
        requireActFor(ctx.identity, seller, seller === null ? 'input.scope' : 'input.seller');
        const addedAt = i.occurredAt ?? service.now();
        const out = await service.addInternalDnc(
          {
            eventId: i.idempotencyKey ? `dnc:${i.idempotencyKey}` : null,
            e164: i.phone,
            scope,
            seller,
            source: i.source,
            addedAt,
          },
          ctx.identity,
        );
        return {
          id: String(out.entry.id),
          phone: i.phone,
          scope,
          seller,
          addedAt: addedAt.toISOString(),
          revocation: out.appended ? consentRecord(out.appended, i.phone, 'REVOCATION', addedAt) : null,
        };
      },
    },
    Subscription: {
      consentRevoked: {
        subscribe(_: unknown, args: { phones?: string[] | null; after?: string | null }, ctx: ConsentContext) {
          requireRole(ctx.identity, OPERATORS, 'consentRevoked');
          const phones = parse(inputs.phones, args.phones, 'phones');
          const after = parse(inputs.cursor, args.after, 'after');
          audit.write(
            auditRecord('REVOCATIONS_READ', ctx.identity, {
              e164: phones?.length === 1 ? phones[0]! : null,
              detail: { subscription: true, after: after ?? null, phones: phones?.length ?? null },
            }),
          );
          const identity = ctx.identity;
          return hub.subscribe(phones ? new Set(phones) : null, after ?? null, (entry) =>
            maySee(identity, entry.seller),
          );
        },
        resolve: (entry: RevocationEntry) => revocation(entry),
      },
    },
    Contact: {
      async callPermission(
        contact: RequiredContact,
        args: { purpose: unknown; at?: unknown; seller?: unknown },
        ctx: ConsentContext,
      ) {
        requireRole(ctx.identity, OPERATORS, 'callPermission');
        const a = parse(contactDecisionArgs, args, '');
        const phones = contact.phones ?? null;
        const chosen = contact.primaryPhone ?? phones?.find((p) => p.valid && p.e164)?.e164 ?? null;
        // No phone fields at all means the CRM did not answer them: fail closed, not "invalid number".
        const crmMissing = contact.primaryPhone == null && phones == null;
        // A null flag means the CRM could not tell (e.g. the field drifted): fail closed.
        const doNotCall = contact.suppression?.doNotCall;
        const unavailable = [
          ...(crmMissing ? ['crm'] : []),
          ...(doNotCall == null ? ['crm.suppression.doNotCall'] : []),
        ];
        const result = await service.decide(
          {
            phone: chosen ?? '',
            purpose: a.purpose,
            seller: actingSeller(ctx.identity, a.seller, 'seller'),
            at: a.at,
            statedZone: contact.timeZone ?? null,
            location: contact.location ?? null,
            deal: contact.openDeal ? { closed: contact.openDeal.closed ?? null } : null,
            crmDoNotCall: doNotCall ?? undefined,
            unavailable: unavailable.length > 0 ? unavailable : undefined,
          },
          ctx.identity,
        );
        return permission(result);
      },
    },
  };
}
