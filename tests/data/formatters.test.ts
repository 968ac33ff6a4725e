// Dataset formatters on tiny corpora written to temp folders (one per layout), problem reporting with file and
// line, loadTtsSamples (skipMissing, relative roots, metaFileVal, language) and the speaker-preserving eval split.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeWav } from '../../src/audio/wav.ts';
import {
  commonVoice,
  coqui,
  css10,
  type FormatProblem,
  getFormatter,
  libriTts,
  ljspeech,
  mailabs,
  registerFormatter,
  type Sample,
  sourceLocation,
  thorsten,
  vctk,
} from '../../src/data/formatters.ts';
import { epochSeed, SeededRandom } from '../../src/data/random.ts';
import { loadTtsSamples, splitDataset } from '../../src/data/samples.ts';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ribbit-fmt-'));
  roots.push(d);
  return d;
}

/** Writes files (text, or a short WAV for paths ending in .wav given as null). */
function layout(root: string, files: Record<string, string | null>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (content === null) writeWav(path, new Float32Array(800).fill(0.1), 8000);
    else writeFileSync(path, content);
  }
}

const texts = (r: { samples: Sample[] }) => r.samples.map((s) => s.text);

describe('formatters', () => {
  test('ljspeech: normalized text column, wavs/<id>.wav, short lines reported with file and line', () => {
    const root = tmp();
    layout(root, {
      'metadata.csv': 'LJ001|Mr. Smith|Mister Smith\nLJ002|only two\n\nLJ003|x|Third one\r\n',
      'wavs/LJ001.wav': null,
      'wavs/LJ003.wav': null,
    });
    const r = ljspeech(root, null);
    assert.deepEqual(texts(r), ['Mister Smith', 'Third one']);
    assert.deepEqual(
      r.samples.map((s) => s.audioFile),
      [join(root, 'wavs/LJ001.wav'), join(root, 'wavs/LJ003.wav')],
    );
    assert.ok(r.samples.every((s) => s.speakerName === 'ljspeech' && s.rootPath === root));
    assert.equal(r.samples[1].source, `${join(root, 'metadata.csv')}:4`);
    assert.deepEqual(sourceLocation(r.samples[1]), { file: join(root, 'metadata.csv'), line: 4 });
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].file, join(root, 'metadata.csv'));
    assert.equal(r.problems[0].line, 2);
    assert.match(r.problems[0].message, /expected 3 '\|'-separated columns, got 2/);
  });

  test('ljspeech: an empty text or file name is a problem, not a sample', () => {
    const root = tmp();
    layout(root, { 'm.csv': 'A|a| \n|b|b\nC|c|c\n' });
    const r = ljspeech(root, 'm.csv');
    assert.deepEqual(texts(r), ['c']);
    assert.deepEqual(
      r.problems.map((p) => [p.line, p.message]),
      [
        [1, 'empty text'],
        [2, 'empty audio file name'],
      ],
    );
  });

  test('thorsten: id|text', () => {
    const root = tmp();
    layout(root, { 'metadata.csv': 'a1|Hallo Welt.\nbad\n', 'wavs/a1.wav': null });
    const r = thorsten(root, null);
    assert.deepEqual(texts(r), ['Hallo Welt.']);
    assert.equal(r.samples[0].audioFile, join(root, 'wavs/a1.wav'));
    assert.equal(r.samples[0].speakerName, 'thorsten');
    assert.deepEqual(
      r.problems.map((p) => p.line),
      [2],
    );
  });

  test('css10: relative wav path|text|...', () => {
    const root = tmp();
    layout(root, { 'transcript.txt': 'book/1.wav|Hola.|Hola.|1.2\n', 'book/1.wav': null });
    const r = css10(root, 'transcript.txt');
    assert.deepEqual(texts(r), ['Hola.']);
    assert.equal(r.samples[0].audioFile, join(root, 'book/1.wav'));
    assert.equal(r.samples[0].speakerName, 'css10');
  });

  test('common_voice: TSV with header, mp3 names mapped to clips/*.wav, speakers, ignored speakers', () => {
    const root = tmp();
    layout(root, {
      'validated.tsv':
        'client_id\tpath\tsentence\tup_votes\n' +
        'spk1\tcv_1.mp3\tFirst sentence.\t2\n' +
        'spk2\tcv_2.mp3\tSecond sentence.\t2\n' +
        'spk3\tcv_3.mp3\n' +
        'spk4\tcv_4.mp3\tIgnored.\t1\n',
      'clips/cv_1.wav': null,
      'clips/cv_2.wav': null,
    });
    const r = commonVoice(root, null, ['spk4']);
    assert.deepEqual(texts(r), ['First sentence.', 'Second sentence.']);
    assert.deepEqual(
      r.samples.map((s) => s.speakerName),
      ['MCV_spk1', 'MCV_spk2'],
    );
    assert.equal(r.samples[0].audioFile, join(root, 'clips/cv_1.wav'));
    assert.deepEqual(
      r.problems.map((p) => [p.file, p.line]),
      [[join(root, 'validated.tsv'), 4]],
    );
  });

  test('libri_tts: every *trans.tsv under the root, speaker/chapter folders, normalized text', () => {
    const root = tmp();
    layout(root, {
      '19/198/19_198_000000_000000.trans.tsv':
        '19_198_000000_000000\tHello, world!\tHello, world!\n19_198_000001_000000\tbroken\n',
      '19/198/19_198_000000_000000.wav': null,
      '26/495/26_495_000004_000000.trans.tsv': '26_495_000004_000000\tDr. Who\tDoctor Who\n',
      '26/495/26_495_000004_000000.wav': null,
    });
    const r = libriTts(root, null);
    assert.deepEqual(texts(r), ['Hello, world!', 'Doctor Who']);
    assert.deepEqual(
      r.samples.map((s) => s.speakerName),
      ['LTTS_19', 'LTTS_26'],
    );
    assert.equal(r.samples[1].audioFile, join(root, '26/495/26_495_000004_000000.wav'));
    assert.deepEqual(
      r.problems.map((p) => [relative(root, p.file), p.line]),
      [['19/198/19_198_000000_000000.trans.tsv', 2]],
    );
    assert.deepEqual(texts(libriTts(root, null, ['19'])), ['Doctor Who']);
    assert.deepEqual(texts(libriTts(root, '26/495/26_495_000004_000000.trans.tsv')), ['Doctor Who']);
  });

  test('mailabs: by_book/<gender>/<speaker>/<book>/metadata.csv, speaker from the path', () => {
    const root = tmp();
    layout(root, {
      'by_book/female/judy/book_a/metadata.csv': 'ja_01|Erster Satz.|Erster Satz.\nja_02\n',
      'by_book/female/judy/book_a/wavs/ja_01.wav': null,
      'by_book/male/karl/book_b/metadata.csv': 'kb_01|Zweiter Satz.|x\n',
      'by_book/male/karl/book_b/wavs/kb_01.wav': null,
      'not_a_speaker/metadata.csv': 'zz|ignored|x\n',
    });
    const r = mailabs(root, null);
    assert.deepEqual(texts(r), ['Erster Satz.', 'Zweiter Satz.']);
    assert.deepEqual(
      r.samples.map((s) => s.speakerName),
      ['judy', 'karl'],
    );
    assert.equal(r.samples[0].audioFile, join(root, 'by_book/female/judy/book_a/wavs/ja_01.wav'));
    assert.deepEqual(
      r.problems.map((p) => [relative(root, p.file), p.line]),
      [['by_book/female/judy/book_a/metadata.csv', 2]],
    );
    assert.deepEqual(texts(mailabs(root, null, ['judy'])), ['Zweiter Satz.']);
  });

  test('vctk: txt/<speaker>/*.txt with 0.92 (mic1) or old (wav48) audio; missing audio reported', () => {
    const root = tmp();
    layout(root, {
      'txt/p225/p225_001.txt': 'Please call Stella.\n',
      'wav48_silence_trimmed/p225/p225_001_mic1.wav': null,
      'txt/p226/p226_001.txt': 'Ask her to bring these things.\n',
      'wav48/p226/p226_001.wav': null,
      'txt/p227/p227_001.txt': 'No audio for this one.\n',
    });
    const r = vctk(root, null);
    assert.deepEqual(texts(r), ['Please call Stella.', 'Ask her to bring these things.']);
    assert.deepEqual(
      r.samples.map((s) => s.speakerName),
      ['VCTK_p225', 'VCTK_p226'],
    );
    assert.equal(r.samples[0].audioFile, join(root, 'wav48_silence_trimmed/p225/p225_001_mic1.wav'));
    assert.equal(r.samples[1].audioFile, join(root, 'wav48/p226/p226_001.wav'));
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].file, join(root, 'txt/p227/p227_001.txt'));
    assert.equal(r.problems[0].line, 1);
    assert.match(r.problems[0].message, /no audio for p227_001/);
    assert.deepEqual(texts(vctk(root, null, ['p225', 'p227'])), ['Ask her to bring these things.']);
    assert.equal(getFormatter('vctk_old'), vctk);
  });

  test('coqui: header-named columns, root-relative audio, speaker_name (default coqui), ignored speakers', () => {
    const root = tmp();
    layout(root, {
      'metadata.csv':
        'audio_file|text|speaker_name\nwavs/a/1.wav|One.|en-us\nwavs/b/1.wav|Two.|en-us+f3\nwavs/c/1.wav|x\n' +
        'wavs/c/2.wav|Three.|p225\n',
      'plain.csv': 'text|audio_file\nFour.|w/4.wav\n',
    });
    const r = coqui(root, 'metadata.csv', ['p225']);
    assert.deepEqual(texts(r), ['One.', 'Two.']);
    assert.deepEqual(
      r.samples.map((s) => [s.audioFile, s.speakerName]),
      [
        [join(root, 'wavs/a/1.wav'), 'en-us'],
        [join(root, 'wavs/b/1.wav'), 'en-us+f3'],
      ],
    );
    assert.deepEqual(
      r.problems.map((p) => [p.line, p.message]),
      [[4, 'expected 3 columns, got 2']],
    );
    const plain = coqui(root, 'plain.csv');
    assert.deepEqual(
      plain.samples.map((s) => [s.text, s.audioFile, s.speakerName]),
      [['Four.', join(root, 'w/4.wav'), 'coqui']],
    );
    layout(root, { 'ljspeech.csv': 'LJ001|Hello|Hello\n' });
    assert.match(
      coqui(root, 'ljspeech.csv').problems[0].message,
      /expected a header with audio_file and text/,
    );
  });

  test('getFormatter: unknown names list the known ones; registerFormatter adds one', () => {
    assert.throws(() => getFormatter('nope'), /unknown dataset formatter 'nope' \(known: .*ljspeech.*vctk/);
    registerFormatter('mine', () => ({ samples: [], problems: [] }));
    assert.deepEqual(getFormatter('mine')('/x', null), { samples: [], problems: [] });
  });

  test('a missing metadata file is an error naming it', () => {
    const root = tmp();
    assert.throws(
      () => ljspeech(root, 'nope.csv'),
      new RegExp(`metadata file not found: ${join(root, 'nope.csv')}`),
    );
  });
});

describe('loadTtsSamples', () => {
  function corpus(): string {
    const root = tmp();
    const lines = Array.from({ length: 10 }, (_, i) => `U${i}|text ${i}|Text ${i}.`);
    lines.splice(3, 0, 'BROKEN|no third column');
    layout(root, { 'metadata.csv': `${lines.join('\n')}\n` });
    for (let i = 0; i < 10; i++) if (i !== 6) layout(root, { [`wavs/U${i}.wav`]: null });
    return root;
  }

  test('a bad line and a missing wav fail the load, listed with file and line', () => {
    const root = corpus();
    const seen: FormatProblem[] = [];
    const meta = join(root, 'metadata.csv');
    assert.throws(
      () => loadTtsSamples([{ formatter: 'ljspeech', path: root }], { onProblem: (p) => seen.push(p) }),
      (e: Error) => {
        assert.match(e.message, /^2 problem\(s\) in the dataset metadata \(set skipMissing/);
        assert.ok(e.message.includes(`${meta}:4: expected 3 '|'-separated columns, got 2`), e.message);
        assert.ok(
          e.message.includes(`${meta}:8: audio file not found: ${join(root, 'wavs/U6.wav')}`),
          e.message,
        );
        return true;
      },
    );
    assert.deepEqual(
      seen.map((p) => [p.file, p.line]),
      [
        [meta, 4],
        [meta, 8],
      ],
    );
  });

  test('skipMissing: the run goes on without those samples; problems still reported', () => {
    const root = corpus();
    const seen: FormatProblem[] = [];
    const r = loadTtsSamples([{ formatter: 'ljspeech', path: root }], {
      skipMissing: true,
      evalSplitSize: 2,
      onProblem: (p) => seen.push(p),
    });
    assert.equal(r.train.length + r.eval.length, 9);
    assert.equal(r.eval.length, 2);
    assert.equal(r.problems.length, 2);
    assert.equal(seen.length, 2);
    const all = [...r.train, ...r.eval].map((s) => s.text).sort();
    assert.ok(!all.includes('Text 6.'));
    assert.ok(!all.some((t) => t.includes('no third column')));
  });

  test('a relative dataset path gives absolute audio paths that exist (not joined twice)', () => {
    const root = corpus();
    const rel = relative(process.cwd(), root);
    assert.ok(!isAbsolute(rel));
    const r = loadTtsSamples([{ formatter: 'ljspeech', path: rel, language: 'en' }], {
      skipMissing: true,
      evalSplit: false,
    });
    assert.equal(r.train.length, 9);
    assert.equal(r.eval.length, 0);
    for (const s of r.train) {
      assert.ok(isAbsolute(s.audioFile));
      assert.ok(s.audioFile.startsWith(join(root, 'wavs')), s.audioFile);
      assert.equal(s.language, 'en');
    }
  });

  test("every sample gets Coqui's audio_unique_name: <datasetName>#<root-relative path without extension>", () => {
    const root = corpus();
    const named = loadTtsSamples([{ formatter: 'ljspeech', path: root, datasetName: 'demo' }], {
      skipMissing: true,
      evalSplit: false,
    });
    assert.equal(named.train[0].audioUniqueName, 'demo#wavs/U0');
    const unnamed = loadTtsSamples([{ formatter: 'ljspeech', path: root }], {
      skipMissing: true,
      evalSplit: false,
    });
    assert.equal(unnamed.train[1].audioUniqueName, '#wavs/U1');
  });

  test('a user formatter may return root-relative audio paths', () => {
    const root = corpus();
    const r = loadTtsSamples([{ formatter: 'whatever', path: root }], {
      evalSplit: false,
      formatter: (rootPath) => ({
        samples: [{ text: 'hi', audioFile: 'wavs/U0.wav', speakerName: 's', rootPath, source: 'list:1' }],
        problems: [],
      }),
    });
    assert.equal(r.train[0].audioFile, join(root, 'wavs/U0.wav'));
  });

  test('metaFileVal gives the eval set; an empty metaFileTrain means the default file', () => {
    const root = corpus();
    layout(root, { 'val.csv': 'U0|a|Val zero.\nU1|b|Val one.\n' });
    const r = loadTtsSamples(
      [{ formatter: 'ljspeech', path: root, metaFileTrain: '', metaFileVal: 'val.csv' }],
      {
        skipMissing: true,
      },
    );
    assert.equal(r.train.length, 9);
    assert.deepEqual(
      r.eval.map((s) => s.text),
      ['Val zero.', 'Val one.'],
    );
  });

  test('the split is deterministic for a seed and covers every sample once', () => {
    const root = corpus();
    const load = (seed: number) =>
      loadTtsSamples([{ formatter: 'ljspeech', path: root }], { skipMissing: true, evalSplitSize: 3, seed });
    const a = load(0);
    const b = load(0);
    assert.deepEqual(
      a.eval.map((s) => s.text),
      b.eval.map((s) => s.text),
    );
    assert.deepEqual(
      a.train.map((s) => s.text),
      b.train.map((s) => s.text),
    );
    const names = [...a.train, ...a.eval].map((s) => s.text);
    assert.equal(new Set(names).size, 9);
    const evals = new Set(
      [0, 1, 2, 3, 4, 5].map((seed) =>
        load(seed)
          .eval.map((s) => s.text)
          .join(),
      ),
    );
    assert.ok(evals.size > 1, 'different seeds pick different eval sets');
  });
});

describe('splitDataset', () => {
  const mk = (speaker: string, i: number): Sample => ({
    text: `${speaker}-${i}`,
    audioFile: `/x/${speaker}-${i}.wav`,
    speakerName: speaker,
    rootPath: '/x',
  });

  test('single speaker: a fraction, a count, a cap; too small or too large is an error', () => {
    const s = Array.from({ length: 50 }, (_, i) => mk('a', i));
    assert.equal(splitDataset(s, 0.1).eval.length, 5);
    assert.equal(splitDataset(s, 7).eval.length, 7);
    assert.equal(splitDataset(s, 0.5, 3).eval.length, 3);
    assert.equal(splitDataset(s, 0.1).train.length, 45);
    assert.throws(() => splitDataset(s, 0.01), /the eval split is empty: 50 samples with evalSplitSize 0.01/);
    assert.throws(() => splitDataset(s, 50), /leaves no training samples/);
  });

  test('multi-speaker: every speaker of the eval set keeps samples in training', () => {
    const s: Sample[] = [];
    const counts: Record<string, number> = { a: 10, b: 3, c: 1, d: 1, e: 2 };
    for (const [spk, n] of Object.entries(counts)) for (let i = 0; i < n; i++) s.push(mk(spk, i));
    for (let seed = 0; seed < 20; seed++) {
      const { eval: ev, train } = splitDataset(s, 6, null, seed);
      assert.equal(ev.length, 6);
      assert.equal(ev.length + train.length, s.length);
      assert.equal(new Set([...ev, ...train]).size, s.length);
      const trainSpeakers = new Set(train.map((x) => x.speakerName));
      for (const spk of Object.keys(counts))
        assert.ok(trainSpeakers.has(spk), `seed ${seed}: ${spk} in training`);
    }
  });

  test('multi-speaker: asking for more than the spare samples takes them all; none at all is an error', () => {
    const s = [mk('a', 0), mk('a', 1), mk('a', 2), mk('b', 0), mk('c', 0)];
    const { eval: ev, train } = splitDataset(s, 4);
    assert.equal(ev.length, 2);
    assert.deepEqual(
      ev.map((x) => x.speakerName),
      ['a', 'a'],
    );
    assert.deepEqual(new Set(train.map((x) => x.speakerName)), new Set(['a', 'b', 'c']));
    assert.throws(
      () => splitDataset([mk('a', 0), mk('b', 0), mk('c', 0)], 1),
      /every speaker has a single sample/,
    );
  });
});

describe('SeededRandom', () => {
  test('same seed, same stream; other seeds differ; values in range', () => {
    const seq = (seed: number) => {
      const r = new SeededRandom(seed);
      return Array.from({ length: 100 }, () => r.next());
    };
    assert.deepEqual(seq(42), seq(42));
    assert.notDeepEqual(seq(42), seq(43));
    assert.notDeepEqual(seq(0), seq(1));
    for (const v of seq(7)) assert.ok(v >= 0 && v < 1);
    // The stream is pinned (mulberry32): resumed runs and shared seeds depend on it across versions and machines.
    const r = new SeededRandom(12345);
    assert.deepEqual(
      Array.from({ length: 4 }, () => r.next()),
      [0.9797282677609473, 0.3067522644996643, 0.484205421525985, 0.817934412509203],
    );
    assert.equal(epochSeed(54321, 3), 3624704832);
    const ints = new SeededRandom(3);
    for (let i = 0; i < 1000; i++) {
      const k = ints.int(7);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
    }
  });

  test('shuffle is a deterministic permutation in place', () => {
    const a = Array.from({ length: 20 }, (_, i) => i);
    const out = new SeededRandom(5).shuffle(a);
    assert.equal(out, a);
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.deepEqual(new SeededRandom(5).shuffle(Array.from({ length: 20 }, (_, i) => i)), a);
    assert.notDeepEqual(new SeededRandom(6).shuffle(Array.from({ length: 20 }, (_, i) => i)), a);
  });

  test('epochSeed differs per epoch and per base seed, and is a uint32', () => {
    const seeds = new Set<number>();
    for (const base of [0, 1, 54321]) {
      for (let e = 0; e < 50; e++) {
        const s = epochSeed(base, e);
        assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
        seeds.add(s);
      }
    }
    assert.equal(seeds.size, 150);
    assert.equal(epochSeed(54321, 3), epochSeed(54321, 3));
  });
});
