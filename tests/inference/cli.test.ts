// `ribbit speak` and `ribbit list-speakers`: in-process with an injected loader, and as a subprocess
// (stdin text, --pipe-out to stdout).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { helpText } from '../../src/cli/command.ts';
import { listSpeakersCommand } from '../../src/cli/list_speakers.ts';
import { main } from '../../src/cli/main.ts';
import { serveCommand } from '../../src/cli/serve.ts';
import { speakCommand } from '../../src/cli/speak.ts';
import { createFakeSynthesizer } from '../../src/inference/fake.ts';
import { type LoadOptions, setModelLoader } from '../../src/inference/load.ts';

const BIN = new URL('../../bin/ribbit.mjs', import.meta.url).pathname;

/** Runs `fn` with console.log / console.error captured. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    const code = await fn();
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('every command has --help with examples', () => {
  for (const cmd of [speakCommand, listSpeakersCommand, serveCommand]) {
    const h = helpText(cmd);
    assert.match(h, /Examples:\n {2}ribbit /, cmd.name);
    assert.match(h, /--model-path PATH/, cmd.name);
  }
  assert.match(helpText(speakCommand), /--pipe-out/);
  assert.match(helpText(serveCommand), /--queue-size N/);
  assert.match(helpText(serveCommand), /--max-text-length CHARS/);
});

test('speak writes a WAV with the injected loader; options reach the loader and the synthesis', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-speak-'));
  const seen: LoadOptions[] = [];
  setModelLoader(async (o) => {
    seen.push(o);
    return createFakeSynthesizer({ speakers: ['ann', 'ben'] });
  });
  try {
    const out = join(dir, 'x.wav');
    const r = await capture(() =>
      main([
        'speak',
        '--text',
        'Hello there. Bye \u2603.',
        '--model-path',
        'm.pth',
        '--config-path',
        'c.json',
        '--speaker',
        'ben',
        '--speed',
        '2',
        '--out',
        out,
      ]),
    );
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(seen, [{ modelPath: 'm.pth', configPath: 'c.json', device: 'cpu' }]);
    const wav = readWav(out);
    assert.equal(wav.sampleRate, 22050);
    const expected = await createFakeSynthesizer({ speakers: ['ann', 'ben'] }).synthesize(
      'Hello there. Bye \u2603.',
      {
        speaker: 'ben',
        speed: 2,
      },
    );
    assert.equal(wav.samples.length, expected.samples.length);
    assert.match(r.err, /2 sentences/);
    assert.match(r.err, /real-time factor/);
    assert.match(r.err, /"\u2603" x1/);
    const bad = await capture(() =>
      main(['speak', '--text', 'Hi.', '--model-path', 'm', '--speaker', 'zed', '--out', out]),
    );
    assert.equal(bad.code, 2); // a request the voice refuses: exit 2, as a usage error
    assert.match(bad.err, /unknown speaker "zed".*0: ann, 1: ben/);
    const empty = await capture(() => main(['speak', '--text', ' ', '--model-path', 'm', '--out', out]));
    assert.equal(empty.code, 2);
    assert.match(empty.err, /text is empty/);
    const noModel = await capture(() =>
      main(['speak', '--text', 'Hi.', '--config-path', 'c.json', '--out', out]),
    );
    assert.equal(noModel.code, 2);
    assert.match(noModel.err, /--config-path needs --model-path/);
  } finally {
    setModelLoader(null);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('speak with a missing model file says so', async () => {
  const r = await capture(() =>
    main(['speak', '--text', 'Hi.', '--model-path', 'm.pth', '--out', '/dev/null']),
  );
  assert.equal(r.code, 1);
  assert.match(r.err, /model not found: m\.pth/);
});

test('list-speakers prints index and name, or JSON', async () => {
  setModelLoader(async () => createFakeSynthesizer({ speakers: ['ann', 'ben'] }));
  try {
    const r = await capture(() => main(['list-speakers', '--model-path', 'm.pth']));
    assert.equal(r.code, 0);
    assert.equal(r.out, '0\tann\n1\tben');
    const j = await capture(() => main(['list-speakers', '--model-path', 'm.pth', '--json']));
    assert.deepEqual(JSON.parse(j.out), {
      sampleRate: 22050,
      language: 'en',
      languages: ['en'],
      speakers: ['ann', 'ben'],
    });
  } finally {
    setModelLoader(null);
  }
  const single = await capture(() => main(['list-speakers', '--loader', 'fake']));
  assert.equal(single.code, 0);
  assert.equal(single.out, '');
  assert.match(single.err, /single speaker/);
});

test('speak as a subprocess: text from stdin, WAV on stdout with --pipe-out', () => {
  const r = spawnSync(process.execPath, [BIN, 'speak', '--loader', 'fake', '--pipe-out'], {
    input: 'Text from standard input. Two sentences.',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr.toString());
  const wav = readWav(new Uint8Array(r.stdout));
  assert.equal(wav.sampleRate, 22050);
  assert.ok(wav.samples.length > 22050);
  assert.match(r.stderr.toString(), /Wrote stdout: .* 2 sentences/);
});
