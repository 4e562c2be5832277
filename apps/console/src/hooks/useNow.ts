import { useEffect, useState } from 'react';

/** The current time, re-read every `intervalMs`: ages and countdowns tick without a refetch. */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}
