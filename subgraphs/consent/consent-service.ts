import { randomUUID } from 'node:crypto';
import type { Identity } from '../../shared/identity.js';
import { errorForLog, logError } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { normalizePhone } from '../../shared/phone.js';
import { SpanAttr, tracingActive, withSpan } from '../../shared/tracing.js';
import {
  attemptsWindowStart,
  decisionAudit,
  longestCapMs,
  planFacts,
  reassignedStep,
  reservationFor,
  unavailableDecision,
  type DecideRequest,
  type DecisionResult,
} from './consent-plan.js';
import { createConsentWrites, type ConsentWritesDeps } from './consent-writes.js';
import { evaluate } from './decision/evaluate.js';
import type { Decision, DecisionFacts, ReassignedFacts } from './decision/types.js';
import { calleeGeo } from './mapping/callee-geo.js';
import type { AreaCodeZoneTable } from './policy/index.js';
import { attemptsSince, insertAttempt, lockNumber } from './store/attempts.js';
import { appendAudit } from './store/audit.js';
import { createFactsReader, insertReassignedCheck, loadStoredFacts } from './store/facts.js';
import type { FactsSnapshot } from './store/facts-snapshot.js';

/**
 * The consent service executes what consent-plan.ts decides: loads the facts a decision needs,
 * runs the pure decision (decision/), reserves attempts and audits every decision; grants,
 * revocations, internal DNC entries and reassigned-number answers are written by consent-writes.ts.
 * Failure policy: fail closed. Any fact that cannot be read becomes `null` and the decision denies
 * with COMPLIANCE_DATA_UNAVAILABLE; no exception reaches the caller from a decision.
 */

export type { DecideRequest, DecisionResult };

/** What the decisions need besides what the writes need. */
export interface ConsentServiceDeps extends ConsentWritesDeps {
  metrics: Metrics;
  /** Stored facts kept between decisions (store/facts-snapshot.ts); absent: every decision reads. */
  snapshot?: FactsSnapshot;
  now?: () => Date;
  /** Split-zone area-code table (C3). @default currentAreaCodeZones */
  areaCodeZones?: AreaCodeZoneTable;
}

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
  const { db, policy, checker, audit, log, metrics, snapshot } = deps;
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
  const capMs = longestCapMs(policy);
  const readFacts = createFactsReader(db);
  /** Answers kept per consent date, for withReassigned (keyed by the facts object of one decision). */
  const keptAnswers = new WeakMap<DecisionFacts, ReassignedFacts[]>();

  /** Facts for a decision, each independently fail-closed. */
  async function gather(req: DecideRequest, at: Date, evaluatedAt: Date): Promise<DecisionFacts> {
    const { facts, read } = planFacts(req, normalizedPhone(req.phone), at, evaluatedAt, policy, capMs);
    if (!read) return facts;
    try {
      facts.geo = calleeGeo(read.e164, req.location, req.statedZone, deps.areaCodeZones);
    } catch (error) {
      failures.inc({ fact: 'geo' });
      logError(log, error, 'phone geo lookup failed');
    }
    try {
      const { e164, since } = read;
      const stored = snapshot
        ? await snapshot.read(e164, since, () => readFacts(e164, since))
        : await readFacts(e164, since);
      facts.ledger = stored.ledger;
      facts.suppression = stored.suppression;
      facts.attempts = stored.attempts;
      facts.reassigned = stored.reassigned;
      keptAnswers.set(facts, stored.reassignedByConsentDate);
    } catch (error) {
      failures.inc({ fact: 'store' });
      logError(log, error, 'consent facts unreadable: failing closed');
    }
    return facts;
  }

  /** Decides; when the reassigned-number answer does not fit the consent relied on, gets one and decides again. */
  async function withReassigned(facts: DecisionFacts): Promise<Decision> {
    const first = evaluate(facts, policy);
    const next = reassignedStep(facts, first, policy, keptAnswers.get(facts));
    if (next.step === 'final') return first;
    facts.reassigned = next.step === 'kept' ? next.answer : await askReassigned(next.e164, next.consentDate);
    return evaluate(facts, policy);
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
          decision: unavailableDecision(policy, evaluatedAt),
          decisionId: randomUUID(),
          e164: phone?.valid ? phone.e164 : null,
          reservation: null,
          hypothetical,
        };
      } else {
        const facts = await gather(req, at, evaluatedAt);
        const decision = await withReassigned(facts);
        result = { decision, decisionId: randomUUID(), e164: facts.phone.e164, reservation: null, hypothetical };
      }
    } catch (error) {
      logError(log, error, 'decision failed: failing closed');
      result = {
        decision: unavailableDecision(policy, evaluatedAt),
        decisionId: randomUUID(),
        e164: null,
        reservation: null,
        hypothetical,
      };
    }
    audit.write(decisionAudit('DECISION', identity, req, result));
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
      const facts = await gather(req, at, evaluatedAt);
      const first = await withReassigned(facts);
      const e164 = facts.phone.e164;
      if (!e164 || facts.ledger === null) {
        result = { decision: first, decisionId, e164, reservation: null };
        await appendAudit(db, [decisionAudit('AUTHORIZE', identity, req, result)]);
      } else {
        result = await db.transaction(async (tx) => {
          await lockNumber(tx, e164);
          const fresh = await loadStoredFacts(tx, e164, attemptsWindowStart(at, evaluatedAt, capMs));
          const decision = evaluate(
            { ...facts, ledger: fresh.ledger, suppression: fresh.suppression, attempts: fresh.attempts },
            policy,
          );
          const attempt = reservationFor(decision, req, identity, { decisionId, e164 }, at);
          const reservation = attempt
            ? { attemptId: String(await insertAttempt(tx, attempt)), reservedAt: evaluatedAt }
            : null;
          const r: DecisionResult = { decision, decisionId, e164, reservation };
          await appendAudit(tx, [decisionAudit('AUTHORIZE', identity, req, r)]);
          return r;
        });
      }
    } catch (error) {
      failures.inc({ fact: 'reservation' });
      logError(log, error, 'authorizeCall failed: failing closed');
      result = { decision: unavailableDecision(policy, evaluatedAt), decisionId, e164: null, reservation: null };
      audit.write(decisionAudit('AUTHORIZE', identity, req, result));
    }
    observe('authorize', started, result.decision);
    return result;
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
    ...createConsentWrites(deps),
    policy,
    now,
  };
}
export type ConsentService = ReturnType<typeof createConsentService>;

// Re-exported for tests that seed attempts directly.
export { attemptsSince };
