/**
 * Optimizers and schedulers by the names Coqui configs use (`optimizer`, `optimizer_params`, `lr_scheduler`,
 * `lr_scheduler_params`). Parameter keys may be snake_case as in Coqui's JSON (`weight_decay`, `warmup_steps`,
 * `T_max`) or camelCase; a key the optimizer/scheduler does not take, or a name it does not know, is an error
 * that names it.
 *
 * As Coqui's trainer (`trainer.trainer_utils.get_optimizer`), `"RAdam"` builds Coqui's own RAdam
 * (`TTS.utils.radam`, here `CoquiRAdam`); PyTorch's `torch.optim.RAdam` is `"TorchRAdam"`.
 */

import type { Tensor } from '../tensor.ts';
import { Adam, AdamW } from './adam.ts';
import {
  CosineAnnealingLR,
  CosineWithWarmup,
  ExponentialLR,
  LinearLR,
  type LRScheduler,
  MultiStepLR,
  NoamLR,
  StepLR,
} from './lr_scheduler.ts';
import { Optimizer, type ParamGroup, type ParamGroupInput, snakeToCamel } from './optimizer.ts';
import { CoquiRAdam, RAdam } from './radam.ts';
import { SGD } from './sgd.ts';

type AnyOptimizer = Optimizer<ParamGroup>;

/** Keys given as snake_case (or PyTorch's `T_max`) → camelCase. */
function normalizeKey(key: string): string {
  if (key === 'T_max' || key === 'TMax') return 'tMax';
  return snakeToCamel(key);
}

/** Normalizes the keys of `params` and rejects any not in `allowed`. */
function normalize(
  kind: string,
  name: string,
  params: Record<string, unknown> | null | undefined,
  allowed: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    const key = normalizeKey(k);
    if (!allowed.includes(key)) {
      throw new Error(`${kind} '${name}': unknown parameter '${k}' (takes ${allowed.join(', ')})`);
    }
    out[key] = v;
  }
  return out;
}

function requireNumber(kind: string, name: string, params: Record<string, unknown>, key: string): void {
  if (typeof params[key] !== 'number') {
    throw new Error(
      `${kind} '${name}': parameter '${key}' must be a number (got ${JSON.stringify(params[key])})`,
    );
  }
}

const optimizerKeys: Record<string, string[]> = {
  adam: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'],
  adamw: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'],
  radam: ['lr', 'betas', 'eps', 'weightDecay', 'degeneratedToSgd'],
  torchradam: ['lr', 'betas', 'eps', 'weightDecay'],
  sgd: ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'],
};

/** Names createOptimizer knows (matched case-insensitively). */
export const optimizerNames = ['Adam', 'AdamW', 'RAdam', 'TorchRAdam', 'SGD'] as const;

/**
 * The optimizer Coqui's config names: `createOptimizer('RAdam', params, 1e-3, {betas: [0.9, 0.998],
 * weight_decay: 1e-6})`. `lr` may also be given inside the options (third argument an object), as
 * `createOptimizer(name, params, {lr, ...optimizerParams})`.
 */
export function createOptimizer(
  name: string,
  params: Iterable<Tensor> | Iterable<ParamGroupInput>,
  lr: number | Record<string, unknown>,
  optimizerParams: Record<string, unknown> = {},
): AnyOptimizer {
  const key = String(name).toLowerCase();
  const allowed = optimizerKeys[key];
  if (allowed === undefined) {
    throw new Error(`unknown optimizer '${name}' (known: ${optimizerNames.join(', ')})`);
  }
  const given = typeof lr === 'number' ? { ...optimizerParams, lr } : { ...optimizerParams, ...lr };
  const o = normalize('optimizer', name, given, allowed);
  if (o.lr === undefined && key !== 'sgd') delete o.lr;
  const opts = o as never;
  switch (key) {
    case 'adam':
      return new Adam(params, opts) as unknown as AnyOptimizer;
    case 'adamw':
      return new AdamW(params, opts) as unknown as AnyOptimizer;
    case 'radam':
      return new CoquiRAdam(params, opts) as unknown as AnyOptimizer;
    case 'torchradam':
      return new RAdam(params, opts) as unknown as AnyOptimizer;
    default:
      requireNumber('optimizer', name, o, 'lr');
      return new SGD(params, opts) as unknown as AnyOptimizer;
  }
}

/** Names createScheduler knows (matched case-insensitively). */
export const schedulerNames = [
  'NoamLR',
  'ExponentialLR',
  'StepLR',
  'MultiStepLR',
  'CosineAnnealingLR',
  'LinearLR',
  'CosineWithWarmup',
] as const;

/**
 * The scheduler Coqui's config names over `optimizer`, e.g. `createScheduler('NoamLR', {warmup_steps: 4000},
 * optimizer)`. The optimizer and the parameters may come in either order.
 */
export function createScheduler(
  name: string,
  a: object | null | undefined,
  b: object | null | undefined,
): LRScheduler {
  const isOpt = (v: unknown): v is AnyOptimizer => v instanceof Optimizer;
  const optimizer = isOpt(a) ? a : isOpt(b) ? b : null;
  if (optimizer === null) throw new TypeError(`createScheduler('${name}'): no optimizer given`);
  const raw = (isOpt(a) ? b : a) as Record<string, unknown> | null | undefined;
  const kind = 'scheduler';
  const p = (keys: string[]) => normalize(kind, name, raw, [...keys, 'lastEpoch']);
  switch (String(name).toLowerCase()) {
    case 'noamlr':
      return new NoamLR(optimizer, p(['warmupSteps']) as never);
    case 'exponentiallr': {
      const o = p(['gamma']);
      requireNumber(kind, name, o, 'gamma');
      return new ExponentialLR(optimizer, o as never);
    }
    case 'steplr': {
      const o = p(['stepSize', 'gamma']);
      requireNumber(kind, name, o, 'stepSize');
      return new StepLR(optimizer, o as never);
    }
    case 'multisteplr': {
      const o = p(['milestones', 'gamma']);
      if (!Array.isArray(o.milestones)) {
        throw new Error(`${kind} '${name}': parameter 'milestones' must be a list of steps`);
      }
      return new MultiStepLR(optimizer, o as never);
    }
    case 'cosineannealinglr': {
      const o = p(['tMax', 'etaMin']);
      requireNumber(kind, name, o, 'tMax');
      return new CosineAnnealingLR(optimizer, o as never);
    }
    case 'linearlr':
      return new LinearLR(optimizer, p(['startFactor', 'endFactor', 'totalIters']) as never);
    case 'cosinewithwarmup':
    case 'cosine_with_warmup': {
      const o = p(['warmupSteps', 'totalSteps', 'numCycles', 'numWarmupSteps', 'numTrainingSteps']);
      if (o.numWarmupSteps !== undefined) o.warmupSteps = o.numWarmupSteps;
      if (o.numTrainingSteps !== undefined) o.totalSteps = o.numTrainingSteps;
      requireNumber(kind, name, o, 'warmupSteps');
      requireNumber(kind, name, o, 'totalSteps');
      return new CosineWithWarmup(optimizer, o as never);
    }
    default:
      throw new Error(`unknown scheduler '${name}' (known: ${schedulerNames.join(', ')})`);
  }
}
