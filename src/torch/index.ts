/**
 * ribbit's tensor engine: libtorch from TypeScript.
 *
 *     import * as torch from 'ribbit/torch';
 *     const x = torch.randn([2, 3], { requiresGrad: true });
 *     x.mul(x).sum().backward();
 */

export * as aten from './aten.ts';
export * from './autograd.ts';
export { allSchemas, op } from './dispatch.ts';
export type { DType } from './dtype.ts';
export { dtypeSize, isFloatingDType } from './dtype.ts';
export * as F from './functional.ts';
export * from './random.ts';
export {
  blasInfo,
  cudaDeviceCount,
  cudaIsAvailable,
  getNumThreads,
  setNumThreads,
  torchVersion,
} from './runtime.ts';
export * from './scope.ts';
export * from './tensor.ts';
