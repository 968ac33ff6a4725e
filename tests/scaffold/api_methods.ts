/** Names of the methods a class or interface of the source declares (for tests that docs and scaffold keep up). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './project_copy.ts';

/** Method names declared (two-space indent) in the class or interface body that `header` finds in `path`. */
export function declaredMethods(path: string, header: RegExp): string[] {
  const text = readFileSync(join(REPO_ROOT, path), 'utf8');
  const start = text.search(header);
  assert.ok(start >= 0, `${header} not found in ${path}`);
  const body = text.slice(start, text.indexOf('\n}', start));
  const names = [...body.matchAll(/^ {2}(?:abstract |override |async |readonly )*(\w+)\??(?:<[^>]*>)?\(/gm)];
  return [...new Set(names.map((m) => m[1]))].filter((n) => n !== 'constructor');
}

/** BaseTrainerModel's methods. */
export const baseModelMethods = (): string[] =>
  declaredMethods('src/models/base_model.ts', /export abstract class BaseTrainerModel\b/);
/** BaseTTS's methods. */
export const baseTtsMethods = (): string[] =>
  declaredMethods('src/tts/models/base_tts.ts', /export abstract class BaseTTS\b/);
/** The Trainer's model API (TrainableModel, without the callbacks). */
export const trainableModelMethods = (): string[] =>
  declaredMethods('src/trainer/api.ts', /export interface TrainableModel\b/);
/** The Trainer's callbacks. */
export const callbackMethods = (): string[] =>
  declaredMethods('src/trainer/api.ts', /export interface TrainerCallbacks\b/);
/** Methods `Module` implements. */
export const moduleMethods = (): string[] =>
  declaredMethods('src/torch/nn/module.ts', /export class Module\b/);

/** The abstract methods of BaseTrainerModel and BaseTTS (what every TTS model must write). */
export function abstractMethods(): string[] {
  const out: string[] = [];
  for (const path of ['src/models/base_model.ts', 'src/tts/models/base_tts.ts']) {
    const text = readFileSync(join(REPO_ROOT, path), 'utf8');
    for (const m of text.matchAll(/^ {2}abstract (\w+)\(/gm)) out.push(m[1]);
  }
  // BaseTTS implements these abstract members of the base
  const implemented = new Set(['formatBatch', 'getDataLoader']);
  return [...new Set(out)].filter((m) => !implemented.has(m));
}
