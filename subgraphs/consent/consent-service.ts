import { randomUUID } from 'node:crypto';
import type { Database } from '../../shared/db.js';
import type { EventBus } from '../../shared/events.js';
import type { Identity } from '../../shared/identity.js';
import { errorForLog, logError, type Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { normalizePhone } from '../../shared/phone.js';
import { SpanAttr, tracingActive, withSpan } from '../../shared/tracing.js';
import { evaluate } from './decision/evaluate.js';
import type { Decision, DecisionFacts, GrantEvent, ReassignedFacts } from './decision/types.js';
import { calleeGeo, type CrmLocation } from './mapping/callee-geo.js';
import type { AreaCodeZoneTable, CallPurpose, CompliancePolicy } from './policy/index.js';
import type { ReassignedNumberChecker } from './reassigned/checker.js';
import type { RevocationHub } from './revocation-hub.js';
import { attemptsSince, insertAttempt, lockNumber } from './store/attempts.js';
import { appendAudit, type AuditRecord, type AuditWriter } from './store/audit.js';
import { createFactsReader, insertReassignedCheck, loadStoredFacts, type StoredFacts } from './store/facts.js';
import type { FactsSnapshot } from './store/facts-snapshot.js';
import {
  appendGrant,
  appendRevocation,
  type Appended,
  type GrantRecord,
  type RevocationRecord,
} from './store/ledger.js';
import { addInternalDnc, type InternalDncRecord } from './store/suppression.js';

/**
 * The consent service: loads the facts a decision needs, runs the pure decision, reserves attempts
 * and writes the audit log. Failure policy: fail closed. Any fact that cannot be read becomes
 * `null` and the decision denies with COMPLIANCE_DATA_UNAVAILABLE; no exception reaches the caller
 * from a decision.
 */

export interface DecideRequest {
  phone: string;
  purpose: CallPurpose;
  seller: string | null;
  at?: Date | null;
  subject?: string | null;
  location?: CrmLocation | null;
  statedZone?: string | null;
  deal?: { closed: boolean | null } | null;
  crmDoNotCall?: boolean;
  phiFields?: string[] | null;
  /** Sources that failed upstream (e.g. the CRM facts of Contact.callPermission). */
  unavailable?: string[];
}

export interface DecisionResult {
  decision: Decision;
  decisionId: string;
  e164: string | null;
  reservation: { attemptId: string; reservedAt: Date } | null;
  /** Decided for a client-chosen instant (a scheduler's what-if), not for now: never reserves. */
  hypothetical?: boolean;
}

export interface ConsentServiceDeps {
  db: Database;
  policy: CompliancePolicy;
  checker: ReassignedNumberChecker;
  bus: EventBus;
  hub: RevocationHub;
  audit: AuditWriter;
  log: Logger;
  metrics: Metrics;
  /** Stored facts kept between decisions (store/facts-snapshot.ts); absent: every decision reads. */
  snapshot?: FactsSnapshot;
  now?: () => Date;
  /** Split-zone area-code table (C3). @default currentAreaCodeZones */
  areaCodeZones?: AreaCodeZoneTable;
}

const HOUR_MS = 3_600_000;

/**
 * normalizePhone is a pure function of its input and libphonenumber's parse costs ~65 µs: the same
 * numbers are asked about again and again (every decision of a call), so answers are kept in a
 * bounded map (dropped whole when full). The answers are frozen: shared, never mutated.
 */
const PHONE_CACHE_MAX = 10_000;
const phoneCache = new Map<string, ReturnType<typeof normalizePhone>>();
function normalizedPhone(raw: string): ReturnType<typeof normalizePhone> {
  let hit = phoneCache.get(raw);
  if (hit === undefined) {
    hit = normalizePhone(raw);
    if (hit) Object.freeze(hit);
    if (phoneCache.size >= PHONE_CACHE_MAX) phoneCache.clear();
    phoneCache.set(raw, hit);
  }
  return hit;
}

export function createConsentService(deps: ConsentServiceDeps) {
  const { db, policy, checker, bus, hub, audit, log, metrics, snapshot } = deps;
  const now = deps.now ?? (() => new Date());
  const decisionSeconds = metrics.histogram(
    'dialplane_consent_decision_seconds',
    'Call-permission decision latency (facts + rules)',
    ['kind', 'allowed'],
  );
  const denials = metrics.counter('dialplane_consent_deny_reasons_total', 'Deny reasons returned', ['reason']);
  const failures = metrics.counter(
    'dialplane_consent_fact_failures_total',
    'Facts that could not be read (decision failed closed)',
    ['fact'],
  );

  // The longest window any cap counts over: attempts older than this never matter.
  const longestCapMs =
    Math.max(
      ...policy.healthcare.caps.map((c) => c.windowHours),
      ...Object.values(policy.states).map((s) => s.cap?.windowHours ?? 0),
    ) * HOUR_MS;

  const readFacts = createFactsReader(db);
  const actorOf = (identity: Identity) => ({ actor: identity.sub, role: identity.roles.join(',') });

  /** Facts for a decision, each independently fail-closed. */
  /** Answers kept per consent date, for withReassigned (keyed by the facts object of one decision). */
  const keptAnswers = new WeakMap<DecisionFacts, ReassignedFacts[]>();

  async function gather(
    req: DecideRequest,
    at: Date,
    evaluatedAt: Date,
  ): Promise<{ facts: DecisionFacts; stored: StoredFacts | null }> {
    const phone = normalizedPhone(req.phone);
    const e164 = phone?.valid ? phone.e164 : null;
    const facts: DecisionFacts = {
      at,
      evaluatedAt,
      purpose: req.purpose,
      seller: req.seller,
      subject: req.subject ?? req.purpose,
      phone: { e164, country: phone?.country ?? null, valid: !!phone?.valid },
      geo: null,
      ledger: null,
      suppression: null,
      reassigned: null,
      attempts: null,
      deal: req.deal,
      crmDoNotCall: req.crmDoNotCall,
      phiFields: req.phiFields ?? undefined,
      unavailable: req.unavailable,
    };
    if (!e164 || !phone?.country || !policy.supportedCountries.includes(phone.country)) return { facts, stored: null };
    try {
      facts.geo = calleeGeo(e164, req.location, req.statedZone, deps.areaCodeZones);
    } catch (error) {
      failures.inc({ fact: 'geo' });
      logError(log, error, 'phone geo lookup failed');
    }
    let stored: StoredFacts | null = null;
    try {
      const since = new Date(Math.min(at.getTime(), evaluatedAt.getTime()) - longestCapMs);
      stored = snapshot ? await snapshot.read(e164, since, () => readFacts(e164, since)) : await readFacts(e164, since);
      facts.ledger = stored.ledger;
      facts.suppression = stored.suppression;
      facts.attempts = stored.attempts;
      facts.reassigned = stored.reassigned;
      keptAnswers.set(facts, stored.reassignedByConsentDate);
    } catch (error) {
      failures.inc({ fact: 'store' });
      logError(log, error, 'consent facts unreadable: failing closed');
    }
    return { facts, stored };
  }

  /**
   * E1 needs the date of the consent the call relies on, which only the decision knows: decide
   * once, and when the stored reassigned-number answer does not fit that date (or is too old),
   * ask the checker and decide again.
   */
  async function withReassigned(facts: DecisionFacts): Promise<Decision> {
    let decision = evaluate(facts, policy);
    const seq = decision.evidence.grantSeq;
    if (seq === null || !facts.ledger || !facts.phone.e164) return decision;
    const grant = facts.ledger.find((e): e is GrantEvent => e.kind === 'GRANT' && e.seq === seq);
    if (!grant) return decision;
    const isFresh = (r: ReassignedFacts | null | undefined): r is ReassignedFacts =>
      !!r &&
      r.consentDate.getTime() === grant.occurredAt.getTime() &&
      facts.evaluatedAt.getTime() - r.checkedAt.getTime() <= policy.reassigned.maxAgeDays * 24 * HOUR_MS;
    if (isFresh(facts.reassigned)) return decision;
    // An answer kept for this (number, consent date): no need to ask the database again.
    const kept = keptAnswers.get(facts)?.find(isFresh);
    facts.reassigned = kept ?? (await askReassigned(facts.phone.e164, grant.occurredAt));
    decision = evaluate(facts, policy);
    return decision;
  }

  /** Asks the RND and keeps the answer per (number, consent date); null (fail closed) when it cannot answer. */
  async function askReassigned(e164: string, consentDate: Date): Promise<ReassignedFacts | null> {
    try {
      const answer = await checker.check(e164, consentDate);
      if (checker.cacheable !== false) {
        await insertReassignedCheck(db, e164, answer).catch((error: unknown) =>
          log.warn({ err: errorForLog(error) }, 'reassigned check not cached'),
        );
      }
      return answer;
    } catch (error) {
      failures.inc({ fact: 'reassigned' });
      logError(log, error, 'reassigned-number check failed: failing closed', { checker: checker.name });
      return null;
    }
  }

  /** checkReassignedNumber: asks the database now (admin), whatever is kept. */
  async function checkReassigned(e164: string, consentDate: Date, identity: Identity): Promise<ReassignedFacts> {
    const answer = await checker.check(e164, consentDate);
    if (checker.cacheable !== false) await insertReassignedCheck(db, e164, answer);
    audit.write({
      action: 'REASSIGNED_RECORDED',
      ...actorOf(identity),
      seller: null,
      purpose: null,
      e164,
      decisionId: null,
      allowed: null,
      reasons: null,
      detail: { result: answer.result, version: answer.version, source: checker.name },
    });
    return answer;
  }

  /** recordReassignedResults: answers from a bulk RND result file, kept like live answers. */
  async function recordReassignedResults(
    results: { e164: string; answer: ReassignedFacts }[],
    identity: Identity,
  ): Promise<void> {
    await db.transaction(async (tx) => {
      for (const r of results) await insertReassignedCheck(tx, r.e164, r.answer);
      await appendAudit(tx, [
        {
          action: 'REASSIGNED_RECORDED',
          ...actorOf(identity),
          seller: null,
          purpose: null,
          e164: results.length === 1 ? results[0]!.e164 : null,
          decisionId: null,
          allowed: null,
          reasons: null,
          detail: { results: results.length, source: 'bulk' },
        },
      ]);
    });
  }

  function auditRecord(
    action: AuditRecord['action'],
    identity: Identity,
    req: DecideRequest,
    result: DecisionResult,
  ): AuditRecord {
    const d = result.decision;
    return {
      action,
      ...actorOf(identity),
      seller: req.seller,
      purpose: req.purpose,
      e164: result.e164,
      decisionId: result.decisionId,
      allowed: d.allowed,
      reasons: d.reasons,
      detail: {
        policyVersion: d.policyVersion,
        at: (req.at ?? d.evaluatedAt).toISOString(),
        hypothetical: !!result.hypothetical,
        evidence: d.evidence,
        reserved: !!result.reservation,
      },
    };
  }

  function observe(kind: string, started: bigint, decision: Decision): void {
    decisionSeconds.observe(
      { kind, allowed: String(decision.allowed) },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    for (const r of decision.reasons) denials.inc({ reason: r });
  }

  /** callPermission / Contact.callPermission: the decision, audited (batched), no reservation. */
  async function decide(req: DecideRequest, identity: Identity): Promise<DecisionResult> {
    const started = process.hrtime.bigint();
    const evaluatedAt = now();
    const at = req.at ?? evaluatedAt;
    const hypothetical = req.at != null;
    let result: DecisionResult;
    try {
      if (audit.failing) {
        // The audit log is not taking rows: no decision may be handed out that cannot be audited.
        failures.inc({ fact: 'audit' });
        const phone = normalizedPhone(req.phone);
        result = {
          decision: unavailable(evaluatedAt),
          decisionId: randomUUID(),
          e164: phone?.valid ? phone.e164 : null,
          reservation: null,
          hypothetical,
        };
      } else {
        const { facts } = await gather(req, at, evaluatedAt);
        const decision = await withReassigned(facts);
        result = { decision, decisionId: randomUUID(), e164: facts.phone.e164, reservation: null, hypothetical };
      }
    } catch (error) {
      logError(log, error, 'decision failed: failing closed');
      result = {
        decision: unavailable(evaluatedAt),
        decisionId: randomUUID(),
        e164: null,
        reservation: null,
        hypothetical,
      };
    }
    audit.write(auditRecord('DECISION', identity, req, result));
    observe('query', started, result.decision);
    return result;
  }

  /**
   * authorizeCall: the decision re-made inside one transaction that holds the number's advisory
   * lock, with the facts re-read under it, so two agents racing for the last slot under a cap
   * serialize and exactly one reserves it. The audit row commits with the reservation.
   * Server-owned time: the decision, the caps and the reservation use the server clock only
   * (`req.at` is ignored; the API refuses one that is not now).
   */
  async function authorize(req: DecideRequest, identity: Identity): Promise<DecisionResult> {
    const started = process.hrtime.bigint();
    const evaluatedAt = now();
    const at = evaluatedAt;
    req = { ...req, at: null };
    const decisionId = randomUUID();
    let result: DecisionResult;
    try {
      // Outside the lock: anything slow (the reassigned-number database).
      const { facts } = await gather(req, at, evaluatedAt);
      const first = await withReassigned(facts);
      const e164 = facts.phone.e164;
      if (!e164 || facts.ledger === null) {
        result = { decision: first, decisionId, e164, reservation: null };
        await appendAudit(db, [auditRecord('AUTHORIZE', identity, req, result)]);
      } else {
        result = await db.transaction(async (tx) => {
          await lockNumber(tx, e164);
          const fresh = await loadStoredFacts(
            tx,
            e164,
            new Date(Math.min(at.getTime(), evaluatedAt.getTime()) - longestCapMs),
          );
          const decision = evaluate(
            { ...facts, ledger: fresh.ledger, suppression: fresh.suppression, attempts: fresh.attempts },
            policy,
          );
          let reservation: DecisionResult['reservation'] = null;
          if (decision.allowed) {
            const attemptId = await insertAttempt(tx, {
              decisionId,
              e164,
              seller: req.seller ?? identity.sub,
              purpose: req.purpose,
              subject: req.subject ?? req.purpose,
              attemptedAt: at,
            });
            reservation = { attemptId: String(attemptId), reservedAt: evaluatedAt };
          }
          const r: DecisionResult = { decision, decisionId, e164, reservation };
          await appendAudit(tx, [auditRecord('AUTHORIZE', identity, req, r)]);
          return r;
        });
      }
    } catch (error) {
      failures.inc({ fact: 'reservation' });
      logError(log, error, 'authorizeCall failed: failing closed');
      result = { decision: unavailable(evaluatedAt), decisionId, e164: null, reservation: null };
      audit.write(auditRecord('AUTHORIZE', identity, req, result));
    }
    observe('authorize', started, result.decision);
    return result;
  }

  function unavailable(evaluatedAt: Date): Decision {
    return {
      allowed: false,
      reasons: ['COMPLIANCE_DATA_UNAVAILABLE'],
      obligations: [],
      nextAllowedAt: null,
      evaluatedAt,
      policyVersion: policy.version,
      consent: null,
      evidence: {
        zones: [],
        states: [],
        zoneData: null,
        grantSeq: null,
        revocationSeq: null,
        nationalDncSyncedAt: null,
        suppressionLists: [],
        reassigned: null,
        attemptsCounted: 0,
        exemption: null,
      },
    };
  }

  async function announce(appended: Appended, r: RevocationRecord): Promise<void> {
    if (!appended.inserted) return;
    hub.poke();
    try {
      await bus.publish('consent.revoked', {
        eventId: r.eventId,
        phone: r.e164,
        revokedAt: r.occurredAt.toISOString(),
        channel: r.channel,
        source: r.source,
        cursor: String(appended.seq),
      });
    } catch (error) {
      // Durable already; other replicas pick it up on their next ledger poll.
      logError(log, error, 'consent.revoked publish failed', { seq: appended.seq });
    }
  }

  async function recordConsent(g: Omit<GrantRecord, 'actor'>, identity: Identity): Promise<Appended> {
    const appended = await db.transaction(async (tx) => {
      const a = await appendGrant(tx, { ...g, actor: identity.sub });
      if (a.inserted) {
        await appendAudit(tx, [
          {
            action: 'CONSENT_RECORDED',
            ...actorOf(identity),
            seller: g.sellers.join(','),
            purpose: g.purposes.join(','),
            e164: g.e164,
            decisionId: null,
            allowed: null,
            reasons: null,
            detail: { seq: a.seq, consentType: g.consentType },
          },
        ]);
      }
      return a;
    });
    return appended;
  }

  /** The seller of an earlier decision (an opt-out reported with the call's decision id). */
  async function sellerOfDecision(decisionId: string): Promise<string | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(decisionId)) return null;
    // The decision's row may still be queued in the batched writer: write it first.
    await audit.flush();
    const r = await db.query<{ seller: string | null }>(
      'SELECT seller FROM consent_audit WHERE decision_id = $1 AND seller IS NOT NULL LIMIT 1',
      [decisionId],
    );
    return r.rows[0]?.seller ?? null;
  }

  async function revokeConsent(
    r: Omit<RevocationRecord, 'actor' | 'scope' | 'seller'> & {
      scope?: RevocationRecord['scope'] | null;
      seller?: string | null;
      decisionId?: string | null;
    },
    identity: Identity,
  ): Promise<{ appended: Appended; record: RevocationRecord }> {
    const seller = r.seller ?? (r.decisionId ? await sellerOfDecision(r.decisionId) : null);
    // B3: a known seller -> the whole seller; unknown -> every seller (never narrower than we can prove).
    const scope = r.scope ?? (seller ? 'SELLER' : 'ALL_SELLERS');
    const record: RevocationRecord = { ...r, actor: identity.sub, scope, seller: scope === 'SELLER' ? seller : null };
    if (scope === 'SELLER' && !seller) record.scope = 'ALL_SELLERS';
    const appended = await db.transaction(async (tx) => {
      const a = await appendRevocation(tx, record);
      if (a.inserted) {
        await appendAudit(tx, [
          {
            action: 'CONSENT_REVOKED',
            ...actorOf(identity),
            seller: record.seller,
            purpose: null,
            e164: r.e164,
            decisionId: r.decisionId ?? null,
            allowed: null,
            reasons: null,
            detail: { seq: a.seq, channel: r.channel, scope: record.scope },
          },
        ]);
      }
      return a;
    });
    await announce(appended, record);
    return { appended, record };
  }

  async function addDnc(
    d: Omit<InternalDncRecord, 'actor'> & { channel?: RevocationRecord['channel'] },
    identity: Identity,
  ) {
    const { channel: _channel, ...rest } = d;
    const record: InternalDncRecord = { ...rest, actor: identity.sub };
    let revocation: RevocationRecord | null = null;
    const out = await db.transaction(async (tx) => {
      const entry = await addInternalDnc(tx, record, policy);
      let appended: Appended | null = null;
      // B3: a do-not-call request revokes consent too.
      if (d.scope !== 'HEALTHCARE_VOICE') {
        revocation = {
          eventId: d.eventId ? `dnc:${d.eventId}` : randomUUID(),
          e164: d.e164,
          occurredAt: d.addedAt,
          source: d.source,
          actor: identity.sub,
          channel: d.channel ?? 'DNC_REQUEST',
          scope: d.scope === 'SELLER' ? 'SELLER' : 'ALL_SELLERS',
          seller: d.scope === 'SELLER' ? d.seller : null,
        };
        appended = await appendRevocation(tx, revocation);
      }
      if (entry.inserted) {
        await appendAudit(tx, [
          {
            action: 'INTERNAL_DNC_ADDED',
            ...actorOf(identity),
            seller: d.seller,
            purpose: null,
            e164: d.e164,
            decisionId: null,
            allowed: null,
            reasons: null,
            detail: { id: entry.id, scope: d.scope, seq: appended?.seq ?? null },
          },
        ]);
      }
      return { entry, appended };
    });
    if (out.appended && revocation) await announce(out.appended, revocation);
    return { ...out, revocation: revocation as RevocationRecord | null };
  }

  /** The decision as a span (tracing on): its id, whether it allowed the call, why not; never the number. */
  const traced =
    (name: string, run: (req: DecideRequest, identity: Identity) => Promise<DecisionResult>) =>
    (req: DecideRequest, identity: Identity): Promise<DecisionResult> => {
      if (!tracingActive()) return run(req, identity);
      return withSpan(
        name,
        { attributes: { 'dialplane.call.purpose': req.purpose, 'dialplane.decision.hypothetical': req.at != null } },
        async (span) => {
          const result = await run(req, identity);
          span?.setAttributes({
            [SpanAttr.decisionId]: result.decisionId,
            [SpanAttr.decisionAllowed]: result.decision.allowed,
            [SpanAttr.decisionReasons]: [...result.decision.reasons],
            [SpanAttr.policyVersion]: result.decision.policyVersion,
          });
          return result;
        },
      );
    };

  return {
    decide: traced('consent.callPermission', decide),
    authorize: traced('consent.authorizeCall', authorize),
    recordConsent,
    revokeConsent,
    addInternalDnc: addDnc,
    sellerOfDecision,
    checkReassigned,
    recordReassignedResults,
    policy,
    now,
  };
}
export type ConsentService = ReturnType<typeof createConsentService>;

// Re-exported for tests that seed attempts directly.
export { attemptsSince };
