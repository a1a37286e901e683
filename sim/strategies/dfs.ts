import { isPreemption, type Strategy } from '../strategy.ts';

interface Node {
  /** The threads this node may choose, in order; `at` is the one the current execution takes. */
  readonly options: readonly number[];
  at: number;
}

/**
 * Exhaustive depth-first enumeration of interleavings (stateless: every execution re-runs the
 * program from its initial world). The path holds one node per scheduling point of the current
 * execution; after an execution ends, the deepest node with an untried option moves on to it and
 * everything below it is dropped, so the next execution replays the prefix and then diverges.
 * With a preemption bound, options that would switch away from a still-runnable thread are left
 * out once the execution has used its budget (Musuvathi & Qadeer, PLDI 2007).
 */
export function dfs(
  options: { preemptionBound?: number } = {},
): Strategy & { readonly exhausted: boolean /** True once the bound left out a choice. */; readonly boundHit: boolean } {
  const bound = options.preemptionBound ?? Infinity;
  const path: Node[] = [];
  let depth = 0;
  let preemptions = 0;
  let started = false;
  let exhausted = false;
  let boundHit = false;
  return {
    name: bound === Infinity ? 'dfs' : `dfs(preemptions<=${bound})`,
    get exhausted() {
      return exhausted;
    },
    get boundHit() {
      return boundHit;
    },
    begin() {
      if (started) {
        while (path.length > 0 && path[path.length - 1].at + 1 >= path[path.length - 1].options.length) path.pop();
        if (path.length === 0) {
          exhausted = true;
          return false;
        }
        path[path.length - 1].at++;
      }
      started = true;
      depth = 0;
      preemptions = 0;
      return true;
    },
    choose(point) {
      let node = path[depth];
      if (!node) {
        const allowed = preemptions < bound ? point.enabled : point.enabled.filter((t) => !isPreemption(point, t));
        if (allowed.length < point.enabled.length) boundHit = true;
        node = { options: allowed.length > 0 ? allowed : point.enabled, at: 0 };
        path.push(node);
      }
      const chosen = node.options[node.at];
      if (isPreemption(point, chosen)) preemptions++;
      depth++;
      return chosen;
    },
  };
}
