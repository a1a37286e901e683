import { applyPatches, enablePatches, produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { patchesFor, recordingDraft } from './recordWrites.ts';

enablePatches();

interface W {
  a: Record<string, number>;
  list: number[];
}

function record(base: W, recipe: (d: W) => void) {
  let paths: (string | number)[][] = [];
  const next = produce(base, (d) => {
    const r = recordingDraft(d);
    paths = r.paths;
    recipe(r.draft);
  });
  return patchesFor(paths, next);
}

describe('recordingDraft', () => {
  it('records a store of the value already there, which immer patches leave out', () => {
    const patches = record({ a: { x: 1 }, list: [] }, (d) => {
      d.a.x = 1;
    });
    expect(patches).toEqual([{ op: 'replace', path: ['a', 'x'], value: 1 }]);
    expect(applyPatches({ a: { x: 2 }, list: [] }, patches).a.x).toBe(1);
  });

  it('records deletions, and arrays whole', () => {
    const patches = record({ a: { x: 1, y: 2 }, list: [1] }, (d) => {
      delete d.a.y;
      d.list.push(5);
    });
    expect(patches).toEqual([
      { op: 'remove', path: ['a', 'y'] },
      { op: 'replace', path: ['list'], value: [1, 5] },
    ]);
  });

  it('keeps one patch for a path and the paths under it', () => {
    const patches = record({ a: {}, list: [] }, (d) => {
      d.a = { z: 3 };
      d.a.z = 4;
    });
    expect(patches).toEqual([{ op: 'replace', path: ['a'], value: { z: 4 } }]);
  });
});
