// The HTML page in a real browser: Chromium's own headless mode runs the page's script, dumps the
// DOM it leaves and takes the screenshot the README shows (docs/race.png). Skipped, saying so,
// where no Chromium is installed (CI does not install one: see .ci/run).

import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from './html.ts';
import { staleReport } from './testReports.ts';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** $CHROME_PATH, else the first of NAMES on $PATH that can be executed. */
function findChromium(): string | undefined {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) return executable(fromEnv) ? fromEnv : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES) if (executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const CHROME = findChromium();
const SCREENSHOT = fileURLToPath(new URL('../../docs/race.png', import.meta.url));
const WIDTH = 1400;
const HEIGHT = 1080;

const tmp = mkdtempSync(join(tmpdir(), 'mmu-race-browser-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs headless Chromium on `url` with `args`; its stdout (the DOM for --dump-dom). */
function chromium(args: readonly string[], url: string): string {
  const r = spawnSync(
    CHROME!,
    // No sandbox: tests may run as root in containers, and the page is our own local file.
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--no-first-run',
      `--user-data-dir=${join(tmp, 'profile')}`,
      '--virtual-time-budget=5000',
      ...args,
      url,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`${CHROME} exited with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

const test = CHROME ? it : it.skip;
if (!CHROME) console.warn(`browser.test.ts: skipped, no Chromium found ($CHROME_PATH, or ${NAMES.join(', ')} on $PATH)`);
const why = CHROME
  ? ''
  : ` [skipped: no Chromium found (looked for $CHROME_PATH, then ${NAMES.join(', ')} on $PATH); install one, e.g. 'apt-get install chromium', to run it]`;

describe(`the HTML page in headless Chromium${why}`, () => {
  test('should render the lanes, draw the link between the stale read and its store, and show the pinned step', () => {
    const report = staleReport();
    const p = report.provenance;
    const page = join(tmp, 'race.html');
    writeFileSync(page, renderHtml(report));
    const url = `${pathToFileURL(page).href}#show-${p.installed!.step}`;
    const dom = chromium(['--dump-dom'], url);
    // The script ran to its end.
    expect(dom).toMatch(/<body[^>]* data-rendered="true"/);
    expect(dom.match(/class="cell lane-name/g)).toHaveLength(report.threads.length);
    // The pair is linked by a path the script computed from the rendered rows' positions.
    const link = new RegExp(`<path class="link link-stale" data-from="${p.stale!.step}" data-to="${p.read!.step}" d="([^"]+)"`).exec(dom);
    expect(link, 'the stale link path').not.toBeNull();
    const numbers = link![1].match(/-?\d+(\.\d+)?/g)!.map(Number);
    expect(numbers.length).toBe(8);
    expect(numbers.every(Number.isFinite)).toBe(true);
    expect(new Set(numbers).size).toBeGreaterThan(2);
    expect(dom).toMatch(new RegExp(`<path class="link link-installed" data-from="${p.read!.step}" data-to="${p.installed!.step}"`));
    // #show-N pins step N: its changes are shown, every other step's are hidden.
    expect(dom).toContain(`<section class="detail" data-step="${p.installed!.step}">`);
    expect(dom.match(/<section class="detail" data-step="\d+">/g)).toHaveLength(1);
    expect(dom).toMatch(new RegExp(`class="row step[^"]*selected" id="step-${p.installed!.step}"`));
  });

  test('should save the screenshot the README shows (docs/race.png)', () => {
    const report = staleReport();
    const page = join(tmp, 'shot.html');
    writeFileSync(page, renderHtml(report));
    const shot = join(tmp, 'race.png');
    chromium(
      [`--screenshot=${shot}`, `--window-size=${WIDTH},${HEIGHT}`],
      `${pathToFileURL(page).href}#show-${report.provenance.installed!.step}`,
    );
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([WIDTH, HEIGHT]);
    // Rewritten only when the rendering changed, so a clean tree stays clean.
    let old: Buffer | undefined;
    try {
      old = readFileSync(SCREENSHOT);
    } catch {
      old = undefined;
    }
    if (!old || !old.equals(png)) {
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      copyFileSync(shot, SCREENSHOT);
    }
  });
});
