// Coqui's released models by name, against a local HTTP server on 127.0.0.1 that serves archives shaped like
// Coqui's releases (a zip holding one folder `tts_models--xx--test--glow-tts/` with `model_file.pth` and
// `config.json`, made here from tests/fixtures/coqui_glow_tts): download, cache hit, resumed download, corrupt
// archives refused with the cache left clean, unknown names, server errors; and docs/models.md is current.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';
import { modelsMarkdown } from '../../src/cli/list_models.ts';
import { loadSynthesizer } from '../../src/inference/load.ts';
import { architectureOf, readCatalogue } from '../../src/inference/model_catalogue.ts';
import {
  fixConfigPaths,
  modelsHome,
  progressBar,
  resolveModelName,
} from '../../src/inference/model_manager.ts';
import { crc32 } from '../../src/util/crc.ts';

const fixture = new URL('../fixtures/coqui_glow_tts/', import.meta.url).pathname;

/** A zip archive of stored (uncompressed) entries: what `zip -0` writes. */
function makeZip(files: [string, Uint8Array][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const fname = Buffer.from(name, 'utf8');
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fname.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fname.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fname, Buffer.from(data));
    centrals.push(central, fname);
    offset += 30 + fname.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const folder = 'tts_models--xx--test--glow-tts';
const config = readFileSync(join(fixture, 'config.json'));
const good = makeZip([
  [`${folder}/`, new Uint8Array()],
  [`${folder}/model_file.pth`, readFileSync(join(fixture, 'model.pth'))],
  [`${folder}/config.json`, config],
]);
/** A vocoder release: only its shape matters here (the files are not loaded), its config names a HiFiGAN. */
const vocoderZip = makeZip([
  ['vocoder_models--xx--test--hifigan_v2/model_file.pth', new Uint8Array([1, 2, 3])],
  ['vocoder_models--xx--test--hifigan_v2/config.json', Buffer.from('{"model": "hifigan"}')],
]);
/** The same archive with one byte of the checkpoint flipped (its CRC-32 no longer matches). */
const flipped = Buffer.from(good);
flipped[good.indexOf('model_file.pth') + 'model_file.pth'.length + 1000] ^= 0xff;

/** Requests the server saw, and what it does per path. */
const seen: { path: string; range?: string }[] = [];
let cutNextAt: number | null = null;
let server: Server;
let base = '';

function serve(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  const path = req.url ?? '';
  seen.push({ path, range: req.headers.range });
  if (path.startsWith('/error')) {
    res.writeHead(500).end('boom');
    return;
  }
  if (path.startsWith('/vocoder')) {
    res.writeHead(200, { 'content-length': String(vocoderZip.length) }).end(vocoderZip);
    return;
  }
  const body = path.startsWith('/garbage')
    ? Buffer.alloc(good.length, 7)
    : path.startsWith('/flipped')
      ? flipped
      : good;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const headers = { 'content-type': 'application/zip', 'content-length': String(body.length - start) };
  if (m) {
    res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
  } else res.writeHead(200, headers);
  if (cutNextAt !== null) {
    // an interrupted transfer: part of the body, then the connection drops
    const cut = cutNextAt;
    cutNextAt = null;
    res.write(body.subarray(start, cut));
    setTimeout(() => res.destroy(), 300);
    return;
  }
  res.end(body.subarray(start));
}

/** A catalogue in `.models.json` shape whose archives come from the local server. */
function catalogue(extra: Record<string, unknown> = {}) {
  const entry = (file: string) => ({
    description: 'test',
    github_rls_url: `${base}/${file}/${folder}.zip`,
    default_vocoder: 'vocoder_models/xx/test/wavegrad',
    license: 'MIT',
    ...extra,
  });
  return {
    tts_models: {
      xx: {
        test: { 'glow-tts': entry('ok') },
        garbage: { 'glow-tts': entry('garbage') },
        flipped: { 'glow-tts': entry('flipped') },
        error: { 'glow-tts': entry('error') },
        cut: { 'glow-tts': entry('cut') },
        other: { 'tacotron2-DDC': entry('ok') },
        voc: { 'glow-tts': { ...entry('ok'), default_vocoder: 'vocoder_models/xx/test/hifigan_v2' } },
      },
    },
    vocoder_models: {
      xx: {
        test: {
          wavegrad: { github_rls_url: `${base}/ok/wavegrad.zip` },
          hifigan_v2: { github_rls_url: `${base}/vocoder/vocoder_models--xx--test--hifigan_v2.zip` },
        },
      },
    },
  };
}

function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'ribbit-models-'));
}

/** Files left in the cache (the download folder included). */
function cacheListing(home: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d)) {
      out.push(`${rel}${n}`);
      if (existsSync(join(d, n)) && !n.includes('.')) walk(join(d, n), `${rel}${n}/`);
    }
  };
  if (existsSync(home)) walk(home, '');
  return out;
}

before(async () => {
  server = createServer(serve);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('a model by name downloads, extracts flat, loads with its config, and is then used from the cache', async () => {
  const home = tempHome();
  const progress: number[] = [];
  const lines: string[] = [];
  const manager = {
    home,
    catalogue: catalogue(),
    onProgress: (p: { received: number }) => progress.push(p.received),
    log: (l: string) => lines.push(l),
  };
  seen.length = 0;
  const options = await resolveModelName({ modelName: 'tts_models/xx/test/glow-tts' }, manager);
  assert.equal(options.modelName, undefined);
  assert.equal(options.modelPath, join(home, folder, 'model_file.pth'));
  assert.equal(options.configPath, join(home, folder, 'config.json'));
  assert.deepEqual(readdirSync(join(home, folder)).sort(), ['config.json', 'model_file.pth']);
  assert.deepEqual(readFileSync(options.configPath as string), config);
  // the default vocoder's architecture (wavegrad) is not registered: Griffin-Lim, said once, nothing fetched
  assert.equal(options.vocoderPath, undefined);
  assert.ok(lines.some((l) => /wavegrad.*Griffin-Lim/.test(l)));
  assert.deepEqual(
    seen.map((s) => s.path),
    [`/ok/${folder}.zip`],
  );
  assert.equal(progress.at(-1), good.length);
  assert.deepEqual(readdirSync(join(home, '.downloads')), [], 'no partial download left');

  const synth = await loadSynthesizer(options);
  const result = await synth.synthesize('Hello there.');
  assert.ok(result.samples.length > 0);

  // cache hit: no request at all
  seen.length = 0;
  const again = await resolveModelName({ modelName: 'tts_models/xx/test/glow-tts' }, manager);
  assert.deepEqual(again, options);
  assert.equal(seen.length, 0);
  rmSync(home, { recursive: true, force: true });
});

test('an interrupted download is resumed with an HTTP Range request', async () => {
  const home = tempHome();
  const manager = { home, catalogue: catalogue() };
  seen.length = 0;
  cutNextAt = 100_000;
  await assert.rejects(
    resolveModelName({ modelName: 'tts_models/xx/test/glow-tts' }, manager),
    /interrupted after \d+ bytes.*run the same command again to resume/,
  );
  const part = join(home, '.downloads', `${folder}.zip.part`);
  assert.equal(readFileSync(part).length, 100_000);
  assert.ok(!existsSync(join(home, folder)));
  const options = await resolveModelName({ modelName: 'tts_models/xx/test/glow-tts' }, manager);
  assert.deepEqual(
    seen.map((s) => s.range),
    [undefined, 'bytes=100000-'],
  );
  assert.deepEqual(readFileSync(options.configPath as string), config);
  assert.ok(!existsSync(part));
  rmSync(home, { recursive: true, force: true });
});

test('a corrupt archive (not a zip, a bad CRC-32, a wrong MD5) is refused and the cache left clean', async () => {
  for (const [name, extra, why] of [
    ['tts_models/xx/garbage/glow-tts', {}, /corrupt and was deleted/],
    ['tts_models/xx/flipped/glow-tts', {}, /CRC-32 mismatch/],
    [
      'tts_models/xx/test/glow-tts',
      { model_hash: 'f'.repeat(32) },
      /MD5 [0-9a-f]{32}, the catalogue says f{32}/,
    ],
  ] as const) {
    const home = tempHome();
    await assert.rejects(resolveModelName({ modelName: name }, { home, catalogue: catalogue(extra) }), why);
    assert.deepEqual(cacheListing(home), ['.downloads'], name);
    rmSync(home, { recursive: true, force: true });
  }
  // the right MD5 passes
  const home = tempHome();
  const md5 = createHash('md5').update(good).digest('hex');
  const ok = await resolveModelName(
    { modelName: 'tts_models/xx/test/glow-tts' },
    { home, catalogue: catalogue({ model_hash: md5 }) },
  );
  assert.ok(existsSync(ok.modelPath as string));
  rmSync(home, { recursive: true, force: true });
});

test('unknown names, server errors and architectures ribbit lacks fail in one sentence', async () => {
  const home = tempHome();
  const manager = { home, catalogue: catalogue() };
  await assert.rejects(
    resolveModelName({ modelName: 'tts_models/xx/test/nope' }, manager),
    /unknown model name 'tts_models\/xx\/test\/nope'.*Did you mean: .*ribbit list-models/,
  );
  await assert.rejects(
    resolveModelName({ modelName: 'tts_models/xx/error/glow-tts' }, manager),
    /downloading tts_models\/xx\/error\/glow-tts failed: .* answered HTTP 500/,
  );
  seen.length = 0;
  await assert.rejects(
    resolveModelName({ modelName: 'tts_models/xx/other/tacotron2-DDC' }, manager),
    /^Error: ribbit cannot run tts_models\/xx\/other\/tacotron2-DDC yet: its architecture, tacotron2, is not implemented in ribbit \(it runs [a-z_, ]+\)\.$/,
  );
  assert.equal(seen.length, 0, 'nothing downloaded for a model ribbit cannot run');
  await assert.rejects(
    resolveModelName({ vocoderName: 'vocoder_models/xx/test/wavegrad' }, manager),
    /its architecture, wavegrad, is not implemented/,
  );
  assert.deepEqual(cacheListing(home).sort(), ['.downloads']);
  rmSync(home, { recursive: true, force: true });
});

test("config paths point at the release's files (Coqui's _update_paths)", () => {
  const dir = tempHome();
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      audio: { stats_path: '/old/scale_stats.npy' },
      speakers_file: null,
      d_vector_file: ['/old/speakers.json'],
      model_args: { speakers_file: '/old/ids.json' },
      untouched: 1,
    }),
  );
  for (const f of ['scale_stats.npy', 'speakers.json', 'speaker_ids.json']) writeFileSync(join(dir, f), '{}');
  assert.deepEqual(fixConfigPaths(dir).sort(), [
    'audio.stats_path',
    'd_vector_file',
    'model_args.speakers_file',
    'speakers_file',
  ]);
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.equal(c.audio.stats_path, join(dir, 'scale_stats.npy'));
  assert.equal(c.speakers_file, join(dir, 'speaker_ids.json'));
  assert.deepEqual(c.d_vector_file, [join(dir, 'speakers.json')]);
  assert.equal(c.model_args.speakers_file, join(dir, 'speaker_ids.json'));
  assert.equal(c.untouched, 1);
  rmSync(dir, { recursive: true, force: true });
});

test('the cache folder: RIBBIT_HOME, else XDG_DATA_HOME, else ~/.local/share', () => {
  assert.equal(modelsHome({ RIBBIT_HOME: '/r', XDG_DATA_HOME: '/x' }), '/r/models');
  assert.equal(modelsHome({ XDG_DATA_HOME: '/x' }), '/x/ribbit/models');
  assert.match(modelsHome({}), /\.local\/share\/ribbit\/models$/);
});

test("the shipped catalogue is Coqui 0.22's and names architectures; docs/models.md is current", async () => {
  const entries = readCatalogue();
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.equal(byName.get('tts_models/en/ljspeech/glow-tts')?.architecture, 'glow_tts');
  assert.equal(
    byName.get('tts_models/en/ljspeech/glow-tts')?.defaultVocoder,
    'vocoder_models/en/ljspeech/multiband-melgan',
  );
  assert.equal(byName.get('vocoder_models/en/ljspeech/hifigan_v2')?.architecture, 'hifigan');
  assert.equal(architectureOf('capacitron-t2-c50'), 'tacotron2');
  // every model and its default vocoder name an entry that exists
  for (const e of entries) if (e.defaultVocoder) assert.ok(byName.has(e.defaultVocoder), e.defaultVocoder);
  await import('../../src/models/index.ts');
  const doc = readFileSync(new URL('../../docs/models.md', import.meta.url), 'utf8');
  assert.equal(doc, modelsMarkdown(entries), 'docs/models.md is stale: run `npm run docs:models`');
});

test('the CLI: list-models marks what runs; speak --model-name uses a cached model with no network', () => {
  const bin = new URL('../../bin/ribbit.mjs', import.meta.url).pathname;
  const home = tempHome();
  const env = { ...process.env, RIBBIT_HOME: home };
  const list = spawnSync(process.execPath, [bin, 'list-models', '--language', 'en', '--runnable', '--json'], {
    env,
    encoding: 'utf8',
  });
  assert.equal(list.status, 0, list.stderr);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(rows.some((r) => r.name === 'tts_models/en/ljspeech/glow-tts'));
  assert.ok(rows.every((r) => r.runs !== 'no' && r.language === 'en'));

  // a model already in the cache (as a download leaves it) is used as it is: no download is started (this one
  // has no default vocoder; the fixture stands in for its checkpoint)
  const dir = join(home, 'models', 'tts_models--it--mai_female--glow-tts');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(fixture, 'model.pth'), join(dir, 'model_file.pth'));
  copyFileSync(join(fixture, 'config.json'), join(dir, 'config.json'));
  const out = join(home, 'out.wav');
  const speak = spawnSync(
    process.execPath,
    [bin, 'speak', '--model-name', 'tts_models/it/mai_female/glow-tts', '--text', 'Hello.', '--out', out],
    {
      env: { ...env, HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' },
      encoding: 'utf8',
    },
  );
  assert.equal(speak.status, 0, speak.stderr);
  assert.match(speak.stderr, /already downloaded/);
  assert.ok(readWav(out).samples.length > 0);

  const unsupported = spawnSync(
    process.execPath,
    [bin, 'speak', '--model-name', 'tts_models/en/ljspeech/tacotron2-DDC', '--text', 'Hi.', '--out', out],
    { env, encoding: 'utf8' },
  );
  assert.equal(unsupported.status, 1);
  assert.match(
    unsupported.stderr.trim(),
    /^ribbit speak: ribbit cannot run tts_models\/en\/ljspeech\/tacotron2-DDC yet: its architecture, tacotron2, is not implemented in ribbit \(it runs [^)]+\)\.$/,
  );
  rmSync(home, { recursive: true, force: true });
});

test("a model's default vocoder, when ribbit has its architecture, is downloaded and passed to the loader", async () => {
  const home = tempHome();
  const options = await resolveModelName(
    { modelName: 'tts_models/xx/voc/glow-tts' },
    { home, catalogue: catalogue() },
  );
  assert.equal(options.vocoderPath, join(home, 'vocoder_models--xx--test--hifigan_v2', 'model_file.pth'));
  assert.equal(options.vocoderConfigPath, join(home, 'vocoder_models--xx--test--hifigan_v2', 'config.json'));
  // and a path given by hand wins over the default
  const own = await resolveModelName(
    { modelName: 'tts_models/xx/voc/glow-tts', vocoderPath: '/my/vocoder.pth' },
    { home, catalogue: catalogue() },
  );
  assert.equal(own.vocoderPath, '/my/vocoder.pth');
  rmSync(home, { recursive: true, force: true });
});

test('the progress bar: redrawn in place on a terminal, one line at the end elsewhere', () => {
  const written: string[] = [];
  const stream = (isTTY: boolean) =>
    ({ isTTY, write: (s: string) => written.push(s) }) as unknown as NodeJS.WriteStream;
  const pipe = progressBar(stream(false));
  pipe({ name: 'm', received: 10, total: 2e6 });
  pipe({ name: 'm', received: 2e6, total: 2e6, done: true });
  assert.deepEqual(written, [' > m: 2.0/2.0 MB\n']);
  written.length = 0;
  const tty = progressBar(stream(true));
  tty({ name: 'm', received: 1e6, total: 2e6 });
  tty({ name: 'm', received: 2e6, total: 2e6, done: true });
  assert.equal(written.length, 2);
  assert.match(written[0], /^\r > m \[#{15}-{15}\] 50% 1\.0\/2\.0 MB$/);
  assert.match(written[1], /^\r > m \[#{30}\] 100% 2\.0\/2\.0 MB\n$/);
});
