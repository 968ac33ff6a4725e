// `ribbit compute-stats`: the statistics it writes normalise the dataset's own mels to zero mean and unit
// variance per channel when the config points audio.statsPath at them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AudioProcessor, loadAudioStats } from '../../src/audio/processor.ts';
import { readWav } from '../../src/audio/wav.ts';
import { main } from '../../src/cli/main.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';
import * as torch from '../../src/torch/index.ts';

test('compute-stats writes mel/linear mean and std that standardise the dataset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-stats-'));
  const log = console.log;
  try {
    await makeDemoDataset({ out: join(dir, 'data'), sentences: 4 });
    const configPath = join(dir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        model: 'glow_tts',
        datasets: [{ formatter: 'ljspeech', path: join(dir, 'data'), metaFileTrain: 'metadata.csv' }],
      }),
    );
    const out = join(dir, 'stats.json');
    console.log = () => {};
    const code = await main([
      'compute-stats',
      '--config-path',
      configPath,
      '--out',
      out,
      '--audio.numMels=40',
      '--outChannels=40',
    ]);
    console.log = log;
    assert.equal(code, 0);
    const stats = loadAudioStats(out);
    assert.equal(stats.mel_mean.length, 40);
    assert.equal(stats.linear_std.length, 513);
    assert.equal(stats.audio_config?.num_mels, 40);
    assert.equal(stats.audio_config?.signal_norm, true);
    assert.equal(stats.audio_config?.stats_path, out);
    // standardising the same wavs with these statistics gives mean 0 and std 1 per mel channel
    const ap = new AudioProcessor({ numMels: 40, signalNorm: true, statsPath: out });
    const metadata = readFileSync(join(dir, 'data/metadata.csv'), 'utf8').trim().split('\n');
    const mels = metadata.map((line) => {
      const wav = readWav(join(dir, 'data/wavs', `${line.split('|')[0]}.wav`));
      return ap.melspectrogram(ap.prepareWav(torch.tensor(wav.samples)));
    });
    const all = torch.cat(mels, 1).to('float64'); // [40, frames]
    const mean = all.mean([1]);
    const std = all.sub(mean.unsqueeze(1)).square().mean([1]).sqrt();
    // float32 features through float64 sums: agreement to 1e-4 is what float32 spectrograms allow
    assert.ok(mean.abs().max().item() < 1e-4, `mean ${mean.abs().max().item()}`);
    assert.ok(std.sub(1).abs().max().item() < 1e-4, `std ${std.sub(1).abs().max().item()}`);
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
});
