import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readWav, writeWav } from '../../src/audio/wav.ts';
import {
  ASR_PADDING_SECONDS,
  BOS,
  cmudict,
  createRecognizer,
  EOS,
  espeakPronunciation,
  ipaToCmu,
  normalizeWords,
  parseDictionary,
  pocketsphinxMissing,
  restrictDictionary,
  scoreUtterance,
  toAsrInput,
  totalWer,
  wordErrors,
  writeArpa,
} from '../../src/eval/asr.ts';
import { espeakAvailable } from '../text/espeakAvailable.ts';
import { rng } from './signals.ts';

const root = mkdtempSync(join(tmpdir(), 'ribbit-asr-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('normalizeWords: lower case, numbers and abbreviations spelled out, punctuation dropped', () => {
  assert.deepEqual(normalizeWords('Dr. Smith paid $3!'), ['doctor', 'smith', 'paid', 'three', 'dollars']);
  assert.deepEqual(normalizeWords("  'Don't' -- GO, 21 times. "), ["don't", 'go', 'twenty', 'one', 'times']);
  assert.deepEqual(normalizeWords('?!.'), []);
});

test('wordErrors: empty, insertions, deletions, substitutions; pooled WER', () => {
  const zero = { substitutions: 0, deletions: 0, insertions: 0, edits: 0 };
  assert.deepEqual(wordErrors([], []), { ...zero, refWords: 0 });
  assert.deepEqual(wordErrors([], ['a', 'b']), { ...zero, insertions: 2, edits: 2, refWords: 0 });
  assert.deepEqual(wordErrors(['a', 'b', 'c'], []), { ...zero, deletions: 3, edits: 3, refWords: 3 });
  assert.deepEqual(wordErrors(['a', 'b', 'c'], ['a', 'b', 'c']), { ...zero, refWords: 3 });
  assert.deepEqual(wordErrors(['a', 'b', 'c'], ['a', 'x', 'c']), {
    ...zero,
    substitutions: 1,
    edits: 1,
    refWords: 3,
  });
  // one deletion and one insertion beat two substitutions only when they are cheaper: here both cost 2,
  // and the alignment with fewer substitutions is reported
  assert.deepEqual(wordErrors(['a', 'b', 'c', 'd'], ['b', 'c', 'd', 'e']), {
    ...zero,
    deletions: 1,
    insertions: 1,
    edits: 2,
    refWords: 4,
  });
  assert.equal(wordErrors(['the', 'cat'], ['the', 'the', 'cat', 'sat']).insertions, 2);
  // pooled over sentences (sum of edits / sum of words), not a mean of per-sentence rates
  const t = totalWer([wordErrors(['a'], ['b']), wordErrors(['a', 'b', 'c'], ['a', 'b', 'c'])]);
  assert.deepEqual(t, { wer: 0.25, edits: 1, refWords: 4 });
  assert.ok(Number.isNaN(totalWer([]).wer));
});

/** A parsed ARPA bigram model: log10 probabilities and backoffs. */
function parseArpa(text: string) {
  const p1 = new Map<string, number>();
  const bow = new Map<string, number>();
  const p2 = new Map<string, number>();
  const declared: number[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    const m = /^ngram (\d)=(\d+)$/.exec(line);
    if (m) declared[Number(m[1])] = Number(m[2]);
    else if (line.startsWith('\\')) section = line;
    else if (line.trim() && section === '\\1-grams:') {
      const [lp, w, b] = line.split(' ');
      p1.set(w, Number(lp));
      if (b !== undefined) bow.set(w, Number(b));
    } else if (line.trim() && section === '\\2-grams:') {
      const [lp, h, w] = line.split(' ');
      p2.set(`${h} ${w}`, Number(lp));
    }
  }
  return { p1, bow, p2, declared };
}

test('writeArpa: Witten-Bell bigrams with backoff normalise for every history', () => {
  const sentences = [
    ['the', 'cat', 'sat'],
    ['the', 'dog', 'sat'],
    ['a', 'cat', 'ran'],
  ];
  const arpa = writeArpa(sentences);
  const { p1, bow, p2, declared } = parseArpa(arpa);
  assert.equal(declared[1], p1.size);
  assert.equal(declared[2], p2.size);
  assert.match(arpa, /\\end\\\n$/);
  assert.equal(p1.get(BOS), -99); // never predicted
  assert.equal(bow.has(EOS), false); // never a history
  const predicted = [...p1.keys()].filter((w) => w !== BOS);
  const sumUni = predicted.reduce((s, w) => s + 10 ** (p1.get(w) as number), 0);
  assert.ok(Math.abs(sumUni - 1) < 1e-5, `unigrams sum to ${sumUni}`);
  // maximum likelihood unigrams: 'sat' 2 of 12 predicted tokens (9 words + 3 </s>)
  assert.ok(Math.abs(10 ** (p1.get('sat') as number) - 2 / 12) < 1e-6);
  const prob = (h: string, w: string) => {
    const seen = p2.get(`${h} ${w}`);
    return seen !== undefined ? 10 ** seen : 10 ** ((bow.get(h) as number) + (p1.get(w) as number));
  };
  for (const h of [BOS, 'the', 'cat', 'sat', 'dog', 'a', 'ran']) {
    const sum = predicted.reduce((s, w) => s + prob(h, w), 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `P(.|${h}) sums to ${sum}`);
  }
  // 'the' is seen twice with 2 distinct successors: backoff weight T / (c + T) = 2 / 4
  assert.ok(Math.abs(10 ** (bow.get('the') as number) - 0.5) < 1e-6);
  // P(cat|the) = (1 + 2 P1(cat)) / 4 with P1(cat) = 2/12
  assert.ok(Math.abs(prob('the', 'cat') - (1 + 2 * (2 / 12)) / 4) < 1e-6);
  // an unseen pair keeps a non-zero probability: every word can follow every other
  assert.ok(prob('sat', 'dog') > 0 && !p2.has('sat dog'));
  assert.throws(() => writeArpa([[], []]), /no words/);
});

test('dictionary restricted to the sentences, alternates kept, missing words reported', () => {
  const dict = parseDictionary(
    [
      'cat K AE T',
      'read R IY D',
      'read(2) R EH D',
      'dog D AO G',
      'zebra Z IY B R AH',
      ';;; a comment line',
    ].join('\n'),
  );
  assert.deepEqual(dict.get('read'), ['R IY D', 'R EH D']);
  const r = restrictDictionary(['read', 'cat', 'cat', 'blorf'], dict);
  assert.equal(r.text, 'cat K AE T\nread R IY D\nread(2) R EH D\n');
  assert.deepEqual(r.missing, ['blorf']);
  assert.deepEqual(restrictDictionary([], dict), { text: '', missing: [] });
});

test('ipaToCmu: espeak-ng IPA as CMU phones, unknown symbols refused', () => {
  assert.deepEqual(ipaToCmu('həlˈoʊ'), ['HH', 'AH', 'L', 'OW']);
  assert.deepEqual(ipaToCmu('tʃˈɜːtʃ'), ['CH', 'ER', 'CH']);
  assert.deepEqual(ipaToCmu('θˈɪŋk'), ['TH', 'IH', 'NG', 'K']);
  assert.equal(ipaToCmu('ʁ'), null);
  assert.equal(ipaToCmu('ˈ'), null);
});

test('toAsrInput: 16 kHz, padded with silence, scaled down only when it would clip', () => {
  const pad = ASR_PADDING_SECONDS * 16000;
  const loud = { samples: new Float32Array(22050).map((_, i) => 3 * Math.sin(i / 10)), sampleRate: 22050 };
  const x = toAsrInput(loud);
  assert.equal(x.length, 16000 + 2 * pad);
  assert.ok(Math.max(...x.map(Math.abs)) <= 0.99 + 1e-6);
  assert.ok(Math.max(...x.subarray(pad, pad + 16000).map(Math.abs)) > 0.98);
  const quiet = { samples: new Float32Array([0.1, -0.2, 0.3]), sampleRate: 16000 };
  const y = toAsrInput(quiet);
  assert.deepEqual([...y.subarray(pad, pad + 3)], [...quiet.samples]);
  assert.equal(y.length, 3 + 2 * pad);
  assert.ok(y.subarray(0, pad).every((v) => v === 0) && y.subarray(pad + 3).every((v) => v === 0));
});

const sentences = [
  'The bus was late again, so I walked to work.',
  'We need milk, bread and a dozen eggs.',
  'He fixed the old bicycle with his father.',
];
const missing = pocketsphinxMissing() ?? (espeakAvailable ? null : 'espeak-ng not installed');
const skip = missing ? `pocketsphinx end-to-end test skipped: ${missing}` : false;

test('words missing from the cmudict get espeak-ng pronunciations in CMU phones', { skip }, async () => {
  // the mapping agrees with the cmudict on words it has
  for (const w of ['hello', 'church', 'butter', 'neighbours', "didn't"]) {
    const p = await espeakPronunciation(w);
    assert.ok(
      cmudict()
        .get(w)
        ?.includes(p as string),
      `${w}: espeak-ng ${p}, cmudict ${cmudict().get(w)}`,
    );
  }
  assert.equal(await espeakPronunciation('--help'), null); // not a word: never passed to espeak-ng
  const rec = await createRecognizer(['The blorfing cat sat.']);
  try {
    assert.deepEqual(rec.words, ['blorfing', 'cat', 'sat', 'the']);
    assert.deepEqual(rec.fromEspeak, ['blorfing']);
    assert.deepEqual(rec.missing, []);
    assert.match(readFileSync(join(rec.dir, 'words.dict'), 'utf8'), /^blorfing B L \w+ R F IH NG$/m);
  } finally {
    rec.close();
  }
});

function espeakWav(text: string, path: string) {
  execFileSync('espeak-ng', ['-v', 'en-us', '-w', path, '--', text]);
  return path;
}

test('pocketsphinx understands espeak-ng speech, not silence, noise or the wrong sentence', {
  skip,
}, async () => {
  const rec = await createRecognizer(sentences);
  try {
    assert.deepEqual(rec.missing, []);
    const audio = sentences.map((s, k) => readWav(espeakWav(s, join(root, `e${k}.wav`))));
    const speech = await Promise.all(audio.map((a, k) => scoreUtterance(rec, a, sentences[k])));
    const wer = totalWer(speech).wer;
    assert.ok(wer <= 0.2, `espeak-ng speech WER ${wer}: ${speech.map((r) => r.hyp).join(' / ')}`);
    // the language model is not a lookup of whole sentences: sentence 0's audio scored against sentence 1
    const swapped = await scoreUtterance(rec, audio[0], sentences[1]);
    assert.ok(swapped.wer >= 0.8, `mismatched sentence WER ${swapped.wer}`);
    const rand = rng(7);
    const noise = new Float32Array(16000 * 3).map(() => 0.3 * (rand() * 2 - 1));
    const silence = new Float32Array(16000 * 3);
    for (const [what, samples] of [
      ['noise', noise],
      ['silence', silence],
    ] as const) {
      const rows = await Promise.all(
        sentences.map((s) => scoreUtterance(rec, { samples, sampleRate: 16000 }, s)),
      );
      const w = totalWer(rows).wer;
      assert.ok(w >= 0.8, `${what} WER ${w}: ${rows.map((r) => r.hyp).join(' / ')}`);
    }
  } finally {
    rec.close();
  }
});

test('ribbit eval --synth-dir --metadata --asr --json: transcribes a folder', { skip }, () => {
  const dir = join(root, 'folder');
  mkdirSync(dir);
  sentences.forEach((s, k) => {
    espeakWav(s, join(dir, `U${k}.wav`));
  });
  writeWav(join(dir, 'U3.wav'), new Float32Array(16000 * 2), 16000);
  const meta = join(root, 'metadata.csv');
  const lines = sentences.map((s, k) => `U${k}|${s}|${s}`);
  lines.push(`U3|${sentences[0]}|${sentences[0]}`, 'U9|no such wav|no such wav');
  writeFileSync(meta, `${lines.join('\n')}\n`);
  const r = spawnSync(
    process.execPath,
    ['bin/ribbit.mjs', 'eval', '--synth-dir', dir, '--metadata', meta, '--asr', '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.rows, []); // no references: no MCD
  assert.equal(out.asr.synth.count, 4);
  assert.equal(out.asr.ref, undefined);
  assert.equal(out.asr.synth.rows[3].hyp, ''); // silence
  assert.equal(out.asr.synth.rows[3].deletions, out.asr.synth.rows[3].refWords);
  const words = out.asr.synth.rows.reduce((s: number, x: { refWords: number }) => s + x.refWords, 0);
  assert.equal(out.asr.synth.refWords, words);
  assert.ok(out.asr.synth.wer >= 0.2 && out.asr.synth.wer < 0.45, `WER ${out.asr.synth.wer}`);
  assert.match(r.stderr, /1 metadata line\(s\) without their wav\(s\) skipped/);
});

test('ribbit eval --sentences-file --loader fake: model vs espeak-ng teacher, MCD and WER', { skip }, () => {
  const file = join(root, 'sentences.txt');
  writeFileSync(file, `# two sentences\n${sentences[0]}\n\n${sentences[2]}\n`);
  const save = join(root, 'saved');
  const r = spawnSync(
    process.execPath,
    ['bin/ribbit.mjs', 'eval', '--sentences-file', file, '--loader', 'fake', '--save-dir', save, '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(
    out.rows.map((x: { id: string }) => x.id),
    ['S001', 'S002'],
  );
  assert.equal(out.asr.teacher, 'espeak-ng -v en-us');
  assert.equal(out.asr.synth.count, 2);
  assert.equal(out.asr.ref.count, 2);
  assert.equal(out.asr.ref.refWords, 18);
  // the teacher is understood, the fake model's tones are not
  assert.ok(out.asr.ref.wer <= 0.2, `teacher WER ${out.asr.ref.wer}`);
  assert.ok(out.asr.synth.wer >= 0.8, `fake model WER ${out.asr.synth.wer}`);
  assert.deepEqual(readdirSync(join(save, 'teacher')).sort(), ['S001.wav', 'S002.wav']);
});

test('ribbit eval --asr usage errors', () => {
  const ribbit = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/ribbit.mjs', 'eval', ...args], { encoding: 'utf8' }).status;
  assert.equal(ribbit('--synth-dir', root, '--asr'), 2); // one folder needs --metadata
  assert.equal(ribbit('--ref-dir', root, '--synth-dir', root, '--metadata', 'm.csv'), 2); // without --asr
  assert.equal(ribbit('--everyday', '--dataset', root), 2);
  assert.equal(ribbit('--everyday', '--sentences-file', 'x.txt'), 2);
});
