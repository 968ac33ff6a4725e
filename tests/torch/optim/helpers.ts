// Shared helpers of the optim tests: the fixture problem of scripts/fixtures/make_optim_fixtures.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';

export interface JsonTensor {
  shape: number[];
  data: number[];
}

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join('tests/fixtures/optim', name), 'utf8')) as T;
}

export function fromJson(t: JsonTensor): Tensor {
  return torch.tensor(Float32Array.from(t.data), { shape: t.shape });
}

export interface Problem {
  x: JsonTensor;
  y: JsonTensor;
  params: JsonTensor[];
}

/** The fixture's initial parameters (W [3,4], b [3], c [2,2]) as fresh leaf tensors. */
export function initialParams(problem: Problem): Tensor[] {
  return problem.params.map((p) => torch.keep(fromJson(p).requiresGrad_()));
}

/** loss = mean((x W^T + b - y)^2) + 0.5 sum(c^2); backward fills the parameters' grads. Returns the loss. */
export function lossAndBackward(problem: Problem, params: Tensor[]): number {
  return torch.tidy(() => {
    const [w, b, c] = params;
    const x = fromJson(problem.x);
    const y = fromJson(problem.y);
    const r = x.matmul(w.transpose(0, 1)).add(b).sub(y);
    const loss = r.pow(2).mean().add(c.mul(c).sum().mul(0.5));
    loss.backward();
    return loss.item();
  });
}

/** Sets every parameter's grad to null, computes the loss and its gradients. */
export function freshGrads(problem: Problem, params: Tensor[]): number {
  for (const p of params) p.grad = null;
  return lossAndBackward(problem, params);
}

/** Replaces every parameter's grad with the given values (the fixture's PyTorch gradients of the step). */
export function setGrads(params: Tensor[], grads: number[][]): void {
  params.forEach((p, i) => {
    p.grad = torch.keep(torch.tensor(Float32Array.from(grads[i]), { shape: p.shape }));
  });
}

/** The bytes of each tensor, for bit-identity checks. */
export function bytesOf(ts: Tensor[]): Buffer[] {
  return ts.map((t) => Buffer.from(torch.toBytes(t)));
}
