// The espeak-ng demo dataset: the single-speaker LJSpeech layout by default, the multi-speaker coqui layout
// with --speakers (read back through the formatters), and the option errors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';
import { coqui, ljspeech } from '../../src/data/formatters.ts';

const dir = mkdtempSync(join(tmpdir(), 'ribbit-demo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('default: one en-us voice, LJSpeech metadata (id|text|text) and wavs/<id>.wav', async () => {
  const meta = await makeDemoDataset({ out: join(dir, 'one'), sentences: 2, offset: 5 });
  const lines = readFileSync(meta, 'utf8').trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^DEMO-0006\|([^|]+)\|\1$/);
  const r = ljspeech(join(dir, 'one'), null);
  assert.equal(r.problems.length, 0);
  assert.deepEqual(
    r.samples.map((s) => s.speakerName),
    ['ljspeech', 'ljspeech'],
  );
  assert.equal(readWav(r.samples[0].audioFile).sampleRate, 22050);
});

test('speakers: every voice speaks every sentence; the coqui formatter reads the speakers back', async () => {
  const root = join(dir, 'many');
  await makeDemoDataset({ out: root, sentences: 1, speakers: ['en-gb', 'en-us+f3'] });
  const r = coqui(root, 'metadata.csv');
  assert.equal(r.problems.length, 0);
  assert.deepEqual(
    r.samples.map((s) => [s.speakerName, s.audioFile]),
    [
      ['en-gb', join(root, 'wavs/en-gb/DEMO-0001.wav')],
      ['en-us+f3', join(root, 'wavs/en-us_f3/DEMO-0001.wav')],
    ],
  );
  assert.equal(r.samples[0].text, r.samples[1].text);
  const [a, b] = r.samples.map((s) => readWav(s.audioFile).samples);
  assert.ok(a.length !== b.length || a.some((v, i) => v !== b[i]), 'two voices, two recordings');
});

test('option errors: a voice and speakers, a voice twice, an unknown voice', async () => {
  await assert.rejects(
    makeDemoDataset({ out: join(dir, 'x'), sentences: 1, voice: 'en-us', speakers: ['en-gb'] }),
    /either one voice or a list of speakers/,
  );
  await assert.rejects(
    makeDemoDataset({ out: join(dir, 'x'), sentences: 1, speakers: ['en-gb', 'en-gb'] }),
    /a voice is listed twice/,
  );
  await assert.rejects(
    makeDemoDataset({ out: join(dir, 'x'), sentences: 1, speakers: ['nosuchvoice'] }),
    /espeak-ng -v nosuchvoice: .*voice does not exist/,
  );
});
