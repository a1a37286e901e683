// `mmu-race list`: the scenarios and kernel presets, each with its one-line description and citation.

import { ALL_PRESETS, type KernelConfig, type Sources } from '../../../model/config.ts';
import { flag, list } from '../args.ts';
import { out, type Command } from '../command.ts';
import { unexpectedArguments } from '../errors.ts';
import { paint } from '../colour.ts';
import { allScenarios, unique } from '../names.ts';
import { modeNamed } from '../modes.ts';
import { modesOf } from '../../../scenarios/scenario.ts';

const USAGE = 'mmu-race list [--mode MODE...] [--json | --markdown [--sources]]';

export const listCommand: Command = {
  name: 'list',
  summary: 'list the scenarios and kernel presets',
  usage: USAGE,
  details:
    'Prints every scenario (name, the guest paging modes of its vCPUs when not 4-level, its memory model when\nnot SC, title, citation; --mode keeps\nthose that run in the given modes) and every kernel preset (name, kind: release, upstream state\nor mutant, earlier names, unsync pages on/off, description, citation, and the release, file and function\neach code path follows), in the order explore uses.',
  options: [
    {
      name: 'mode',
      kind: 'list',
      value: 'MODE...',
      help: 'only the scenarios whose vCPUs run in these guest paging modes (2level, pae, 4level, 5level)',
    },
    { name: 'json', kind: 'flag', help: 'print one JSON object {"scenarios":[…],"presets":[…]}' },
    { name: 'markdown', kind: 'flag', help: 'print the kernel presets as a Markdown table (for README.md)' },
    { name: 'sources', kind: 'flag', help: 'with --markdown: one table per preset of the source each code path follows (docs/kernels.md)' },
  ],
  async run(args) {
    if (args.positionals.length > 0) throw unexpectedArguments('list', args.positionals, USAGE);
    const modes = unique(list(args, 'mode')).map(modeNamed);
    const scenarios = modes.length > 0 ? allScenarios().filter((s) => modes.some((m) => modesOf(s).includes(m.name))) : allScenarios();
    if (flag(args, 'json')) {
      out(
        JSON.stringify({
          scenarios: scenarios.map((s) => ({
            name: s.name,
            title: s.title,
            citation: s.citation,
            modes: modesOf(s),
            memory: s.memory ?? 'sc',
          })),
          presets: ALL_PRESETS.map((p) => ({
            name: p.name,
            kind: p.kind,
            aliases: p.aliases,
            unsync: p.unsync,
            invlpgCounter: p.unsync ? p.invlpgCounter : undefined,
            description: p.description,
            citation: p.citation,
            sources: p.sources,
          })),
        }),
      );
      return 0;
    }
    if (flag(args, 'markdown')) {
      out(flag(args, 'sources') ? sourcesMarkdown() : presetsMarkdown());
      return 0;
    }
    out(paint.bold('Scenarios'));
    for (const s of scenarios) {
      const modes = modesOf(s).join(', ');
      // Shown where it is not the default: the guest paging modes, and the memory model.
      const tags = [...(modes === '4-level' ? [] : [modes]), ...(s.memory === 'tso' ? ['tso'] : [])];
      out(`  ${paint.cyan(s.name)}  ${tags.length === 0 ? '' : `${paint.dim(`[${tags.join('; ')}]`)}  `}${s.title}`);
      out(paint.dim(`      ${s.citation}`));
    }
    out();
    out(paint.bold('Kernel presets'));
    for (const p of ALL_PRESETS) {
      const aka = p.aliases.length > 0 ? `, formerly ${p.aliases.join(', ')}` : '';
      out(`  ${paint.cyan(p.name)}  ${paint.dim(`[${p.kind}${aka}; unsync pages: ${p.unsync ? 'on' : 'off'}]`)}  ${p.description}`);
      out(paint.dim(`      ${p.citation}`));
      // A +unsync variant follows the same sources as its base: print them once, with the base.
      if (!p.unsync || p.kind === 'mutant') for (const [path, source] of sourceRows(p)) out(paint.dim(`      ${path}: ${source}`));
    }
    return 0;
  },
};

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The code paths in the order the docs list them. */
const PATHS: readonly (keyof Sources)[] = [
  'locking',
  'walk',
  'fetch',
  'pteWrite',
  'invlpg',
  'sync',
  'mmuNotifier',
  'nested',
  'lockless',
  'trackWrite',
];

/** The preset's sources; the nested, lockless and trackWrite rows only where the preset has them. */
const sourceRows = (p: KernelConfig): [string, string][] =>
  PATHS.flatMap((path): [string, string][] => {
    const source = p.sources[path];
    return source === undefined ? [] : [[path, source]];
  });

/** The kernel presets as a Markdown table: name, kind, unsync pages, description, citation. */
function presetsMarkdown(): string {
  return [
    '| preset | kind | unsync pages | what it does | source |',
    '|---|---|---|---|---|',
    ...ALL_PRESETS.map((p) => {
      const aka = p.aliases.length > 0 ? ` (formerly ${p.aliases.map((a) => `\`${a}\``).join(', ')})` : '';
      return `| \`${p.name}\`${aka} | ${p.kind} | ${p.unsync ? 'on' : 'off'} | ${cell(p.description)} | ${cell(p.citation)} |`;
    }),
  ].join('\n');
}

/** One Markdown table per preset (the +unsync variants share their base's): code path -> source. */
function sourcesMarkdown(): string {
  return ALL_PRESETS.filter((p) => !p.unsync || p.kind === 'mutant')
    .map((p) =>
      [
        `### \`${p.name}\` (${p.kind})`,
        '',
        cell(p.description),
        '',
        '| code path | follows |',
        '|---|---|',
        ...sourceRows(p).map(([path, s]) => `| ${path} | ${cell(s)} |`),
      ].join('\n'),
    )
    .join('\n\n');
}
