import type { Footprint } from '../step.ts';
import { REDUNDANT, type ChoicePoint, type Strategy } from '../strategy.ts';
import type { Recording } from './recording.ts';

/** A scheduling point reached by some recorded execution, or the end of one. */
interface TrieNode {
  /** Runnable threads here (bitmask); 0 at an end. */
  enabled: number;
  /** Set where a recorded execution ended (not abandoned) after the choices leading here. */
  outcome?: Recording['outcome'];
  readonly children: Map<number, Edge>;
}

interface Edge {
  /** The chosen thread's next footprint after its step. */
  readonly after: Footprint | undefined;
  readonly node: TrieNode;
}

const newNode = (): TrieNode => ({ enabled: 0, children: new Map() });

/**
 * Recorded executions merged by their choices: since the program is deterministic, the points
 * along any path are the ones a run making those choices meets, whichever recording brought them.
 */
export class RecordingTrie {
  readonly root: TrieNode = newNode();
  initial: readonly (Footprint | undefined)[] | undefined;

  /**
   * Adds a recording whose footprint ids refer to `table`. Its first `known` steps must already be
   * here (they are the searching side's own path); false, and nothing added, when they are not
   * (the search has left that prefix for good, so the recording is of no use).
   */
  insert(rec: Recording, table: readonly Footprint[], known = 0): boolean {
    const fp = (id: number): Footprint | undefined => (id < 0 ? undefined : table[id]);
    let node = this.root;
    for (let s = 0; s < known; s++) {
      const edge = node.children.get(rec.choices[s]);
      if (!edge) return false;
      node = edge.node;
    }
    this.initial ??= rec.initial.map(fp);
    for (let s = known; s < rec.choices.length; s++) {
      node.enabled = rec.enabled[s];
      let edge = node.children.get(rec.choices[s]);
      if (!edge) node.children.set(rec.choices[s], (edge = { after: fp(rec.after[s]), node: newNode() }));
      node = edge.node;
    }
    if (rec.enabled.length > rec.choices.length) node.enabled = rec.enabled[rec.choices.length];
    else node.outcome = rec.outcome;
    return true;
  }

  /** True when some recording took `path` (a list of choices) from the start. */
  has(path: readonly number[]): boolean {
    let node: TrieNode | undefined = this.root;
    for (const t of path) {
      node = node.children.get(t)?.node;
      if (!node) return false;
    }
    return true;
  }
}

/** Where a Feeder stopped. */
export type FeedResult =
  /** The strategy followed recordings to an end: the execution's outcome is theirs. */
  | { readonly kind: 'done'; readonly outcome: Recording['outcome'] }
  /**
   * No recording goes where the strategy chose `choice` at point `step` (undefined: not even the
   * first point is known). The strategy has seen steps 0..step-1, and chosen at `step`.
   */
  | { readonly kind: 'miss'; readonly step: number; readonly choice: number | undefined };

/**
 * Drives a strategy (after its begin()) through one execution from the trie, with exactly the
 * choose, executed and end calls, and the points, that running the program would give it. On a
 * miss, `advance` may be called again once more recordings are in; otherwise the caller runs the
 * rest for real. Once the strategy leaves the previous execution's path at some point, the trie
 * drops that path's branch there: a depth-first search never comes back to it.
 */
export class Feeder {
  private node: TrieNode;
  private pending: (Footprint | undefined)[] = [];
  private step = 0;
  private choice: number | undefined;
  private last: number | undefined;
  /** Choices of this execution so far. */
  readonly choices: number[] = [];
  /** Nodes of the previous execution's path, with its choices (for pruning). */
  private previous: { node: TrieNode; choice: number }[] = [];
  private path: { node: TrieNode; choice: number }[] = [];
  private diverged = false;

  constructor(
    private readonly trie: RecordingTrie,
    private readonly strategy: Strategy,
    private readonly names: readonly string[],
  ) {
    this.node = trie.root;
  }

  /** Starts the next execution at the first point. */
  start(): void {
    if (this.path.length > 0) this.previous = this.path;
    this.path = [];
    this.node = this.trie.root;
    this.pending = this.trie.initial ? this.trie.initial.slice() : [];
    this.step = 0;
    this.choice = undefined;
    this.last = undefined;
    this.choices.length = 0;
    this.diverged = false;
  }

  advance(): FeedResult {
    if (!this.trie.initial) return { kind: 'miss', step: 0, choice: undefined };
    for (;;) {
      const node = this.node;
      if (node.outcome !== undefined) {
        this.strategy.end?.(this.pending);
        return { kind: 'done', outcome: node.outcome };
      }
      if (this.choice === undefined) {
        if (node.enabled === 0) return { kind: 'miss', step: this.step, choice: undefined };
        const enabled: number[] = [];
        for (let m = node.enabled; m !== 0; m &= m - 1) enabled.push(31 - Math.clz32(m & -m));
        const point: ChoicePoint = { step: this.step, enabled, last: this.last, pending: this.pending, names: this.names };
        const t = this.strategy.choose(point);
        if (t === REDUNDANT) {
          this.strategy.end?.(this.pending);
          return { kind: 'done', outcome: 'redundant' };
        }
        this.choice = t;
        this.prune(node, t);
      }
      const t = this.choice;
      const edge = node.children.get(t);
      if (!edge) return { kind: 'miss', step: this.step, choice: t };
      this.strategy.executed?.({ step: this.step, thread: t, footprint: this.pending[t]! });
      this.pending[t] = edge.after;
      this.path.push({ node, choice: t });
      this.choices.push(t);
      this.last = t;
      this.node = edge.node;
      this.step++;
      this.choice = undefined;
    }
  }

  /** After a miss the caller ran the execution for real and added it: its whole path, for pruning. */
  retrace(choices: readonly number[]): void {
    this.path = [];
    let node: TrieNode | undefined = this.trie.root;
    for (const t of choices) {
      if (!node) return;
      this.path.push({ node, choice: t });
      node = node.children.get(t)?.node;
    }
  }

  private prune(node: TrieNode, t: number): void {
    if (this.diverged) return;
    const prev = this.previous[this.step];
    if (!prev || prev.node !== node) {
      this.diverged = true;
      return;
    }
    if (prev.choice !== t) {
      node.children.delete(prev.choice);
      this.diverged = true;
    }
  }
}
