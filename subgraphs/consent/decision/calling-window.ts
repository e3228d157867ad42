import type { CompliancePolicy } from '../policy/index.js';
import type { DenyCode } from './types.js';
import { addDays, localTime, parseHhmm, zonedInstant } from './zoned-time.js';

/**
 * C1-C3: the callee may be in any candidate zone and is subject to every applicable state's rules,
 * so the call must be inside the federal window and every state window in every zone (the
 * intersection; for split area codes: latest start, earliest end), and no zone's local day may be
 * a restricted day of an applicable state.
 */
export interface WindowRules {
  zones: string[];
  federal: { start: number; end: number };
  /** The strictest state window (latest start, earliest end); null when no state narrows it. */
  state: { start: number; end: number } | null;
  noSunday: boolean;
  /** Holiday dates of the applicable no-holiday states, and the years those lists cover. */
  holidays: Set<string> | null;
  holidayYears: Set<number>;
}

export function windowRules(zones: string[], states: string[], policy: CompliancePolicy): WindowRules {
  const federal = { start: parseHhmm(policy.federalWindow.start), end: parseHhmm(policy.federalWindow.end) };
  let state: WindowRules['state'] = null;
  let noSunday = false;
  let holidays: Set<string> | null = null;
  for (const code of states) {
    const rule = policy.states[code];
    if (!rule) continue;
    if (rule.window) {
      const start = parseHhmm(rule.window.start);
      const end = parseHhmm(rule.window.end);
      state = state ? { start: Math.max(state.start, start), end: Math.min(state.end, end) } : { start, end };
    }
    if (rule.noSunday) noSunday = true;
    if (rule.noHolidays) {
      holidays ??= new Set();
      for (const d of policy.holidays[code] ?? []) holidays.add(d);
    }
  }
  return { zones, federal, state, noSunday, holidays, holidayYears: new Set(policy.holidayYears) };
}

/** The hour and day codes that deny a call at `at`. */
export function windowReasons(at: Date, rules: WindowRules): DenyCode[] {
  const out = new Set<DenyCode>();
  for (const zone of rules.zones) {
    const local = localTime(zone, at);
    if (local.minutes < rules.federal.start || local.minutes >= rules.federal.end) out.add('OUTSIDE_CALLING_HOURS');
    if (rules.state && (local.minutes < rules.state.start || local.minutes >= rules.state.end))
      out.add('OUTSIDE_STATE_HOURS');
    if (rules.noSunday && local.weekday === 0) out.add('STATE_DAY_RESTRICTED');
    if (rules.holidays) {
      // A year the holiday list does not cover cannot be cleared: fail closed.
      const year = Number(local.date.slice(0, 4));
      if (!rules.holidayYears.has(year) || rules.holidays.has(local.date)) out.add('STATE_DAY_RESTRICTED');
    }
  }
  return [...out];
}

/**
 * Instants worth testing as the next allowed time: each zone's window opening on the coming days
 * (DST-correct through zonedInstant) plus caller-supplied instants such as cap expiries.
 */
export function candidateInstants(at: Date, rules: WindowRules, extra: Date[], days = 9): Date[] {
  const start = Math.max(rules.federal.start, rules.state?.start ?? 0);
  const out: Date[] = [at, ...extra.filter((d) => d > at)];
  for (const zone of rules.zones) {
    const today = localTime(zone, at).date;
    for (let i = 0; i <= days; i++) {
      const instant = zonedInstant(zone, addDays(today, i), start);
      if (instant > at) out.push(instant);
    }
  }
  return out.sort((a, b) => a.getTime() - b.getTime());
}
