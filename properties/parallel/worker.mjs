// Entry of an `explore --workers` pool thread, in plain JavaScript like bin.js: on Node 20 a worker
// inherits neither the parent's tsx hooks nor a working `--import tsx` (checked: both leave .ts
// unloadable there), so each thread registers tsx itself before loading the TypeScript tasks.
import { register } from 'tsx/esm/api';

register();
const { default: exploreCell } = await import('./cellTask.ts');
const { default: exploreCellSubtree } = await import('./subtreeTask.ts');
export default exploreCell;
export { exploreCellSubtree };
