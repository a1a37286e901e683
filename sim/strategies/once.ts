/** A strategy's `begin` for a strategy that runs exactly one execution: true the first time, then false. */
export function oneRun(): () => boolean {
  let started = false;
  return () => {
    if (started) return false;
    started = true;
    return true;
  };
}
