// `ribbit compute-stats` on a vocoder config: the statistics of every wav under its dataPath.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAudioStats } from '../../src/audio/processor.ts';
import { writeWav } from '../../src/audio/wav.ts';
import { main } from '../../src/cli/main.ts';

test('compute-stats reads the wavs of a vocoder config (dataPath)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-voc-stats-'));
  mkdirSync(join(dir, 'wavs', 'sub'), { recursive: true });
  for (const [i, f] of ['a.wav', 'sub/b.wav'].entries()) {
    const s = new Float32Array(4000);
    for (let t = 0; t < s.length; t++) s[t] = 0.2 * Math.sin(((300 + 200 * i) * 2 * Math.PI * t) / 22050);
    writeWav(join(dir, 'wavs', f), s, 22050);
  }
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ model: 'hifigan', data_path: join(dir, 'wavs') }));
  const out = join(dir, 'stats.json');
  const log = console.log;
  console.log = () => {};
  try {
    assert.equal(await main(['compute-stats', '--config-path', configPath, '--out', out]), 0);
  } finally {
    console.log = log;
  }
  const stats = loadAudioStats(out);
  assert.equal(stats.mel_mean.length, 80);
  assert.equal(stats.linear_std.length, 513);
  assert.ok(stats.mel_std.every((v) => v > 0));
});
