/**
 * `ribbit new-model`'s generator: the skeleton of a new TTS model as docs/implementing-a-model.md describes
 * it (config, a layer, the loss, the model, three test files) and its registration in
 * src/tts/models/index.ts.
 *
 * The files come from `templates/*.tmpl`: `__NAME__` is the class name, `__SNAKE__` the snake-case name
 * (file names and the config's `model` value), `__MODEL_FILE__` etc. the project-relative paths, and lines
 * between `// #if example` (or `// #if todo`), `// #else` and `// #endif` are kept for one variant only:
 * `todo` (method bodies throw a "not implemented" error naming the method and the file) or `example` (a
 * small working model, the guide's ToyTTS under the new name).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomicSync } from '../util/atomic.ts';

/** Which bodies the generated methods get. */
export type ScaffoldVariant = 'todo' | 'example';

/** The names a model's files and identifiers are made of. */
export interface ModelNames {
  /** Class name, e.g. `MyTTS`. */
  name: string;
  /** Snake-case name: file names and the config's `model` value, e.g. `my_tts`. */
  snake: string;
}

/** A project-relative file the generator writes, and what it is. */
export interface ScaffoldFile {
  path: string;
  what: string;
  template: string;
}

/** What `scaffoldModel` did. */
export interface ScaffoldResult {
  names: ModelNames;
  /** Project-relative paths written, in order. */
  written: string[];
  /** Whether src/tts/models/index.ts was edited (false: `register` off, or already registered). */
  registered: boolean;
  /** How the project's formatter (biome) took the written files: 'formatted', 'absent' or its complaint. */
  formatted: string;
  /** The registration lines (added, or to add by hand). */
  registration: { imports: string[]; call: string };
  /** What to do next, for the terminal. */
  nextSteps: string;
}

/** A mistake in the request (bad name, existing files, not a ribbit project): nothing was written. */
export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

/** Identifiers the generated files import: a model of one of these names would clash with them. */
const RESERVED = new Set([
  'BaseTTS',
  'Conv1d',
  'DurationPredictor',
  'Embedding',
  'GatedConvBlock',
  'InferenceAux',
  'L1LossMasked',
  'MSELossMasked',
  'ModelLogger',
  'Module',
  'StepResult',
  'TTSBatch',
  'TTSModelParts',
  'Tensor',
]);

/** `MyTTS` -> `my_tts`, `GlowTTS` -> `glow_tts`, `HiFiGAN` -> `hi_fi_gan`, `Tacotron2` -> `tacotron2`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Checks a class name (and optional snake-case override) and derives the names. */
export function modelNames(name: string, snake?: string): ModelNames {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    throw new ScaffoldError(
      `model name '${name}' must be a class name in PascalCase (a capital letter, then letters and digits), e.g. MyTTS`,
    );
  }
  if (RESERVED.has(name))
    throw new ScaffoldError(`'${name}' is taken by an identifier the model file imports`);
  const s = snake ?? snakeCase(name);
  if (!/^[a-z][a-z0-9_]*$/.test(s)) {
    throw new ScaffoldError(`snake-case name '${s}' must be lower case letters, digits and _, e.g. my_tts`);
  }
  return { name, snake: s };
}

/** The files of a model, project-relative. */
export function scaffoldFiles(names: ModelNames): ScaffoldFile[] {
  const s = names.snake;
  return [
    {
      path: `src/tts/configs/${s}_config.ts`,
      what: 'config (…Args + …Config, registered)',
      template: 'config',
    },
    { path: `src/tts/layers/${s}/encoder.ts`, what: 'a first layer', template: 'encoder' },
    { path: `src/tts/layers/${s}/loss.ts`, what: 'the loss ({ loss, ...parts })', template: 'loss' },
    {
      path: `src/tts/models/${s}.ts`,
      what: 'the model (the methods BaseTTS leaves to it)',
      template: 'model',
    },
    { path: `tests/tts/${s}_layers.test.ts`, what: 'layer tests', template: 'layers.test' },
    { path: `tests/tts/${s}_loss.test.ts`, what: 'loss tests', template: 'loss.test' },
    {
      path: `tests/tts/${s}_model.test.ts`,
      what: 'model tests (two identical models)',
      template: 'model.test',
    },
  ];
}

const INDEX = 'src/tts/models/index.ts';

/** Keeps the lines of one variant and drops the `#if`/`#else`/`#endif` lines. */
export function selectVariant(text: string, variant: ScaffoldVariant, where = 'template'): string {
  const out: string[] = [];
  let keep = true;
  let open: string | null = null;
  for (const [i, line] of text.split('\n').entries()) {
    const d = /^\s*\/\/ #(if (example|todo)|else|endif)\s*$/.exec(line);
    if (!d) {
      if (keep) out.push(line);
      continue;
    }
    if (d[2]) {
      if (open) throw new Error(`${where}:${i + 1}: nested #if`);
      open = d[2];
      keep = d[2] === variant;
    } else if (d[1] === 'else') {
      if (!open) throw new Error(`${where}:${i + 1}: #else without #if`);
      keep = open !== variant;
    } else {
      if (!open) throw new Error(`${where}:${i + 1}: #endif without #if`);
      open = null;
      keep = true;
    }
  }
  if (open) throw new Error(`${where}: #if ${open} without #endif`);
  return out.join('\n');
}

/** One file's text. */
export function renderTemplate(template: string, names: ModelNames, variant: ScaffoldVariant): string {
  const path = fileURLToPathOf(template);
  const files = Object.fromEntries(scaffoldFiles(names).map((f) => [f.template, f.path]));
  return selectVariant(readFileSync(path, 'utf8'), variant, path)
    .replaceAll('__NAME__', names.name)
    .replaceAll('__SNAKE__', names.snake)
    .replaceAll('__MODEL_FILE__', files.model)
    .replaceAll('__ENCODER_FILE__', files.encoder)
    .replaceAll('__LOSS_FILE__', files.loss);
}

function fileURLToPathOf(template: string): string {
  return fileURLToPath(new URL(`./templates/${template}.ts.tmpl`, import.meta.url));
}

/** The lines that register the model in src/tts/models/index.ts. */
export function registrationLines(names: ModelNames): { imports: string[]; call: string } {
  const { name, snake } = names;
  const call = `registerModel<${name}Config>(${name}Config, (config, parts) => new ${name}(config, parts));`;
  return {
    imports: [
      `import { ${name}Config } from '../configs/${snake}_config.ts';`,
      `import { ${name} } from './${snake}.ts';`,
    ],
    call:
      call.length <= 110
        ? call
        : `registerModel<${name}Config>(\n  ${name}Config,\n  (config, parts) => new ${name}(config, parts),\n);`,
  };
}

/** The module path of an import statement's first line, or null. */
function importSource(lines: string[], start: number): { source: string; end: number } | null {
  for (let j = start; j < lines.length && j < start + 30; j++) {
    const m = /from '([^']+)';\s*$/.exec(lines[j]);
    if (m) return { source: m[1], end: j };
  }
  return null;
}

/**
 * index.ts with the model's imports (in the sorted place among the imports at the top) and its
 * `registerModel` call (after the last one); null when the file does not have that shape.
 */
export function addRegistration(index: string, names: ModelNames): string | null {
  const lines = index.split('\n');
  const { imports, call } = registrationLines(names);
  // the import statements at the top: [start, end] line ranges with their sources
  const statements: { start: number; end: number; source: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('import ')) continue;
    const found = importSource(lines, i);
    if (!found) return null;
    statements.push({ start: i, end: found.end, source: found.source });
    i = found.end;
  }
  let lastCall = -1;
  lines.forEach((l, i) => {
    if (l.startsWith('registerModel')) lastCall = i;
  });
  if (statements.length === 0 || lastCall < 0) return null;
  let callEnd = lastCall;
  while (callEnd < lines.length && !lines[callEnd].trimEnd().endsWith(');')) callEnd++;
  if (callEnd >= lines.length) return null;
  // insert from the bottom up so earlier line numbers stay valid
  const inserts: { at: number; text: string[] }[] = [{ at: callEnd + 1, text: [call] }];
  for (const statement of imports) {
    const source = /from '([^']+)'/.exec(statement)![1];
    const next = statements.find((s) => s.source.toLowerCase() > source.toLowerCase());
    const at = next ? next.start : statements[statements.length - 1].end + 1;
    inserts.push({ at, text: [statement] });
  }
  inserts.sort((a, b) => b.at - a.at);
  for (const { at, text } of inserts) lines.splice(at, 0, ...text);
  return lines.join('\n');
}

/** Options of `scaffoldModel`. */
export interface ScaffoldOptions {
  /** Root of the ribbit project to write into. */
  root: string;
  /** Class name (PascalCase). */
  name: string;
  /** Snake-case name (default: derived from `name`). */
  snake?: string;
  /** Default `todo`. */
  variant?: ScaffoldVariant;
  /** Add the imports and `registerModel(...)` to src/tts/models/index.ts (default true). */
  register?: boolean;
  /** Run the project's biome (`check --write`: format, sort imports) on the new files (default true). */
  format?: boolean;
}

/**
 * Writes a new model's files into a ribbit project, and registers it.
 * @throws ScaffoldError (nothing written) for a bad name, a folder that is not a ribbit project, or files
 *   that exist already (all of them named).
 */
export function scaffoldModel(options: ScaffoldOptions): ScaffoldResult {
  const { root } = options;
  const names = modelNames(options.name, options.snake);
  const variant = options.variant ?? 'todo';
  for (const needed of ['src/tts/models/base_tts.ts', INDEX]) {
    if (!existsSync(join(root, needed))) {
      throw new ScaffoldError(
        `${root} is not a ribbit project (no ${needed}); give the project folder with --root`,
      );
    }
  }
  const files = scaffoldFiles(names);
  const existing = files.map((f) => f.path).filter((p) => existsSync(join(root, p)));
  if (existing.length > 0) {
    throw new ScaffoldError(`not overwriting existing files (nothing was written): ${existing.join(', ')}`);
  }
  const indexPath = join(root, INDEX);
  const index = readFileSync(indexPath, 'utf8');
  const registration = registrationLines(names);
  const alreadyRegistered = index.includes(`'./${names.snake}.ts'`);
  const register = (options.register ?? true) && !alreadyRegistered;
  const newIndex = register ? addRegistration(index, names) : null;
  // render everything before writing anything: a broken template writes nothing
  const texts = files.map((f) => ({ path: f.path, text: renderTemplate(f.template, names, variant) }));
  for (const { path, text } of texts) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text, { flag: 'wx' });
  }
  if (newIndex !== null) writeFileAtomicSync(indexPath, newIndex);
  const written = texts.map((t) => t.path);
  return {
    names,
    written,
    registered: newIndex !== null,
    formatted: options.format === false ? 'skipped' : formatFiles(root, written),
    registration,
    nextSteps: nextSteps(names, variant, newIndex !== null, alreadyRegistered, registration),
  };
}

/**
 * The project's own formatting of new files (line breaks that depend on the name's length, import order):
 * `biome check --write` with the project's settings, when the project has biome installed.
 */
function formatFiles(root: string, paths: string[]): string {
  const biome = join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
  if (!existsSync(biome)) return 'absent';
  const r = spawnSync(process.execPath, [biome, 'check', '--write', '--colors=off', ...paths], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status === 0) return 'formatted';
  return (r.stderr || r.stdout || `biome exited with ${r.status}`).trim();
}

function nextSteps(
  names: ModelNames,
  variant: ScaffoldVariant,
  registered: boolean,
  alreadyRegistered: boolean,
  registration: { imports: string[]; call: string },
): string {
  const s = names.snake;
  const lines: string[] = [];
  if (registered) lines.push(`Registered in ${INDEX} (two imports and a registerModel line).`);
  else if (alreadyRegistered) lines.push(`${INDEX} already imports ./${s}.ts: left as it was.`);
  else {
    lines.push(
      `Register the model: add to ${INDEX}, with the imports at the top and the call beside the others:`,
      ...registration.imports.map((l) => `  ${l}`),
      ...registration.call.split('\n').map((l) => `  ${l}`),
    );
  }
  const tests = `node --import tsx --test tests/tts/${s}_layers.test.ts tests/tts/${s}_loss.test.ts tests/tts/${s}_model.test.ts`;
  if (variant === 'todo') {
    lines.push(
      '',
      'Next (docs/implementing-a-model.md walks through each step):',
      `  1. ${tests}`,
      '     fails with one "not implemented: <Class>.<method> in <file>" per method still to write;',
      `  2. fill in src/tts/configs/${s}_config.ts, src/tts/layers/${s}/, then src/tts/models/${s}.ts`,
      '     until the tests pass (adapt the tests as your layers take shape);',
    );
  } else {
    lines.push(
      '',
      'Next (docs/implementing-a-model.md explains every piece of this example model):',
      `  1. ${tests}`,
      `  2. make it your model: src/tts/configs/${s}_config.ts, src/tts/layers/${s}/, src/tts/models/${s}.ts;`,
    );
  }
  lines.push(
    '  3. npx tsc --noEmit -p tsconfig.json && npx biome check --write src/tts tests/tts',
    `  4. train: a config with "model": "${s}", then ribbit train --config-path CONFIG.json`,
  );
  return lines.join('\n');
}
