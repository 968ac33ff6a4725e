/**
 * `ribbit <command> [options]`: the command-line entry point. Errors print as one line (with the stack
 * only under --verbose); `--help` on any command explains it with examples.
 */
import { readFileSync } from 'node:fs';
import { type Command, helpText, parseArgs, UsageError } from './command.ts';

/** Sub-commands, loaded lazily so `ribbit --help` starts fast and a broken command cannot break others. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {};

/** Registers a sub-command (each src/cli/<name>.ts calls this through commands.ts). */
export function registerCommand(name: string, summary: string, load: () => Promise<Command>): void {
  COMMANDS[name] = { summary, load };
}

function mainHelp(): string {
  const names = Object.keys(COMMANDS).sort();
  const w = Math.max(...names.map((n) => n.length)) + 4;
  return [
    'ribbit: implement, train and serve text-to-speech models in TypeScript.',
    '',
    'Usage: ribbit <command> [options]     (ribbit <command> --help for details)',
    '       ribbit --version',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(w)}${COMMANDS[n].summary}`),
  ].join('\n');
}

/** The package's version (package.json, two folders up from src/cli/ and from dist/cli/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  await import('./commands.ts');
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    console.log(version());
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return name ? 0 : 1;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`ribbit: unknown command '${name}'. Commands: ${Object.keys(COMMANDS).sort().join(', ')}`);
    return 2;
  }
  const verbose = rest.includes('--verbose') || rest.includes('-v');
  try {
    const cmd = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(helpText(cmd));
      const extra = cmd.extraHelp?.(rest);
      if (extra) console.log(`\n${extra}`);
      return 0;
    }
    return await cmd.run(parseArgs(cmd, rest));
  } catch (err) {
    const e = err as Error;
    if (verbose) console.error(e.stack ?? e.message);
    else console.error(`ribbit ${name}: ${e.message.split('\n').join('\n  ')}`);
    return e instanceof UsageError ? 2 : 1;
  }
}
