/** How the console words numbers (pure). */

export const percent = (rate: number | null): string => (rate === null ? '–' : `${(rate * 100).toFixed(1)} %`);

export const count = (n: number): string => n.toLocaleString('en-US');

/** 75 -> "1 min 15 s"; null -> "–". */
export function age(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export const time = (iso: string | null): string =>
  iso ? new Date(iso).toLocaleString('en-GB', { hour12: false }) : '–';
