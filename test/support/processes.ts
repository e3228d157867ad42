import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * Runs one of dialplane's entry points as its own process (through tsx, as `npm start` and the
 * README do) and lets a test wait on what it prints or on its exit, never on a fixed delay.
 */

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface SpawnedService {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when the output matches, rejects when the process exits first or the deadline passes. */
  waitFor(pattern: RegExp, deadlineMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still alive (test cleanup). */
  kill(): void;
}

export function spawnEntry(entry: string, env: Record<string, string>, args: string[] = []): SpawnedService {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      for (const w of [...waiters]) w();
      resolve({ code, signal });
    });
  });
  return {
    child,
    output: () => text,
    exited,
    waitFor: (pattern, deadlineMs = 150_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`${entry}: no output matching ${pattern} within ${deadlineMs} ms; output:\n${text}`)),
          deadlineMs,
        );
        const finish = (error?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (pattern.test(text)) finish();
          else if (done) finish(new Error(`${entry} exited before printing ${pattern}; output:\n${text}`));
        };
        waiters.add(check);
        check();
      }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Sends `signal` and measures how long the process takes to exit (bounded by deadlineMs, then SIGKILL). */
export async function timeToExit(
  service: SpawnedService,
  signal: NodeJS.Signals,
  deadlineMs: number,
): Promise<{ ms: number; code: number | null; killed: boolean }> {
  const started = performance.now();
  service.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  const outcome = await Promise.race([service.exited, deadline]);
  clearTimeout(timer);
  const ms = performance.now() - started;
  if (outcome === 'deadline') {
    service.kill();
    await service.exited;
    return { ms, code: null, killed: true };
  }
  return { ms, code: outcome.code, killed: false };
}
