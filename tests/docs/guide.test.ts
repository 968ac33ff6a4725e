// docs/implementing-a-model.md cannot rot: every TypeScript block is written into a copy of the project at
// the path its `file=` names (blocks of one file joined in order, `append` blocks appended to the existing
// file), the files are typechecked, the guide's tests run with `node --test`, and `run` files with node.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  baseModelMethods,
  baseTtsMethods,
  callbackMethods,
  trainableModelMethods,
} from '../scaffold/api_methods.ts';
import { ProjectCopy, REPO_ROOT, type RunResult } from '../scaffold/project_copy.ts';
import { assembleFiles, codeBlocks, isTypeScript } from './code_blocks.ts';

const GUIDE = 'docs/implementing-a-model.md';
const markdown = readFileSync(join(REPO_ROOT, GUIDE), 'utf8');
const tsBlocks = codeBlocks(markdown).filter(isTypeScript);
const files = assembleFiles(tsBlocks);
const testFiles = files.filter((f) => /^tests\/.*\.test\.ts$/.test(f.path)).map((f) => f.path);
const runFiles = files.filter((f) => f.run).map((f) => f.path);

let copy: ProjectCopy | null = null;
let typecheck: Promise<RunResult>;
let tests: Promise<RunResult>;

before(() => {
  copy = new ProjectCopy('ribbit-guide-');
  for (const f of files) {
    if (f.append) copy.append(f.path, `\n${f.text}`);
    else copy.write(f.path, f.text);
  }
  // started together: the type check and the tests overlap
  typecheck = copy.typecheck(files.map((f) => f.path));
  tests = copy.test(testFiles);
});

after(() => copy?.remove());

test('every TypeScript block of the guide names its file', () => {
  assert.ok(tsBlocks.length >= 10, `only ${tsBlocks.length} TypeScript blocks found`);
  const unnamed = tsBlocks.filter((b) => !b.attrs.file).map((b) => `${GUIDE}:${b.line}`);
  assert.deepEqual(unnamed, [], 'every ```ts block needs file=PATH (it is written there and tested)');
  // GitHub does not show the info string: the line above each block names the file for readers
  const lines = markdown.split('\n');
  const unlabelled = tsBlocks
    .filter((b) => !lines[b.line - 2]?.includes(`\`${b.attrs.file}\``))
    .map((b) => `${GUIDE}:${b.line}`);
  assert.deepEqual(unlabelled, [], 'the line before each block names its file (**`path`**:)');
  assert.ok(testFiles.length >= 3 && runFiles.length >= 1);
});

test('guide files are new files of the project, or appended to existing ones', () => {
  for (const f of files) {
    const exists = existsSync(join(REPO_ROOT, f.path));
    if (f.append) assert.ok(exists, `${f.path} (${GUIDE}:${f.lines[0]}) is appended to but does not exist`);
    else assert.ok(!exists, `${f.path} (${GUIDE}:${f.lines[0]}) would replace a file of the project`);
  }
});

test('the guide code typechecks', async () => {
  const r = await typecheck;
  assert.equal(r.code, 0, `tsc on the guide's files failed:\n${r.output}`);
  console.log(`tsc: ${r.seconds.toFixed(1)} s`);
});

test("the guide's tests pass", async () => {
  const r = await tests;
  assert.equal(r.code, 0, `the guide's tests failed:\n${r.output}`);
  assert.match(r.stdout, /^ℹ pass [1-9]/m);
  assert.match(r.stdout, /^ℹ fail 0$/m);
  console.log(`tests: ${r.seconds.toFixed(1)} s`);
});

test("the guide's scripts run", async () => {
  await tests; // one CPU-heavy job at a time after the tests
  for (const path of runFiles) {
    const r = await (copy as ProjectCopy).node([path]);
    assert.equal(r.code, 0, `${path} failed:\n${r.output}`);
    console.log(`${path}: ${r.seconds.toFixed(1)} s: ${r.stdout.trim().split('\n').at(-1)}`);
  }
});

test('the guide code is formatted and lint-clean as the project wants it (biome)', async () => {
  // appended blocks are left out: their imports sit at the end of the file they extend
  const r = await (copy as ProjectCopy).lint(files.filter((f) => !f.append).map((f) => f.path));
  assert.equal(r.code, 0, `biome check of the guide's files (fix the blocks in ${GUIDE}):\n${r.output}`);
});

test('the guide names every method of BaseTrainerModel, BaseTTS, TrainableModel and the Trainer callbacks', () => {
  const methods = [
    ...baseModelMethods(),
    ...baseTtsMethods(),
    ...trainableModelMethods(),
    ...callbackMethods(),
  ];
  assert.ok(methods.length > 25, `only ${methods.length} methods found: ${methods.join(', ')}`);
  const missing = [...new Set(methods)].filter((m) => !new RegExp(`\`${m}[(\`]`).test(markdown));
  assert.deepEqual(missing, [], `${GUIDE} does not mention: ${missing.join(', ')}`);
});
