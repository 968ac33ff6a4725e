/**
 * Dashboard logs of a TTS model's `trainLog` / `evalLog` (Coqui's `_create_logs`): for the first item of the
 * batch, the mel predicted by `inference`, the ground-truth mel and the alignment as figures, and the
 * predicted mel through Griffin-Lim as audio. Any model with the `BaseTTS` shape can use it:
 *
 * ```ts
 * override trainLog(batch: Batch, outputs: Record<string, unknown>, logger: ModelLogger, step: number): void {
 *   logTTSOutputs(logger, 'train', step, createTTSLogs(this, this.formatBatch(batch), outputs.alignments));
 * }
 * ```
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import type { ModelLogger } from '../../trainer/api.ts';
import { figureOf } from '../models/base_tts.ts';

/** A dashboard figure: row-major `[height, width]` values. */
export type TTSFigure = ReturnType<typeof figureOf>;

/** The figures and audio of one logged item. */
export interface TTSLogs {
  /** `prediction`, `ground_truth` (mels, channels as rows) and `alignment` (tokens as rows) when known. */
  figures: Record<string, TTSFigure>;
  /** The predicted mel through Griffin-Lim, in [-1, 1]. */
  audio: Float32Array;
  /** Hz. */
  sampleRate: number;
}

/** What `createTTSLogs` needs of a model (BaseTTS provides all of it). */
export interface LoggableTTS {
  readonly training: boolean;
  train(mode?: boolean): unknown;
  /** Mels `[B, T, C]` for tokens `[B, T_en]`. */
  inference(
    x: Tensor,
    aux: { xLengths?: Tensor | null; speakerIds?: Tensor | null; dVectors?: Tensor | null },
  ): { modelOutputs: Tensor };
  /** Waveform of a mel `[T, C]`. */
  melToWav(mel: Tensor): Float32Array;
  readonly ap: { readonly sampleRate: number };
}

/** The batch fields `createTTSLogs` reads (a formatted TTS batch). */
export interface TTSLogBatch {
  /** `[B, T_en]` int64. */
  textInput: Tensor;
  /** `[B]`. */
  textLengths: Tensor;
  /** `[B, T_de, C]`. */
  melInput: Tensor;
  /** `[B]`. */
  melLengths: Tensor;
  speakerIds?: Tensor | null;
  dVectors?: Tensor | null;
}

/**
 * Logs of the first item of `batch`: `inference` on its tokens in eval mode (the model's mode is restored),
 * the ground truth cut to its length, and `alignments` `[B, T_de, T_en]` (Coqui's layout of
 * `outputs.alignments`) when given.
 */
export function createTTSLogs(model: LoggableTTS, batch: TTSLogBatch, alignments?: unknown): TTSLogs {
  return torch.noGrad(() =>
    torch.tidy(() => {
      const wasTraining = model.training;
      model.train(false);
      let pred: Tensor;
      try {
        pred = model
          .inference(batch.textInput.slice(0, 0, 1), {
            xLengths: batch.textLengths.slice(0, 0, 1),
            speakerIds: batch.speakerIds?.slice(0, 0, 1) ?? null,
            dVectors: batch.dVectors?.slice(0, 0, 1) ?? null,
          })
          .modelOutputs.select(0, 0); // [T, C]
      } finally {
        model.train(wasTraining);
      }
      const melLen = Number(batch.melLengths.select(0, 0).item());
      const figures: Record<string, TTSFigure> = {
        prediction: figureOf(pred.transpose(0, 1)),
        ground_truth: figureOf(batch.melInput.select(0, 0).slice(0, 0, melLen).transpose(0, 1)),
      };
      if (isTensor(alignments)) figures.alignment = figureOf(alignments.select(0, 0).transpose(0, 1));
      return { figures, audio: model.melToWav(pred), sampleRate: model.ap.sampleRate };
    }),
  );
}

/** Sends `logs` to the dashboard as `<prefix>/<figure name>` and `<prefix>/audio`. */
export function logTTSOutputs(logger: ModelLogger, prefix: string, step: number, logs: TTSLogs): void {
  for (const [name, fig] of Object.entries(logs.figures)) logger.figure(`${prefix}/${name}`, fig, step);
  logger.audio(`${prefix}/audio`, logs.audio, logs.sampleRate, step);
}

function isTensor(v: unknown): v is Tensor {
  return v instanceof torch.Tensor;
}
