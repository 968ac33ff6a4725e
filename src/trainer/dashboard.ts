/**
 * Where the Trainer sends scalars, figures and audio: TensorBoard event files in the run folder, or nothing.
 * Another logger (W&B, ClearML, ...) plugs in by implementing `Dashboard`.
 */
import { SummaryWriter } from './tensorboard/index.ts';

export interface Dashboard {
  scalar(tag: string, value: number, step: number): void;
  /** A heat map (spectrogram, alignment) of row-major values [height, width]. */
  figure(tag: string, fig: { data: Float32Array; height: number; width: number }, step: number): void;
  /** Mono audio in [-1, 1] at `sampleRate` Hz. */
  audio(tag: string, samples: Float32Array, sampleRate: number, step: number): void;
  flush(): void;
  close(): void;
}

export class NullDashboard implements Dashboard {
  scalar(): void {}
  figure(): void {}
  audio(): void {}
  flush(): void {}
  close(): void {}
}

/** TensorBoard event files written by our own writer into `logDir`. */
export class TensorBoardDashboard implements Dashboard {
  readonly writer: SummaryWriter;

  constructor(logDir: string) {
    this.writer = new SummaryWriter(logDir);
  }

  scalar(tag: string, value: number, step: number): void {
    this.writer.addScalar(tag, value, step);
  }

  figure(tag: string, fig: { data: Float32Array; height: number; width: number }, step: number): void {
    this.writer.addImageFromArray(tag, fig.data, fig.height, fig.width, step);
  }

  audio(tag: string, samples: Float32Array, sampleRate: number, step: number): void {
    this.writer.addAudio(tag, samples, sampleRate, step);
  }

  flush(): void {
    this.writer.flush();
  }

  close(): void {
    this.writer.close();
  }
}

export function openDashboard(logDir: string): Dashboard {
  return new TensorBoardDashboard(logDir);
}
