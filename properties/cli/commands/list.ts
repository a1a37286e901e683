// `mmu-race list`: the scenarios and kernel presets, each with its one-line description and citation.

import { ALL_PRESETS } from '../../../model/config.ts';
import { flag } from '../args.ts';
import { out, type Command } from '../command.ts';
import { unexpectedArguments } from '../errors.ts';
import { paint } from '../colour.ts';
import { allScenarios } from '../names.ts';

const USAGE = 'mmu-race list [--json | --markdown]';

export const listCommand: Command = {
  name: 'list',
  summary: 'list the scenarios and kernel presets',
  usage: USAGE,
  details: 'Prints every scenario (name, title, citation) and every kernel preset (name, unsync pages on/off,\ndescription, citation), in the order explore uses.',
  options: [
    { name: 'json', kind: 'flag', help: 'print one JSON object {"scenarios":[…],"presets":[…]}' },
    { name: 'markdown', kind: 'flag', help: 'print the kernel presets as a Markdown table (for README.md)' },
  ],
  async run(args) {
    if (args.positionals.length > 0) throw unexpectedArguments('list', args.positionals, USAGE);
    const scenarios = allScenarios();
    if (flag(args, 'json')) {
      out(
        JSON.stringify({
          scenarios: scenarios.map((s) => ({ name: s.name, title: s.title, citation: s.citation })),
          presets: ALL_PRESETS.map((p) => ({ name: p.name, unsync: p.unsync, invlpgCounter: p.unsync ? p.invlpgCounter : undefined, description: p.description, citation: p.citation })),
        }),
      );
      return 0;
    }
    if (flag(args, 'markdown')) {
      out(presetsMarkdown());
      return 0;
    }
    out(paint.bold('Scenarios'));
    for (const s of scenarios) {
      out(`  ${paint.cyan(s.name)}  ${s.title}`);
      out(paint.dim(`      ${s.citation}`));
    }
    out();
    out(paint.bold('Kernel presets'));
    for (const p of ALL_PRESETS) {
      out(`  ${paint.cyan(p.name)}  ${paint.dim(`[unsync pages: ${p.unsync ? 'on' : 'off'}]`)}  ${p.description}`);
      out(paint.dim(`      ${p.citation}`));
    }
    return 0;
  },
};

/** The kernel presets as a Markdown table: name, unsync pages, description, citation. */
function presetsMarkdown(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    '| preset | unsync pages | what FNAME(fetch) / kvm_mmu_pte_write do | source |',
    '|---|---|---|---|',
    ...ALL_PRESETS.map((p) => `| \`${p.name}\` | ${p.unsync ? 'on' : 'off'} | ${cell(p.description)} | ${cell(p.citation)} |`),
  ].join('\n');
}
