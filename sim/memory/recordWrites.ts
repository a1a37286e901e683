import type { Patch } from 'immer';

type Key = string | number;

/**
 * Wraps an immer draft so that every assignment and deletion is recorded by path, including ones
 * that store the value already there (immer's own patches leave those out, but a buffered store
 * must still overwrite whatever another thread flushed meanwhile). Arrays are recorded whole.
 */
export function recordingDraft<T extends object>(draft: T): { draft: T; paths: Key[][] } {
  const paths: Key[][] = [];
  const targets = new WeakMap<object, object>();
  const record = (path: Key[]): void => {
    paths.push(path);
  };
  // One wrapper per object, so the recipe sees the same identity each time it reaches an object.
  const wrappers = new WeakMap<object, object>();
  const wrap = (target: object, path: Key[], arrayPath: Key[] | undefined): object => {
    const known = wrappers.get(target);
    if (known) return known;
    const proxy = new Proxy(target, {
      get(t, k) {
        const v = Reflect.get(t, k);
        if (typeof k === 'symbol' || v === null || typeof v !== 'object') return v;
        const child = [...path, k];
        return wrap(v, child, arrayPath ?? (Array.isArray(t) ? path : undefined));
      },
      set(t, k, v) {
        if (typeof k !== 'symbol') record(arrayPath ?? (Array.isArray(t) ? path : [...path, k]));
        return Reflect.set(t, k, unwrap(v));
      },
      deleteProperty(t, k) {
        if (typeof k !== 'symbol') record(arrayPath ?? (Array.isArray(t) ? path : [...path, k]));
        return Reflect.deleteProperty(t, k);
      },
    });
    targets.set(proxy, target);
    wrappers.set(target, proxy);
    return proxy;
  };
  const unwrap = (v: unknown): unknown => (v !== null && typeof v === 'object' ? (targets.get(v) ?? v) : v);
  return { draft: wrap(draft, [], undefined) as T, paths };
}

const isPrefix = (a: readonly Key[], b: readonly Key[]): boolean => a.length <= b.length && a.every((k, i) => String(k) === String(b[i]));

/** The recorded paths as patches taking their values from `next` (the recipe's result); a path under another is dropped. */
export function patchesFor(paths: readonly Key[][], next: unknown): Patch[] {
  const kept: Key[][] = [];
  for (const p of paths) {
    if (kept.some((k) => isPrefix(k, p))) continue;
    for (let i = kept.length - 1; i >= 0; i--) if (isPrefix(p, kept[i])) kept.splice(i, 1);
    kept.push(p);
  }
  return kept.map((path) => {
    let parent: unknown = next;
    for (const k of path.slice(0, -1)) parent = (parent as Record<Key, unknown>)?.[k];
    const last = path[path.length - 1];
    const present = parent !== null && typeof parent === 'object' && Object.hasOwn(parent, last);
    return present ? { op: 'replace', path, value: (parent as Record<Key, unknown>)[last] } : { op: 'remove', path };
  });
}
