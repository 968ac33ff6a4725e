/**
 * `ribbit compute-stats`: per-channel mean and standard deviation of the mel and linear spectrograms of a
 * config's datasets, or of every wav under a vocoder config's `dataPath` (Coqui's `compute_statistics.py`), written as JSON that `audio.statsPath` accepts.
 * Spectrograms are taken in dB without signal normalisation, as Coqui does; sums are accumulated in float64.
 */
import { readFile } from 'node:fs/promises';
import { AudioProcessor, type AudioStats } from '../audio/processor.ts';
import { resample } from '../audio/resample.ts';
import { readWav } from '../audio/wav.ts';
import { camelToSnake } from '../config/index.ts';
import { loadTtsSamples } from '../data/samples.ts';
import * as torch from '../torch/index.ts';
import { ConsoleLogger } from '../trainer/console.ts';
import { writeFileAtomicSync } from '../util/atomic.ts';
import { findFiles } from '../vocoder/datasets/preprocess.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';
import { loadRunConfig } from './train.ts';

/** Running per-channel sums of a `[C, frames]` feature. */
class ChannelStats {
  readonly sum: Float64Array;
  readonly squares: Float64Array;
  frames = 0;
  constructor(readonly channels: number) {
    this.sum = new Float64Array(channels);
    this.squares = new Float64Array(channels);
  }

  /** Adds `[C, frames]` row-major values. */
  add(data: Float32Array | Float64Array, frames: number): void {
    for (let c = 0; c < this.channels; c++) {
      let s = 0;
      let q = 0;
      const row = c * frames;
      for (let t = 0; t < frames; t++) {
        const v = data[row + t];
        s += v;
        q += v * v;
      }
      this.sum[c] += s;
      this.squares[c] += q;
    }
    this.frames += frames;
  }

  mean(): number[] {
    return Array.from(this.sum, (s) => s / this.frames);
  }

  /** sqrt(E[x^2] - E[x]^2), as Coqui computes it. */
  std(): number[] {
    return Array.from(this.sum, (s, c) => {
      const m = s / this.frames;
      return Math.sqrt(Math.max(0, this.squares[c] / this.frames - m * m));
    });
  }
}

export const computeStatsCommand: Command = {
  name: 'compute-stats',
  summary: 'Mean/std of the mel and linear spectrograms of a dataset (for audio.statsPath).',
  usage: 'ribbit compute-stats --config-path CONFIG.json --out stats.json [--<field> VALUE ...]',
  description:
    "Reads every sample of the config's datasets (train and validation metadata), computes dB spectrograms\n" +
    'with the config\'s audio settings but without signal normalisation, and writes {"mel_mean", "mel_std",\n' +
    '"linear_mean", "linear_std", "audio_config"} as JSON. Point audio.statsPath at it (with\n' +
    'audio.signalNorm=true) to train with mean-variance normalised features, as Coqui does.',
  options: [
    { name: 'config-path', type: 'string', arg: 'PATH', help: 'Run config JSON (ribbit or Coqui format).' },
    { name: 'config', type: 'string', arg: 'PATH', help: 'Same as --config-path.' },
    { name: 'out', type: 'string', arg: 'PATH', help: 'Where to write the statistics JSON.' },
  ],
  allowOverrides: true,
  examples: [
    'ribbit compute-stats --config-path recipes/demo/glow_tts.json --out data/demo/scale_stats.json',
    'ribbit compute-stats --config-path config.json --out stats.json --datasets.0.path=/data/LJSpeech-1.1',
  ],
  async run(args) {
    const o = args.options;
    if (typeof o.out !== 'string') throw new UsageError('--out PATH is required');
    const outPath = o.out;
    const configPath = typeof o.configPath === 'string' ? o.configPath : o.config;
    const config = loadRunConfig({
      configPath: typeof configPath === 'string' ? configPath : undefined,
      overrides: args.rest,
    }) as {
      audio: Record<string, unknown>;
      datasets?: Parameters<typeof loadTtsSamples>[0];
      /** Vocoder configs: every wav under this folder. */
      dataPath?: string;
      skipBadSamples?: boolean;
    };
    const audioConfig = { ...config.audio, signalNorm: false, statsPath: null };
    const ap = new AudioProcessor(audioConfig);
    let samples: { audioFile: string }[];
    if (config.datasets) {
      const { train, eval: evalSamples } = loadTtsSamples(config.datasets, {
        evalSplit: false,
        skipMissing: config.skipBadSamples ?? false,
      });
      samples = [...train, ...evalSamples];
    } else if (config.dataPath) {
      samples = findFiles(config.dataPath, '.wav').map((audioFile) => ({ audioFile }));
    } else throw new UsageError('the config names no datasets (TTS) or dataPath (vocoder)');
    if (samples.length === 0) throw new Error('the datasets have no samples');
    const log = new ConsoleLogger();
    const started = Date.now();
    let mel: ChannelStats | null = null;
    let linear: ChannelStats | null = null;
    for (const [i, sample] of samples.entries()) {
      const bytes = await readFile(sample.audioFile);
      const wav = readWav(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        name: sample.audioFile,
      });
      const samplesAtRate =
        wav.sampleRate === ap.sampleRate ? wav.samples : resample(wav.samples, wav.sampleRate, ap.sampleRate);
      torch.noGrad(() =>
        torch.tidy(() => {
          const x = ap.prepareWav(torch.tensor(samplesAtRate));
          const m = ap.melspectrogram(x).to('float64');
          const s = ap.spectrogram(x).to('float64');
          mel ??= new ChannelStats(m.size(0));
          linear ??= new ChannelStats(s.size(0));
          mel.add(m.contiguous().toFloat64Array(), m.size(1));
          linear.add(s.contiguous().toFloat64Array(), s.size(1));
        }),
      );
      log.progress(' computing', i + 1, samples.length, started);
    }
    log.endProgress();
    const m = mel as unknown as ChannelStats;
    const l = linear as unknown as ChannelStats;
    // the audio config the statistics belong to, as Coqui records it: normalisation on, pointing at this file,
    // without the fields that mean-variance scaling does not use
    const snakeAudio: Record<string, unknown> = {};
    const unused = new Set(['maxNorm', 'minLevelDb', 'symmetricNorm', 'clipNorm']);
    for (const [k, v] of Object.entries({ ...config.audio, signalNorm: true, statsPath: outPath })) {
      if (!unused.has(k)) snakeAudio[camelToSnake(k)] = v;
    }
    const stats: AudioStats = {
      mel_mean: m.mean(),
      mel_std: m.std(),
      linear_mean: l.mean(),
      linear_std: l.std(),
      audio_config: snakeAudio,
    };
    writeFileAtomicSync(outPath, `${JSON.stringify(stats)}\n`);
    log.line(
      ` > Wrote ${outPath}: ${samples.length} files, ${m.frames.toLocaleString('en-US')} frames, ` +
        `${m.channels} mel and ${l.channels} linear channels (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    return 0;
  },
};
