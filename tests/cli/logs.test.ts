// `ribbit logs` and the TypeScript TensorBoard reader (src/trainer/tensorboard/reader.ts): event files written by
// SummaryWriter and by a Trainer run read back exactly as scripts/tbread.py (google.protobuf) reads them; CRC
// errors are reported; the command's table, --tag and --json.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { AudioProcessor } from '../../src/audio/processor.ts';
import { formatScalarTable } from '../../src/cli/logs.ts';
import { main } from '../../src/cli/main.ts';
import { BaseTTSConfig } from '../../src/config/index.ts';
import { makeDemoDataset } from '../../src/data/demo.ts';
import { loadTtsSamples } from '../../src/data/samples.ts';
import { TTSTokenizer } from '../../src/text/index.ts';
import * as torch from '../../src/torch/index.ts';
import { encodeRecord, ProtoWriter, SummaryWriter } from '../../src/trainer/tensorboard/index.ts';
import {
  decodeEvent,
  readEventFile,
  readScalars,
  type ScalarPoint,
  summarizeScalars,
} from '../../src/trainer/tensorboard/reader.ts';
import { Trainer } from '../../src/trainer/trainer.ts';
import { espeakAvailable } from '../text/espeakAvailable.ts';
import { TinyTTS } from '../trainer/tiny_model.ts';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'ribbit-logs-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A python3 with google.protobuf, and protoc (scripts/tbread.py needs both); else a reason to skip. */
function findReader(): { python: string } | { skip: string } {
  if (spawnSync('protoc', ['--version']).status !== 0) return { skip: 'protoc not installed' };
  for (const python of [process.env.RIBBIT_PYTHON, '/usr/bin/python3', 'python3'].filter(
    Boolean,
  ) as string[]) {
    if (spawnSync(python, ['-c', 'import google.protobuf']).status === 0) return { python };
  }
  return { skip: 'no python3 with google.protobuf' };
}
const reader = findReader();

/** The scalar series of a folder as scripts/tbread.py reads them: tag -> [step, value][]. */
function tbreadScalars(python: string, dir: string): Map<string, [number, number][]> {
  const r = spawnSync(python, [join(root, 'scripts/tbread.py'), '--no-bytes', dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = new Map<string, [number, number][]>();
  for (const line of r.stdout.trim().split('\n')) {
    const e = JSON.parse(line) as {
      step: number;
      summary?: { value: { tag: string; simple_value?: number }[] };
    };
    for (const v of e.summary?.value ?? []) {
      if (v.simple_value === undefined) continue;
      out.set(v.tag, [...(out.get(v.tag) ?? []), [e.step, v.simple_value]]);
    }
  }
  return out;
}

const pairs = (points: ScalarPoint[]) => points.map((p): [number, number] => [p.step, p.value]);

/** Runs `ribbit ...` in-process; returns the exit code and what it printed on stdout. */
async function ribbit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (s: string) => out.push(s);
  console.error = (s: string) => err.push(s);
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** A TensorBoard-2 style scalar: a one-element float tensor with the `scalars` plugin's metadata. */
function tensorScalarEvent(tag: string, value: number, step: number): Uint8Array {
  const tensor = new ProtoWriter().int(1, 1).message(2, new ProtoWriter()).float(5, value, true);
  const metadata = new ProtoWriter().message(1, new ProtoWriter().string(1, 'scalars'));
  const v = new ProtoWriter().string(1, tag).message(8, tensor).message(9, metadata);
  return new ProtoWriter()
    .double(1, 1700000000.5)
    .int(2, step)
    .message(5, new ProtoWriter().message(1, v))
    .finish()
    .slice();
}

test('reader: scalars, kinds and steps of a SummaryWriter file; TensorBoard-2 tensor scalars', () => {
  const dir = join(work, 'writer');
  const w = new SummaryWriter(dir, { flushSecs: 0 });
  const loss = [2.5, 1.25, 0.1, 0.3];
  for (const [i, v] of loss.entries()) w.addScalar('train/loss', v, (i + 1) * 10);
  w.addScalar('eval/loss', 0.7, 20);
  w.addScalar('train/negative', -3.5e-7, 5);
  w.addText('notes', 'hello', 0);
  w.addImageFromArray('fig', new Float32Array(12).fill(0.5), 3, 4, 10);
  w.addAudio('audio', new Float32Array(100), 22050, 10);
  w.close();
  const [file] = readdirSync(dir);
  const events = readEventFile(join(dir, file));
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  const kinds = new Map(events.flatMap((e) => e.values.map((v) => [v.tag, v.kind] as const)));
  assert.deepEqual(Object.fromEntries(kinds), {
    'train/loss': 'scalar',
    'eval/loss': 'scalar',
    'train/negative': 'scalar',
    notes: 'tensor',
    fig: 'image',
    audio: 'audio',
  });
  const scalars = readScalars(dir);
  assert.deepEqual(
    pairs(scalars.get('train/loss') ?? []),
    loss.map((v, i) => [(i + 1) * 10, Math.fround(v)]),
  );
  assert.deepEqual(pairs(scalars.get('train/negative') ?? []), [[5, Math.fround(-3.5e-7)]]);
  assert.ok(!scalars.has('fig') && !scalars.has('notes'));
  const s = summarizeScalars(scalars.get('train/loss') ?? []);
  assert.deepEqual(
    { ...s },
    {
      count: 4,
      last: Math.fround(0.3),
      lastStep: 40,
      min: Math.fround(0.1),
      max: 2.5,
      firstStep: 10,
      maxStep: 40,
    },
  );
  const ev = decodeEvent(tensorScalarEvent('tb2/loss', 0.625, 123));
  assert.deepEqual(ev, {
    wallTime: 1700000000.5,
    step: 123,
    values: [{ tag: 'tb2/loss', kind: 'scalar', value: 0.625 }],
  });

  if (!('skip' in reader)) {
    const ref = tbreadScalars(reader.python, dir);
    assert.deepEqual([...ref.keys()].sort(), [...scalars.keys()].sort());
    for (const [tag, points] of scalars) assert.deepEqual(pairs(points), ref.get(tag), tag);
  }
});

test('reader: a flipped byte is a CRC error naming the file; a truncated file is reported', () => {
  const dir = join(work, 'corrupt');
  const w = new SummaryWriter(dir, { flushSecs: 0 });
  w.addScalar('a', 1, 1);
  w.addScalar('a', 2, 2);
  w.close();
  const path = join(dir, readdirSync(dir)[0]);
  const bytes = readFileSync(path);
  const bad = Buffer.from(bytes);
  bad[bad.length - 6] ^= 0x01; // inside the last record's data
  writeFileSync(path, bad);
  assert.throws(() => readScalars(dir), /data CRC mismatch/);
  writeFileSync(path, bytes.subarray(0, bytes.length - 3));
  assert.throws(() => readEventFile(path), /truncated record/);
  // A record whose payload is not an Event (CRCs fine): the record index is named.
  writeFileSync(path, Buffer.concat([bytes, Buffer.from(encodeRecord(new Uint8Array([0x0f, 0xff])))]));
  assert.throws(() => readEventFile(path), /record 3: protobuf/);
});

test('ribbit logs: table, --tag series, --json, errors', async () => {
  const dir = join(work, 'cli');
  const w = new SummaryWriter(dir, { flushSecs: 0 });
  for (const [i, v] of [3, 2, 4, 1].entries()) w.addScalar('TrainIterStats/loss', v, i + 1);
  w.addScalar('EvalStats/loss', 0.5, 4);
  w.close();
  const table = await ribbit('logs', dir);
  assert.equal(table.code, 0, table.err);
  assert.equal(
    table.out,
    [
      'TAG                  LAST  AT STEP  MIN  MAX  STEPS  POINTS',
      'EvalStats/loss       0.5   4        0.5  0.5  4      1',
      'TrainIterStats/loss  1     4        1    4    1-4    4',
    ].join('\n'),
  );
  assert.match(table.err, /1 event file\(s\), 2 scalar tag\(s\)/);
  const series = await ribbit('logs', dir, '--tag', 'TrainIterStats/loss');
  assert.equal(series.out, '1\t3\n2\t2\n3\t4\n4\t1');
  const json = await ribbit('logs', dir, '--json');
  assert.deepEqual(JSON.parse(json.out)['TrainIterStats/loss'], {
    count: 4,
    last: 1,
    lastStep: 4,
    min: 1,
    max: 4,
    firstStep: 1,
    maxStep: 4,
  });
  const tagJson = await ribbit('logs', dir, '--tag=EvalStats/loss', '--json');
  assert.deepEqual(
    (JSON.parse(tagJson.out) as ScalarPoint[]).map((p) => [p.step, p.value]),
    [[4, 0.5]],
  );
  const missing = await ribbit('logs', dir, '--tag', 'nope');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no scalar tag "nope".*EvalStats\/loss, TrainIterStats\/loss/);
  const empty = mkdtempSync(join(work, 'empty-'));
  assert.equal((await ribbit('logs', empty)).code, 2);
  assert.equal((await ribbit('logs')).code, 2);
  assert.equal(formatScalarTable(new Map()), 'TAG  LAST  AT STEP  MIN  MAX  STEPS  POINTS');
});

test('a Trainer run: every scalar equals what scripts/tbread.py reads; ribbit logs reports the last eval loss; printEval lines', {
  skip: espeakAvailable ? false : 'espeak-ng is not installed',
}, async (t) => {
  if (!process.env.RIBBIT_NUM_THREADS) torch.setNumThreads(1);
  const data = join(work, 'data');
  await makeDemoDataset({ out: data, sentences: 6 });
  const lines = readFileSync(join(data, 'metadata.csv'), 'utf8').trim().split('\n');
  writeFileSync(join(data, 'train.csv'), `${lines.slice(0, 4).join('\n')}\n`);
  writeFileSync(join(data, 'val.csv'), `${lines.slice(4).join('\n')}\n`);
  const cfg = BaseTTSConfig.create({
    runName: 'tiny',
    outputPath: join(work, 'runs'),
    epochs: 2,
    batchSize: 2,
    evalBatchSize: 2,
    printStep: 1,
    plotStep: 1,
    printEval: true,
    optimizer: 'Adam',
    lr: 1e-2,
    optimizerParams: {},
    lrScheduler: '',
    seed: 1,
    textCleaner: 'english_cleaners',
    audio: { numMels: 32 },
  });
  const samples = loadTtsSamples([
    { formatter: 'ljspeech', path: data, metaFileTrain: 'train.csv', metaFileVal: 'val.csv' },
  ]);
  torch.manualSeed(7);
  const model = new TinyTTS({
    config: cfg,
    data: {
      train: samples.train,
      eval: samples.eval,
      tokenizer: TTSTokenizer.fromConfig(cfg, { onNotFound: () => {} }),
      audio: new AudioProcessor(cfg.audio),
    },
  });
  const trainer = new Trainer({ config: cfg, model, quiet: true, runPath: join(work, 'run') });
  await trainer.fit();
  // printEval: every eval step's loss items with their running averages reach the run log.
  const log = readFileSync(join(trainer.runPath, 'trainer_0_log.txt'), 'utf8');
  assert.equal(log.match(/ --> EVAL STEP 1\/1\n {5}\| > loss: \S+ {2}\(\S+\)/g)?.length, 2, log);
  const scalars = readScalars(trainer.runPath);
  assert.deepEqual(
    pairs(scalars.get('TrainIterStats/loss') ?? []).map(([s]) => s),
    [1, 2, 3, 4],
  );
  const lastEval = trainer.lastEval?.loss as number;
  const logs = await ribbit('logs', trainer.runPath, '--json');
  assert.equal(logs.code, 0, logs.err);
  const summary = JSON.parse(logs.out)['EvalStats/loss'];
  assert.equal(summary.last, Math.fround(lastEval));
  assert.equal(summary.lastStep, 4);
  if ('skip' in reader) {
    t.skip(reader.skip);
    return;
  }
  const ref = tbreadScalars(reader.python, trainer.runPath);
  assert.deepEqual([...scalars.keys()].sort(), [...ref.keys()].sort());
  for (const [tag, points] of scalars) assert.deepEqual(pairs(points), ref.get(tag), tag);
});
