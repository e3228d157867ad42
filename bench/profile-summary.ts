import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, one .cpuprofile per process) into the top
 * self-time entries of each: the "where does the time go" table of bench/README.md.
 *   node dist/bench/profile-summary.js <dir> [top]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const shortUrl = (url: string) => {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length);
  return url.replace(/^file:\/\//, '');
};

/**
 * A time window in the profiles' clock: µs of the monotonic clock, which V8 stamps profiles with
 * and `process.hrtime` reads (`hrtime.bigint() / 1000n`), so one window fits every process.
 */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/**
 * Self time per function (ms) and per package/area, from sample counts weighted by time deltas;
 * with `window`, only the samples taken inside it (a bench phase, without start-up and warm-up).
 */
export function topEntries(
  profile: CpuProfile,
  top: number,
  window?: ProfileWindow,
): { totalMs: number; idleMs: number; functions: [string, number][]; areas: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at >= window.toUs)) continue;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let idleMs = 0;
  let totalMs = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    totalMs += ms;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + ms);
    const short = shortUrl(url);
    const area = !url
      ? functionName
      : short.startsWith('@')
        ? short.split('/').slice(0, 2).join('/')
        : short.includes('/') && url.includes('node_modules')
          ? short.split('/')[0]!
          : short.startsWith('node:')
            ? 'node:' + short.slice(5).split('/')[0]
            : short.split('/').slice(0, 2).join('/');
    areas.set(area, (areas.get(area) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs, idleMs, functions: sorted(functions), areas: sorted(areas) };
}

/**
 * The summary of every profile in `dir`. `names` labels profiles by process id (the pid is the
 * third dot-separated field of a `--cpu-prof` file name); `window` limits them to a phase.
 */
export function summarizeProfiles(
  dir: string,
  top = 15,
  options: { window?: ProfileWindow; names?: Record<number, string> } = {},
): string {
  const lines: string[] = [];
  if (options.window)
    lines.push(
      `\nprofiles limited to the measured phases (${((options.window.toUs - options.window.fromUs) / 1e6).toFixed(1)} s)`,
    );
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const t = topEntries(profile, top, options.window);
    const busy = t.totalMs - t.idleMs;
    const name = options.names?.[Number(file.split('.')[3])];
    lines.push(`\n--- ${name ? `${name} (${file})` : file}: busy ${busy.toFixed(0)} ms of ${t.totalMs.toFixed(0)} ms`);
    lines.push('  by area (self ms, % of busy):');
    for (const [k, v] of t.areas)
      lines.push(`    ${v.toFixed(0).padStart(7)}  ${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
    lines.push('  by function:');
    for (const [k, v] of t.functions)
      lines.push(`    ${v.toFixed(0).padStart(7)}  ${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
  }
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.js'))
  console.log(summarizeProfiles(process.argv[2]!, Number(process.argv[3] ?? 15)));
