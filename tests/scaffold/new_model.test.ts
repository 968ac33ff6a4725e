// `ribbit new-model` keeps up with the API: it scaffolds a "not implemented" model (TodoTTS) and a working
// one (--example, ExampleTTS) into a copy of the project; both typecheck and are biome-clean, the example's
// generated tests pass, and the skeleton's fail with errors naming the method and the file.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  addRegistration,
  modelNames,
  ScaffoldError,
  scaffoldFiles,
  scaffoldModel,
  selectVariant,
  snakeCase,
} from '../../src/scaffold/new_model.ts';
import { abstractMethods } from './api_methods.ts';
import { ProjectCopy, REPO_ROOT, type RunResult, runProcess } from './project_copy.ts';

const ribbit = (...args: string[]): Promise<RunResult> =>
  runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'ribbit.mjs'), ...args], { cwd: REPO_ROOT });

const todo = modelNames('TodoTTS');
const example = modelNames('ExampleTTS');
const pathsOf = (names: typeof todo) => scaffoldFiles(names).map((f) => f.path);
const testsOf = (names: typeof todo) => pathsOf(names).filter((p) => p.endsWith('.test.ts'));

let copy: ProjectCopy;
let originalIndex: string;
let made: { todo: RunResult; example: RunResult };
let typecheck: Promise<RunResult>;
let lint: Promise<RunResult>;
let exampleTests: Promise<RunResult>;
let todoTests: Promise<RunResult>;

before(async () => {
  copy = new ProjectCopy('ribbit-scaffold-');
  originalIndex = copy.read('src/tts/models/index.ts');
  made = {
    todo: await ribbit('new-model', 'TodoTTS', '--root', copy.root),
    example: await ribbit('new-model', 'ExampleTTS', '--example', '--root', copy.root),
  };
  const all = [...pathsOf(todo), ...pathsOf(example), 'src/tts/models/index.ts'];
  typecheck = copy.typecheck(all);
  lint = copy.lint(all);
  exampleTests = copy.test(testsOf(example));
  todoTests = exampleTests.then(() => copy.test(testsOf(todo)));
});

after(() => copy?.remove());

test('new-model writes the files, registers the model and says what to do next', () => {
  for (const r of [made.todo, made.example]) assert.equal(r.code, 0, r.output);
  for (const path of [...pathsOf(todo), ...pathsOf(example)]) {
    assert.ok(copy.exists(path), `${path} was not written`);
    assert.match(made.todo.stdout + made.example.stdout, new RegExp(path.replaceAll('.', '\\.')));
  }
  const index = copy.read('src/tts/models/index.ts');
  for (const n of [todo, example]) {
    assert.match(index, new RegExp(`import \\{ ${n.name}Config \\} from '../configs/${n.snake}_config.ts';`));
    assert.match(index, new RegExp(`import \\{ ${n.name} \\} from './${n.snake}.ts';`));
    assert.match(index, new RegExp(`^registerModel<${n.name}Config>\\(${n.name}Config, `, 'm'));
  }
  // nothing else changed: without the added lines, index.ts is what it was
  const added = (l: string) => /(Todo|Example)TTS/.test(l);
  assert.equal(
    index
      .split('\n')
      .filter((l) => !added(l))
      .join('\n'),
    originalIndex,
  );
  assert.equal(index.split('\n').filter(added).length, 6);
  assert.match(copy.read('src/tts/configs/todo_tts_config.ts'), /model: f\.literal\('todo_tts'\)/);
  assert.match(made.todo.stdout, /Registered in src\/tts\/models\/index\.ts/);
  assert.match(made.todo.stdout, /node --import tsx --test tests\/tts\/todo_tts_layers\.test\.ts/);
});

test('the generated model implements what BaseTTS leaves abstract, typed, and writes no empty overrides', () => {
  const abstract = abstractMethods();
  assert.deepEqual(abstract.sort(), ['evalStep', 'getCriterion', 'inference', 'trainStep']);
  for (const n of [todo, example]) {
    const text = copy.read(`src/tts/models/${n.snake}.ts`);
    const missing = [...abstract, 'forward'].filter(
      (m) => !new RegExp(`^ {2}(override )?${m}\\(`, 'm').test(text),
    );
    assert.deepEqual(missing, [], `${n.name} lacks`);
    // an override that only calls super is noise: BaseTTS's defaults are documented, not copied
    assert.doesNotMatch(text, /^ {4}return super\.\w+\(/m, `${n.name} has an override that only calls super`);
    // the generics type the steps: no casts of the batch, criterion or outputs
    assert.match(
      text,
      new RegExp(`extends BaseTTS<${n.name}Config, TTSBatch, ${n.name}Output, ${n.name}Loss>`),
    );
    assert.doesNotMatch(text, / as (Tensor|\w+Loss|TTSBatch)\b/);
    assert.doesNotMatch(text, /this\.module\(/); // one style: registerModule
  }
  // the skeleton is neutral: its loss is a mel loss, not the example's durations
  const todoLoss = copy.read('src/tts/layers/todo_tts/loss.ts');
  assert.doesNotMatch(todoLoss, /[Dd]uration/);
  assert.match(todoLoss, /forward\(melOutput: Tensor, melTarget: Tensor, melLengths: Tensor\)/);
});

test('both versions typecheck', async () => {
  const r = await typecheck;
  assert.equal(r.code, 0, `tsc on the scaffolded files failed:\n${r.output}`);
  console.log(`tsc: ${r.seconds.toFixed(1)} s`);
});

test('the scaffolded files and the edited index.ts are biome-clean', async () => {
  const r = await lint;
  assert.equal(r.code, 0, r.output);
});

test("the example's generated tests pass", async () => {
  const r = await exampleTests;
  assert.equal(r.code, 0, `generated tests failed:\n${r.output}`);
  assert.match(r.stdout, /^ℹ pass [1-9]/m);
  assert.match(r.stdout, /^ℹ fail 0$/m);
  console.log(`example tests: ${r.seconds.toFixed(1)} s`);
});

test("the skeleton's tests fail with errors naming the method and its file", async () => {
  const r = await todoTests;
  assert.notEqual(r.code, 0);
  for (const message of [
    'not implemented: TodoTTSEncoder.forward in src/tts/layers/todo_tts/encoder.ts (given x [2, 7], xMask [2, 1, 7])',
    'not implemented: TodoTTSLoss.forward in src/tts/layers/todo_tts/loss.ts',
    'not implemented: TodoTTS.forward in src/tts/models/todo_tts.ts',
  ]) {
    assert.ok(r.output.includes(message), `missing "${message}" in:\n${r.output}`);
  }
  assert.match(r.stdout, /✔ createModel builds TodoTTS/); // registration works before anything else does
});

test('existing files are never overwritten: an error names them and nothing is written', async () => {
  await typecheck; // the copy's files must not change under the type check
  const index = copy.read('src/tts/models/index.ts');
  const again = await ribbit('new-model', 'TodoTTS', '--example', '--root', copy.root);
  assert.equal(again.code, 2);
  assert.match(
    again.stderr,
    /not overwriting existing files \(nothing was written\): src\/tts\/configs\/todo_tts_config\.ts, /,
  );
  assert.match(copy.read('src/tts/models/todo_tts.ts'), /not implemented/);
  // one file in the way is enough
  copy.write('tests/tts/clash_tts_loss.test.ts', '// mine\n');
  const clash = await ribbit('new-model', 'ClashTTS', '--root', copy.root);
  assert.equal(clash.code, 2);
  assert.match(
    clash.stderr,
    /existing files \(nothing was written\): tests\/tts\/clash_tts_loss\.test\.ts$/m,
  );
  assert.equal(copy.read('tests/tts/clash_tts_loss.test.ts'), '// mine\n');
  assert.ok(!copy.exists('src/tts/models/clash_tts.ts') && !copy.exists('src/tts/layers/clash_tts'));
  assert.equal(copy.read('src/tts/models/index.ts'), index);
});

test('--no-register leaves index.ts alone and prints the lines to add', async () => {
  await typecheck;
  const index = copy.read('src/tts/models/index.ts');
  const r = await ribbit('new-model', 'ManualTTS', '--no-register', '--snake', 'manual', '--root', copy.root);
  assert.equal(r.code, 0, r.output);
  assert.equal(copy.read('src/tts/models/index.ts'), index);
  assert.ok(copy.exists('src/tts/models/manual.ts') && copy.exists('tests/tts/manual_model.test.ts'));
  assert.match(r.stdout, /import \{ ManualTTSConfig \} from '..\/configs\/manual_config.ts';/);
  assert.match(
    r.stdout,
    /registerModel<ManualTTSConfig>\(ManualTTSConfig, \(config, parts\) => new ManualTTS\(config, parts\)\);/,
  );
});

test('--help explains the command with examples; usage mistakes are one line', async () => {
  const help = await ribbit('new-model', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: ribbit new-model <Name>/);
  assert.match(help.stdout, /Examples:\n {2}ribbit new-model MyTTS\n/);
  assert.match(help.stdout, /src\/tts\/models\/my_tts\.ts/);
  const none = await ribbit('new-model');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give one model name/);
  const bad = await ribbit('new-model', 'my_tts', '--root', copy.root);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /must be a class name in PascalCase/);
});

test('names: snake case, checks', () => {
  const cases: [string, string][] = [
    ['MyTTS', 'my_tts'],
    ['GlowTTS', 'glow_tts'],
    ['HiFiGAN', 'hi_fi_gan'],
    ['Tacotron2', 'tacotron2'],
    ['VITS', 'vits'],
    ['TTSModel', 'tts_model'],
    ['NeuralHMM', 'neural_hmm'],
  ];
  for (const [name, snake] of cases) assert.equal(snakeCase(name), snake, name);
  assert.throws(() => modelNames('myTTS'), ScaffoldError);
  assert.throws(() => modelNames('My-TTS'), ScaffoldError);
  assert.throws(() => modelNames('Tensor'), /taken/);
  assert.throws(() => modelNames('MyTTS', 'My TTS'), ScaffoldError);
  assert.deepEqual(modelNames('NeuralHMM', 'neuralhmm_tts'), { name: 'NeuralHMM', snake: 'neuralhmm_tts' });
});

test('a folder that is not a ribbit project is refused, and nothing is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-not-a-project-'));
  try {
    assert.throws(() => scaffoldModel({ root: dir, name: 'MyTTS' }), /is not a ribbit project/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('registration: imports in sorted place, call after the last registerModel; unknown layouts untouched', () => {
  const index = [
    "import { a } from '../../config/index.ts';",
    "import { GlowTTSConfig } from '../configs/glow_tts_config.ts';",
    'import {',
    '  x,',
    "} from './base_tts.ts';",
    "import { GlowTTS } from './glow_tts.ts';",
    '',
    'registerModel<GlowTTSConfig>(',
    '  GlowTTSConfig,',
    '  (config, parts) => new GlowTTS(config, parts),',
    ');',
    '',
    "export { GlowTTS } from './glow_tts.ts';",
  ].join('\n');
  const out = addRegistration(index, modelNames('AlignTTS'))!.split('\n');
  assert.deepEqual(out.slice(0, 4), [
    "import { a } from '../../config/index.ts';",
    "import { AlignTTSConfig } from '../configs/align_tts_config.ts';",
    "import { GlowTTSConfig } from '../configs/glow_tts_config.ts';",
    "import { AlignTTS } from './align_tts.ts';",
  ]);
  assert.equal(
    out[13],
    'registerModel<AlignTTSConfig>(AlignTTSConfig, (config, parts) => new AlignTTS(config, parts));',
  );
  assert.equal(out.at(-1), "export { GlowTTS } from './glow_tts.ts';");
  assert.equal(addRegistration('export const x = 1;\n', modelNames('AlignTTS')), null);
  // a name too long for one line gets the multi-line form
  const long = addRegistration(index, modelNames('AVeryLongModelNameForTestingTheLineWidthTTS'))!;
  assert.match(long, /^registerModel<AVeryLongModelNameForTestingTheLineWidthTTSConfig>\($/m);
});

test('template variants: #if example / #if todo / #else / #endif', () => {
  const t = [
    'a',
    '// #if example',
    'b',
    '// #else',
    'c',
    '// #endif',
    '  // #if todo',
    'd',
    '  // #endif',
    'e',
  ];
  assert.equal(selectVariant(t.join('\n'), 'example'), 'a\nb\ne');
  assert.equal(selectVariant(t.join('\n'), 'todo'), 'a\nc\nd\ne');
  assert.throws(() => selectVariant('// #if example\nx', 'todo'), /without #endif/);
});
