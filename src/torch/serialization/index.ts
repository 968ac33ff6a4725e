/**
 * Checkpoint formats in pure TypeScript, independent of the tensor engine: safetensors (read/write) and
 * PyTorch `torch.save` files (read, through a restricted unpickler that never runs code).
 */
export {
  type PyGlobal,
  pyAttributes,
  type UnpickleOptions,
  type UnpickleResult,
  unpickle,
} from './pickle.ts';
export {
  type LoadStateDictOptions,
  loadPthStateDict,
  type ReadPthOptions,
  readPth,
  stateDictOf,
  toPlain,
} from './pth.ts';
export {
  bfloat16ToNumber,
  checkRawTensor,
  DTYPES,
  type DType,
  elementSize,
  float16ToNumber,
  isRawTensor,
  numel,
  type RawTensor,
  rawTensorFrom,
  rawTensorValues,
} from './raw.ts';
export {
  readSafetensors,
  type SafetensorsFile,
  safetensorsDtypeCode,
  safetensorsToBytes,
  serializeSafetensors,
  type TensorsInput,
  writeSafetensors,
  writeSafetensorsSync,
} from './safetensors.ts';
export { crc32, type ZipEntry, ZipReader } from './zip.ts';
