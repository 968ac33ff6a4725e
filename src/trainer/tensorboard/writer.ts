/**
 * TensorBoard event-file writer, in pure TypeScript: scalars, images (PNG), audio (WAV) and text, written as
 * `Event` protocol buffers in TFRecord framing to `<logDir>/events.out.tfevents.<secs>.<host>.<pid>.<n>`,
 * readable by TensorBoard and by `scripts/tbread.py`.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../audio/wav.ts';
import { encodePng } from '../../util/png.ts';
import { type HeatmapOptions, renderHeatmap } from './colormap.ts';
import { ProtoWriter } from './proto.ts';
import { encodeRecord } from './record.ts';

/** Options of `SummaryWriter`. */
export interface SummaryWriterOptions {
  /** Buffered records are written at least this often, in seconds (default 10). */
  flushSecs?: number;
  /** Buffered records are written as soon as this many are waiting (default 10). */
  maxQueue?: number;
  /** Appended to the event file name. */
  filenameSuffix?: string;
}

/** Options of `SummaryWriter.addImage`. */
export interface ImageOptions {
  /** TensorBoard colour space: 1 gray, 2 gray + alpha, 3 RGB (default), 4 RGBA. */
  colorspace?: number;
  /** Event time in seconds since the Unix epoch (default: now). */
  wallTime?: number;
}

/** Options of `SummaryWriter.addImageFromArray`. */
export interface ImageFromArrayOptions extends HeatmapOptions {
  /** 1: values are a heat map through `colormap` (default when data has height*width values); 3: RGB in [0, 1]. */
  channels?: 1 | 3;
  /** Event time in seconds since the Unix epoch (default: now). */
  wallTime?: number;
}

// Field numbers (tensorboard/compat/proto/event.proto, summary.proto, tensor.proto, tensor_shape.proto).
const EVENT_WALL_TIME = 1;
const EVENT_STEP = 2;
const EVENT_FILE_VERSION = 3;
const EVENT_SUMMARY = 5;
const SUMMARY_VALUE = 1;
const VALUE_TAG = 1;
const VALUE_SIMPLE_VALUE = 2;
const VALUE_IMAGE = 4;
const VALUE_AUDIO = 6;
const VALUE_TENSOR = 8;
const VALUE_METADATA = 9;
const IMAGE_HEIGHT = 1;
const IMAGE_WIDTH = 2;
const IMAGE_COLORSPACE = 3;
const IMAGE_ENCODED = 4;
const AUDIO_SAMPLE_RATE = 1;
const AUDIO_NUM_CHANNELS = 2;
const AUDIO_LENGTH_FRAMES = 3;
const AUDIO_ENCODED = 4;
const AUDIO_CONTENT_TYPE = 5;
const METADATA_PLUGIN_DATA = 1;
const PLUGIN_NAME = 1;
const TENSOR_DTYPE = 1;
const TENSOR_SHAPE = 2;
const TENSOR_STRING_VAL = 8;
const SHAPE_DIM = 2;
const DIM_SIZE = 1;
const DT_STRING = 7;

/** Version string of the first event of every file. */
export const FILE_VERSION = 'brain.Event:2';

let fileCounter = 0;
const openWriters = new Set<SummaryWriter>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: flush() and close() are.
  process.on('exit', () => {
    for (const w of [...openWriters]) {
      try {
        w.close();
      } catch {
        // nothing more can be done while exiting
      }
    }
  });
}

function checkTag(tag: string): void {
  if (typeof tag !== 'string' || tag.length === 0)
    throw new Error('SummaryWriter: tag must be a non-empty string');
}

function checkStep(step: number): void {
  if (!Number.isSafeInteger(step)) throw new Error(`SummaryWriter: step must be an integer, got ${step}`);
}

/** Writes TensorBoard event files. Records are buffered; `flush()` or `close()` writes them out. */
export class SummaryWriter {
  /** Directory holding the event file. */
  readonly logDir: string;
  /** Path of the event file. */
  readonly path: string;
  private fd: number | undefined;
  private queue: Uint8Array[] = [];
  private readonly maxQueue: number;
  private timer: NodeJS.Timeout | undefined;
  private deferredError: unknown;

  constructor(logDir: string, options: SummaryWriterOptions = {}) {
    this.logDir = logDir;
    mkdirSync(logDir, { recursive: true });
    const secs = String(Math.floor(Date.now() / 1000)).padStart(10, '0');
    const name = `events.out.tfevents.${secs}.${hostname()}.${process.pid}.${fileCounter++}${options.filenameSuffix ?? ''}`;
    this.path = join(logDir, name);
    this.fd = openSync(this.path, 'a');
    this.maxQueue = Math.max(1, options.maxQueue ?? 10);
    this.queue.push(
      encodeRecord(
        new ProtoWriter()
          .double(EVENT_WALL_TIME, Date.now() / 1000, true)
          .string(EVENT_FILE_VERSION, FILE_VERSION)
          .finish(),
      ),
    );
    this.flush();
    const flushSecs = options.flushSecs ?? 10;
    if (flushSecs > 0 && Number.isFinite(flushSecs)) {
      this.timer = setInterval(() => {
        try {
          this.flush();
        } catch (e) {
          this.deferredError = e;
        }
      }, flushSecs * 1000);
      this.timer.unref();
    }
    openWriters.add(this);
    installExitHook();
  }

  /** True once `close()` has run. */
  get closed(): boolean {
    return this.fd === undefined;
  }

  /** Queues one Event holding `values` (encoded Summary.Value messages). */
  private addEvent(values: ProtoWriter[], step: number, wallTime?: number): void {
    if (this.fd === undefined) throw new Error(`SummaryWriter: ${this.path} is closed`);
    checkStep(step);
    const summary = new ProtoWriter();
    for (const v of values) summary.message(SUMMARY_VALUE, v);
    const event = new ProtoWriter()
      .double(EVENT_WALL_TIME, wallTime ?? Date.now() / 1000, true)
      .int(EVENT_STEP, step)
      .message(EVENT_SUMMARY, summary);
    this.queue.push(encodeRecord(event.finish()));
    if (this.queue.length >= this.maxQueue) this.flush();
  }

  /**
   * Logs a scalar (stored as float32).
   * @param step global step (integer)
   * @param wallTime seconds since the Unix epoch (default: now)
   */
  addScalar(tag: string, value: number, step: number, wallTime?: number): void {
    checkTag(tag);
    this.addEvent(
      [new ProtoWriter().string(VALUE_TAG, tag).float(VALUE_SIMPLE_VALUE, value, true)],
      step,
      wallTime,
    );
  }

  /** Logs several scalars at one step, in a single event: `{ 'loss/mel': 1.2, 'loss/kl': 0.3 }`. */
  addScalars(values: Record<string, number>, step: number, wallTime?: number): void {
    const entries = Object.entries(values);
    if (entries.length === 0) return;
    const vs = entries.map(([tag, value]) => {
      checkTag(tag);
      return new ProtoWriter().string(VALUE_TAG, tag).float(VALUE_SIMPLE_VALUE, value, true);
    });
    this.addEvent(vs, step, wallTime);
  }

  /** Logs a text (shown by TensorBoard's Text dashboard, rendered as Markdown). */
  addText(tag: string, text: string, step: number, wallTime?: number): void {
    checkTag(tag);
    const metadata = new ProtoWriter().message(
      METADATA_PLUGIN_DATA,
      new ProtoWriter().string(PLUGIN_NAME, 'text'),
    );
    const tensor = new ProtoWriter()
      .int(TENSOR_DTYPE, DT_STRING)
      .message(TENSOR_SHAPE, new ProtoWriter().message(SHAPE_DIM, new ProtoWriter().int(DIM_SIZE, 1)))
      .string(TENSOR_STRING_VAL, text, true);
    const value = new ProtoWriter()
      .string(VALUE_TAG, tag)
      .message(VALUE_METADATA, metadata)
      .message(VALUE_TENSOR, tensor);
    this.addEvent([value], step, wallTime);
  }

  /**
   * Logs an already encoded image (PNG, or JPEG/GIF: anything TensorBoard's browser can show).
   * @param width image width in pixels
   * @param height image height in pixels
   */
  addImage(
    tag: string,
    png: Uint8Array,
    width: number,
    height: number,
    step: number,
    options: ImageOptions = {},
  ): void {
    checkTag(tag);
    const image = new ProtoWriter()
      .int(IMAGE_HEIGHT, height)
      .int(IMAGE_WIDTH, width)
      .int(IMAGE_COLORSPACE, options.colorspace ?? 3)
      .bytes(IMAGE_ENCODED, png, true);
    this.addEvent(
      [new ProtoWriter().string(VALUE_TAG, tag).message(VALUE_IMAGE, image)],
      step,
      options.wallTime,
    );
  }

  /**
   * Logs row-major values as a PNG image: `height * width` values are drawn as a heat map (viridis by default,
   * row 0 at the bottom: for spectrograms [bins, frames] and alignments), `height * width * 3` values as RGB in
   * [0, 1].
   */
  addImageFromArray(
    tag: string,
    data: ArrayLike<number>,
    height: number,
    width: number,
    step: number,
    options: ImageFromArrayOptions = {},
  ): void {
    const channels = options.channels ?? (data.length === height * width * 3 && height * width > 0 ? 3 : 1);
    if (channels === 1) {
      const img = renderHeatmap(data, height, width, options);
      this.addImage(tag, encodePng(img.pixels, img.width, img.height, 3), img.width, img.height, step, {
        wallTime: options.wallTime,
      });
      return;
    }
    if (data.length !== height * width * 3) {
      throw new Error(
        `addImageFromArray: ${data.length} values do not make a ${height} x ${width} x 3 image`,
      );
    }
    const flip = options.origin === 'lower';
    const px = new Uint8Array(data.length);
    const stride = width * 3;
    for (let y = 0; y < height; y++) {
      const src = (flip ? height - 1 - y : y) * stride;
      for (let i = 0; i < stride; i++) {
        const v = data[src + i]!;
        px[y * stride + i] = v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0;
      }
    }
    this.addImage(tag, encodePng(px, width, height, 3), width, height, step, { wallTime: options.wallTime });
  }

  /**
   * Logs mono audio, WAV-encoded as 16-bit PCM.
   * @param samples mono samples in [-1, 1] (clipped)
   * @param sampleRate samples per second (Hz)
   */
  addAudio(tag: string, samples: Float32Array, sampleRate: number, step: number, wallTime?: number): void {
    checkTag(tag);
    const audio = new ProtoWriter()
      .float(AUDIO_SAMPLE_RATE, sampleRate, true)
      .int(AUDIO_NUM_CHANNELS, 1)
      .int(AUDIO_LENGTH_FRAMES, samples.length)
      .bytes(AUDIO_ENCODED, encodeWav(samples, sampleRate, { bitsPerSample: 16 }), true)
      .string(AUDIO_CONTENT_TYPE, 'audio/wav');
    this.addEvent([new ProtoWriter().string(VALUE_TAG, tag).message(VALUE_AUDIO, audio)], step, wallTime);
  }

  /** Writes every buffered record to the event file (synchronously). */
  flush(): void {
    if (this.deferredError !== undefined) {
      const e = this.deferredError;
      this.deferredError = undefined;
      throw e;
    }
    if (this.fd === undefined || this.queue.length === 0) return;
    const total = this.queue.reduce((n, r) => n + r.length, 0);
    const buf = new Uint8Array(total);
    let at = 0;
    for (const r of this.queue) {
      buf.set(r, at);
      at += r.length;
    }
    let written = 0;
    while (written < total) written += writeSync(this.fd, buf, written, total - written);
    this.queue = [];
  }

  /** Flushes and closes the event file; further `add*` calls throw. Safe to call twice. */
  close(): void {
    if (this.fd === undefined) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
      openWriters.delete(this);
    }
  }
}
