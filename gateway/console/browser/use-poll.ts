import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './api.js';

export interface Polled<T> {
  data: T | null;
  error: string | null;
  refresh: () => void;
}

/**
 * Loads now and every `intervalMs` while mounted and `enabled` (and again whenever `key` changes,
 * e.g. the token); while not enabled it asks nothing and shows `idleMessage`.
 */
export function usePoll<T>(
  load: () => Promise<T>,
  intervalMs: number,
  key: string,
  enabled: boolean,
  idleMessage: string,
): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);
  const refresh = useCallback(() => {
    const mine = ++generation.current;
    loadRef.current().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setData(null);
        setError(errorText(e));
      },
    );
  }, []);
  useEffect(() => {
    if (!enabled) {
      generation.current++;
      setData(null);
      setError(idleMessage);
      return;
    }
    refresh();
    const timer = window.setInterval(refresh, intervalMs);
    return () => window.clearInterval(timer);
  }, [key, intervalMs, refresh, enabled, idleMessage]);
  return { data, error, refresh };
}
