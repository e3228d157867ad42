import { describe, expect, it } from 'vitest';
import { localTime, zonedInstant } from '../../subgraphs/consent/decision/zoned-time.js';

// localTime keeps formatToParts answers per (zone, second) (issue 17). The answers must equal a
// fresh Intl computation for every millisecond of a second, across DST jumps, on repeats.
function fresh(zone: string, at: number) {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
  });
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    minutes: Number(p.hour) * 60 + Number(p.minute),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday!),
  };
}

describe('localTime (remembered per zone and second)', () => {
  it('equals a fresh computation at every probe, first time and repeated', () => {
    const zones = [
      'America/New_York',
      'America/Los_Angeles',
      'America/Phoenix',
      'Pacific/Honolulu',
      'America/Chicago',
      'Asia/Kolkata',
    ];
    // Around the US spring-forward and fall-back instants of 2026, and midnight UTC.
    const anchors = [
      Date.parse('2026-03-08T06:59:59.000Z'),
      Date.parse('2026-03-08T07:00:00.000Z'),
      Date.parse('2026-11-01T05:59:59.500Z'),
      Date.parse('2026-11-01T06:00:00.000Z'),
      Date.parse('2026-12-31T23:59:59.999Z'),
    ];
    for (let round = 0; round < 2; round++) {
      for (const zone of zones) {
        for (const anchor of anchors) {
          for (const ms of [0, 1, 499, 998, 999, 1000, 60_000]) {
            expect(localTime(zone, anchor + ms), `${zone} ${new Date(anchor + ms).toISOString()}`).toEqual(
              fresh(zone, anchor + ms),
            );
          }
        }
      }
    }
  });

  it('zonedInstant still resolves a repeated wall time to its first occurrence', () => {
    // 01:30 happens twice on 2026-11-01: the first occurrence (EDT).
    expect(zonedInstant('America/New_York', '2026-11-01', 90).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(zonedInstant('America/New_York', '2026-11-01', 90).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });
});
