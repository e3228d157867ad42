import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './api.js';

export interface Polled<T> {
  data: T | null;
  error: string | null;
  refresh: () => void;
}

/** Loads now and every `intervalMs` while mounted (and again whenever `key` changes, e.g. the token). */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, key: string): Polled<T> {
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
    refresh();
    const timer = window.setInterval(refresh, intervalMs);
    return () => window.clearInterval(timer);
  }, [key, intervalMs, refresh]);
  return { data, error, refresh };
}
