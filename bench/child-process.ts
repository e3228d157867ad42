import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Benchmarks run each component (simulator, subgraph, gateway) in its own process, as in
 * production, so the load generator and the measured server do not share one event loop. The
 * protocol: the parent runs `<file> --serve <component> <json args>`; the child starts the
 * component and prints `{"ready":true,"url":…}` on stdout; it stops on SIGTERM or when its stdin
 * closes (the parent went away).
 */

export interface Child {
  url: string;
  proc: ChildProcess;
  /** What the child announced besides its URL (e.g. the record ids it serves). */
  info: Record<string, unknown>;
  /**
   * The child's event-loop delay since the last call (or its start), in ms: how long work in it
   * waited for its own event loop (a synchronous database call, GC, a long callback). Tail latency
   * of a request is bounded below by the stalls of every process it crosses.
   */
  eventLoopDelay(): Promise<EventLoopDelay>;
}

export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function startChild(
  file: string,
  component: string,
  args: Record<string, string | undefined>,
  options: {
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number /** Extra node flags for the child (e.g. --cpu-prof). */;
    execArgv?: string[];
  } = {},
): Promise<Child> {
  const proc = spawn(
    process.execPath,
    [...process.execArgv, ...(options.execArgv ?? []), file, '--serve', component, JSON.stringify(args)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'error', ...options.env },
    },
  );
  const lines = readline.createInterface({ input: proc.stdout! });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const ready = await new Promise<{ url: string; info: Record<string, unknown> }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${component} did not start within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    proc.once('exit', (code) => reject(new Error(`${component} exited with ${code}`)));
    lines.on('line', (line) => {
      try {
        const message = JSON.parse(line) as { ready?: boolean; url?: string; info?: Record<string, unknown> };
        if (message.ready && message.url) {
          clearTimeout(timer);
          resolve({ url: message.url, info: message.info ?? {} });
        }
      } catch {
        // not our protocol line
      }
    });
  });
  const eventLoopDelay = () =>
    new Promise<EventLoopDelay>((resolve, reject) => {
      const timer = setTimeout(() => {
        lines.off('line', onLine);
        reject(new Error(`${component} did not report its event-loop delay`));
      }, 5_000);
      const onLine = (line: string) => {
        try {
          const message = JSON.parse(line) as { eventLoopDelay?: EventLoopDelay };
          if (!message.eventLoopDelay) return;
          clearTimeout(timer);
          lines.off('line', onLine);
          resolve(message.eventLoopDelay);
        } catch {
          // not our protocol line
        }
      };
      lines.on('line', onLine);
      proc.stdin!.write('event-loop-delay\n');
    });
  return { url: ready.url, info: ready.info, proc, eventLoopDelay };
}

/** Resident set size of a process in MB (Linux /proc); null when it cannot be read. */
export function rssMbOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 5_000).unref();
  });
}

/** Child side: announce readiness, then stop on SIGTERM or when the parent goes away. */
export function serveUntilParentLeaves(url: string, close: () => Promise<void>, info?: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ready: true, url, ...(info ? { info } : {}) })}\n`);
  const shutdown = () => void close().finally(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.stdin.on('end', shutdown);
  // The parent asks for the event-loop delay since its last question (Child.eventLoopDelay).
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line !== 'event-loop-delay') return;
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const eventLoopDelay = { p50Ms: ms(delay.percentile(50)), p99Ms: ms(delay.percentile(99)), maxMs: ms(delay.max) };
    delay.reset();
    process.stdout.write(`${JSON.stringify({ eventLoopDelay })}\n`);
  });
}

/**
 * Child side of `startChild`: when this process was started as `<file> --serve <component> <args>`,
 * runs `serve` with them and returns true (the caller then does nothing else).
 */
export function serveIfChild(serve: (component: string, args: Record<string, string>) => Promise<void>): boolean {
  const at = process.argv.indexOf('--serve');
  if (at <= 0) return false;
  serve(process.argv[at + 1]!, JSON.parse(process.argv[at + 2] ?? '{}') as Record<string, string>).catch(
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
  return true;
}
