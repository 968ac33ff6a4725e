// TTSDataset on an 8-utterance espeak-ng demo dataset: length filters, length sorting and bucketing, collate
// shapes and padding, the mel cache, deterministic batch order with skip, prefetch, resampling.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AudioProcessor } from '../../src/audio/processor.ts';
import { resample, resampledLength } from '../../src/audio/resample.ts';
import { readWav, writeWav } from '../../src/audio/wav.ts';
import { BaseTTSConfig } from '../../src/config/index.ts';
import { type MelExtractor, TTSDataset, type TTSDatasetOptions } from '../../src/data/dataset.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';
import type { Sample } from '../../src/data/formatters.ts';
import { loadTtsSamples } from '../../src/data/samples.ts';
import { TTSTokenizer } from '../../src/text/index.ts';
import * as torch from '../../src/torch/index.ts';
import { espeakAvailable } from '../text/espeakAvailable.ts';

// Tiny tensors: one intra-op thread is several times faster than two when the suite runs files in parallel.
if (!process.env.RIBBIT_NUM_THREADS) torch.setNumThreads(1);
const skip = espeakAvailable ? false : 'espeak-ng is not installed (apt-get install espeak-ng)';

const config = BaseTTSConfig.create({
  textCleaner: 'english_cleaners',
  audio: { sampleRate: 22050, numMels: 40, fftSize: 1024, winLength: 1024, hopLength: 256 },
});
const tokenizer = TTSTokenizer.fromConfig(config, { onNotFound: () => {} });
const ap = new AudioProcessor(config.audio);

/** An AudioProcessor that counts the mels it computes. */
class CountingExtractor implements MelExtractor {
  calls = 0;
  readonly sampleRate = ap.sampleRate;
  melspectrogram(wav: torch.Tensor): torch.Tensor {
    this.calls += 1;
    return ap.melspectrogram(wav);
  }
  prepareWav(wav: torch.Tensor): torch.Tensor {
    return ap.prepareWav(wav);
  }
}

let dir = '';
let samples: Sample[] = [];

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'ribbit-ds-'));
  await makeDemoDataset({ out: dir, sentences: 8 });
  samples = loadTtsSamples([{ formatter: 'ljspeech', path: dir }], { evalSplit: false }).train;
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function dataset(o: Partial<TTSDatasetOptions> = {}): Promise<TTSDataset> {
  const ds = new TTSDataset({ samples, tokenizer, audio: ap, batchSize: 2, seed: 1, ...o });
  await ds.prepare();
  return ds;
}

/** Row-major values of a tensor as plain numbers. */
const values = (t: torch.Tensor) => Array.from(t.dataSync() as ArrayLike<number | bigint>, Number);

describe('TTSDataset', { skip }, () => {
  test('prepare: tokenizes, measures audio from the header, sorts by length', async () => {
    const ds = await dataset();
    assert.equal(ds.items.length, 8);
    const lengths = ds.items.map((it) => it.audioLength);
    assert.deepEqual(
      lengths,
      [...lengths].sort((a, b) => a - b),
    );
    for (const it of ds.items) {
      assert.equal(it.audioLength, readWav(it.sample.audioFile).samples.length);
      assert.deepEqual(it.tokenIds, await tokenizer.textToIds(it.sample.text));
    }
    assert.equal(ds.length, 4);
  });

  test('length filters: counts and reasons are reported; nothing left is an error naming them', async () => {
    const all = (await dataset()).items;
    const textLens = all.map((it) => it.tokenIds.length);
    const minText = Math.min(...textLens) + 1;
    const maxText = Math.max(...textLens) - 1;
    const shortText = textLens.filter((n) => n < minText).length;
    const longText = textLens.filter((n) => n > maxText).length;
    const textOk = all.filter((it) => it.tokenIds.length >= minText && it.tokenIds.length <= maxText);
    const maxAudio = Math.max(...textOk.map((it) => it.audioLength)) - 1;
    const longAudio = textOk.filter((it) => it.audioLength > maxAudio).length;
    assert.ok(shortText >= 1 && longText >= 1 && longAudio >= 1);
    const weird: Sample = { ...samples[0], text: '¤¤¤' };
    const lines: string[] = [];
    const ds = await dataset({
      samples: [...samples, weird],
      minTextLen: minText,
      maxTextLen: maxText,
      maxAudioLen: maxAudio,
      log: (l) => lines.push(l),
    });
    const kept = 8 - shortText - longText - longAudio;
    assert.equal(ds.items.length, kept);
    assert.deepEqual(
      lines.slice().sort(),
      [
        ` > Dataset: ${kept} samples kept of 9`,
        `   | > dropped ${shortText}: text shorter than ${minText}`,
        `   | > dropped ${longText}: text longer than ${maxText}`,
        `   | > dropped ${longAudio}: audio longer than ${maxAudio} samples`,
        '   | > dropped 1: no known characters in the text',
      ].sort(),
    );
    assert.equal(lines[0], ` > Dataset: ${kept} samples kept of 9`);
    for (const it of ds.items) {
      assert.ok(it.tokenIds.length >= minText && it.tokenIds.length <= maxText);
      assert.ok(it.audioLength <= maxAudio);
    }
    await assert.rejects(
      dataset({ minAudioLen: 10 ** 9 }),
      /no usable samples \(8 dropped: audio shorter than 1000000000 samples\)/,
    );
  });

  test('batch order: bucketing keeps batches inside groups of batchGroupSize * batchSize sorted samples', async () => {
    const ds = await dataset({ batchGroupSize: 2 }); // groups of 4 samples
    const seen = new Set<string>();
    for (let epoch = 0; epoch < 6; epoch++) {
      const order = ds.batchOrder(epoch);
      assert.equal(order.length, 4);
      const flat = order.flat().sort((a, b) => a - b);
      assert.deepEqual(flat, [0, 1, 2, 3, 4, 5, 6, 7]);
      for (const b of order) assert.equal(Math.floor(b[0] / 4), Math.floor(b[1] / 4), `epoch ${epoch}: ${b}`);
      seen.add(JSON.stringify(order.map((b) => [...b].sort())));
    }
    assert.ok(seen.size > 1, 'bucketing makes different batches in different epochs');
  });

  test('batch order: no bucketing gives consecutive sorted runs; no shuffle keeps them in order; dropLast', async () => {
    const plain = await dataset({ batchSize: 3 });
    for (let epoch = 0; epoch < 3; epoch++) {
      const order = plain.batchOrder(epoch);
      assert.deepEqual(
        [...order].sort((a, b) => a[0] - b[0]),
        [
          [0, 1, 2],
          [3, 4, 5],
          [6, 7],
        ],
      );
    }
    const fixed = await dataset({ batchSize: 3, shuffle: false, batchGroupSize: 4 });
    assert.deepEqual(fixed.batchOrder(5), [
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
    const dropped = await dataset({ batchSize: 3, dropLast: true, shuffle: false });
    assert.equal(dropped.length, 2);
    assert.deepEqual(dropped.batchOrder(0), [
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  test('collate: [B, T] int64 tokens padded with the pad id, [B, T, C] mels padded with zeros, lengths', async () => {
    const ds = await dataset();
    const idx = [6, 1, 3];
    const batch = await ds.collate(idx);
    const ids = batch.tokenIds as torch.Tensor;
    const idLens = batch.tokenIdsLengths as torch.Tensor;
    const mel = batch.mel as torch.Tensor;
    const melLens = batch.melLengths as torch.Tensor;
    const maxText = Math.max(...idx.map((i) => ds.items[i].tokenIds.length));
    assert.equal(ids.dtype, 'int64');
    assert.deepEqual(ids.shape, [3, maxText]);
    assert.equal(idLens.dtype, 'int64');
    assert.deepEqual(
      values(idLens),
      idx.map((i) => ds.items[i].tokenIds.length),
    );
    const idv = values(ids);
    idx.forEach((i, b) => {
      const want = ds.items[i].tokenIds;
      const row = idv.slice(b * maxText, (b + 1) * maxText);
      assert.deepEqual(row.slice(0, want.length), want);
      assert.ok(row.slice(want.length).every((v) => v === tokenizer.padId));
    });
    assert.equal(mel.dtype, 'float32');
    const frames = values(melLens);
    assert.equal(melLens.dtype, 'int64');
    assert.deepEqual(mel.shape, [3, Math.max(...frames), 40]);
    const T = mel.shape[1];
    const mv = mel.toFloat32Array();
    for (const [b, i] of idx.entries()) {
      // The rows are the item's mel: the processor's melspectrogram of the prepared wav, transposed.
      const wav = torch.tensor(readWav(ds.items[i].sample.audioFile).samples);
      const ref = torch.tidy(() => ap.melspectrogram(ap.prepareWav(wav)).transpose(0, 1).contiguous());
      assert.equal(ref.shape[0], frames[b]);
      assert.deepEqual(mv.subarray(b * T * 40, (b * T + frames[b]) * 40), ref.toFloat32Array());
      const pad = mv.subarray((b * T + frames[b]) * 40, (b + 1) * T * 40);
      assert.ok(pad.every((v) => v === 0));
      assert.ok(frames[b] < T || pad.length === 0);
    }
    assert.deepEqual(
      batch.rawTexts,
      idx.map((i) => ds.items[i].sample.text),
    );
    assert.deepEqual(batch.speakerNames, ['ljspeech', 'ljspeech', 'ljspeech']);
    // what formatBatch needs to find a clip's d-vector
    assert.deepEqual(
      batch.audioUniqueNames,
      idx.map((i) => ds.items[i].sample.audioUniqueName),
    );
    assert.match(String((batch.audioUniqueNames as string[])[0]), /^#wavs\//);
    assert.deepEqual(batch.languages, [null, null, null]);
    // Trimming is on by default: mels are shorter than the untrimmed audio.
    assert.ok(frames.every((f, b) => f <= Math.ceil(ds.items[idx[b]].audioLength / 256) + 1));
  });

  test('mel cache: the second epoch reuses the mels (identical tensors); without cache they are recomputed', async () => {
    const counting = new CountingExtractor();
    const ds = await dataset({ audio: counting });
    const first = await ds.collate([0, 5]);
    assert.equal(counting.calls, 2);
    const again = await ds.collate([5, 0]);
    assert.equal(counting.calls, 2);
    const a = (first.mel as torch.Tensor).toFloat32Array();
    const b = (again.mel as torch.Tensor).toFloat32Array();
    const T = (first.mel as torch.Tensor).shape[1];
    assert.deepEqual(a.subarray(0, T * 40), b.subarray(T * 40));
    assert.deepEqual(a.subarray(T * 40), b.subarray(0, T * 40));

    const uncounted = new CountingExtractor();
    const nocache = await dataset({ audio: uncounted, cacheMels: false });
    const c1 = await nocache.collate([0, 5]);
    const c2 = await nocache.collate([0, 5]);
    assert.equal(uncounted.calls, 4);
    assert.deepEqual((c1.mel as torch.Tensor).toFloat32Array(), a);
    assert.deepEqual((c2.mel as torch.Tensor).toFloat32Array(), a);
  });

  test('batches(epoch, skip): deterministic for a seed, skip gives the tail of the same order', async () => {
    const ids = async (ds: TTSDataset, epoch: number, skipN = 0) => {
      const out: string[] = [];
      for await (const b of ds.batches(epoch, skipN)) out.push((b.audioFiles as string[]).join(','));
      return out;
    };
    const a = await dataset({ batchGroupSize: 2 });
    const b = await dataset({ batchGroupSize: 2 });
    const other = await dataset({ batchGroupSize: 2, seed: 2 });
    let differs = false;
    for (let epoch = 0; epoch < 4; epoch++) {
      const full = await ids(a, epoch);
      assert.equal(full.length, 4);
      assert.deepEqual(await ids(b, epoch), full);
      assert.deepEqual(await ids(b, epoch, 1), full.slice(1));
      assert.deepEqual(await ids(b, epoch, 3), full.slice(3));
      assert.deepEqual(await ids(b, epoch, 4), []);
      if (JSON.stringify(await ids(other, epoch)) !== JSON.stringify(full)) differs = true;
    }
    assert.ok(differs, 'another seed gives another order');
  });

  test('prefetch: the next batch is prepared while the current one is used; an early exit leaves nothing pending', async () => {
    const counting = new CountingExtractor();
    const ds = await dataset({ audio: counting, shuffle: false });
    const it = ds.batches(0)[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    // Without asking for batch 2, its mels get computed (polling: the file reads are asynchronous).
    for (let t = 0; t < 250 && counting.calls < 4; t++) await sleep(20);
    assert.equal(counting.calls, 4, 'batch 2 was computed while batch 1 was in use');
    await it.next();
    for (let t = 0; t < 250 && counting.calls < 6; t++) await sleep(20);
    assert.equal(counting.calls, 6);
    await sleep(50);
    assert.equal(counting.calls, 6, 'one batch ahead, not more');
    await it.return?.(undefined);

    // A failing prefetch after an early break is not an unhandled rejection (and its error is not lost when
    // the batch is asked for).
    class Failing extends CountingExtractor {
      override melspectrogram(wav: torch.Tensor): torch.Tensor {
        if (this.calls >= 2) throw new Error('mel failed');
        return super.melspectrogram(wav);
      }
    }
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const fragile = await dataset({ audio: new Failing(), shuffle: false });
      let n = 0;
      for await (const _ of fragile.batches(0)) {
        n += 1;
        await sleep(50); // the prefetch of batch 2 fails meanwhile
        break;
      }
      assert.equal(n, 1);
      await sleep(50);
      const again = await dataset({ audio: new Failing(), shuffle: false });
      await assert.rejects(async () => {
        for await (const _ of again.batches(0)) await sleep(10);
      }, /mel failed/);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
  });

  test('audio at another rate is resampled to the config rate (lengths and mels), with one note', async () => {
    const low = mkdtempSync(join(tmpdir(), 'ribbit-ds-16k-'));
    try {
      const src = readWav(samples[0].audioFile);
      const path = join(low, 'a.wav');
      writeWav(path, resample(src.samples, src.sampleRate, 16000), 16000);
      const lines: string[] = [];
      const ds = await dataset({ samples: [{ ...samples[0], audioFile: path }], log: (l) => lines.push(l) });
      assert.equal(ds.items[0].audioLength, resampledLength(readWav(path).samples.length, 16000, 22050));
      const batch = await ds.collate([0]);
      assert.deepEqual((batch.mel as torch.Tensor).shape.slice(2), [40]);
      assert.ok(
        lines.some((l) => l.includes('Resampling audio from 16000 Hz to the config')),
        lines.join('\n'),
      );
    } finally {
      rmSync(low, { recursive: true, force: true });
    }
  });

  test('phonemes: a phoneme tokenizer with a disk cache feeds the same pipeline', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'ribbit-ds-ph-'));
    try {
      const cfg = BaseTTSConfig.create({
        usePhonemes: true,
        phonemeLanguage: 'en-us',
        textCleaner: 'english_cleaners',
      });
      const ph = TTSTokenizer.fromConfig(cfg, { phonemeCacheDir: cacheDir, onNotFound: () => {} });
      const ds = await dataset({ tokenizer: ph, samples: samples.slice(0, 3) });
      assert.equal(ds.items.length, 3);
      for (const it of ds.items) assert.deepEqual(it.tokenIds, await ph.textToIds(it.sample.text));
      const batch = await ds.collate([0, 1]);
      assert.equal((batch.tokenIds as torch.Tensor).shape[0], 2);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});

describe("TTSDataset output 'waveform' (VITS)", { skip }, () => {
  test('padded waveforms [B, 1, T] with lengths and relative lengths, the same text fields', async () => {
    const ds = await dataset({ output: 'waveform' });
    const order = ds.batchOrder(0);
    const b = await ds.collate(order[0]);
    const wavs = await Promise.all(order[0].map((i) => ds.wav(i)));
    const lens = wavs.map((w) => w.length);
    const max = Math.max(...lens);
    const waveform = b.waveform as torch.Tensor;
    assert.deepEqual(waveform.shape, [order[0].length, 1, max]);
    assert.deepEqual(values(b.waveformLengths as torch.Tensor), lens);
    assert.deepEqual(
      values(b.waveformRelLengths as torch.Tensor),
      lens.map((n) => Math.fround(n / max)),
    );
    assert.equal(b.mel, undefined);
    for (const [k, w] of wavs.entries()) {
      const row = waveform.select(0, k).reshape([-1]).toFloat32Array();
      assert.deepEqual(row.subarray(0, w.length), w);
      // padded with the tokenizer's pad id value, as Coqui's VitsDataset does
      assert.ok(row.subarray(w.length).every((v) => v === tokenizer.padId));
    }
    const mels = await (await dataset()).collate(order[0]);
    assert.deepEqual(values(b.tokenIds as torch.Tensor), values(mels.tokenIds as torch.Tensor));
    assert.deepEqual(b.speakerNames, mels.speakerNames);
    // a second collate (from the cache) gives the same batch
    const again = await ds.collate(order[0]);
    assert.deepEqual(values(again.waveform as torch.Tensor), values(waveform));
  });
});
