// The package as a user gets it: `npm pack` (which builds dist/), the tarball installed into a fresh project
// (its install script builds the native addon there), imported from a plain `.mjs` by Node with no TypeScript
// tooling to speak a sentence with the bundled voice into a WAV, type-checked from a `.ts` consumer, and its
// `ribbit` bin run. Offline: the install reads ribbit's dependencies (node-gyp, node-addon-api, yauzl and
// theirs) from a registry served on 127.0.0.1 out of this checkout's node_modules (what `npm ci` installed).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readWav } from '../../src/audio/wav.ts';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
const work = mkdtempSync(join(tmpdir(), 'ribbit-pack-'));

/** The environment without what `npm test` puts in it (npm_config_*, loaders), as a user's shell has it. */
const cleanEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^npm_/i.test(k) && k !== 'NODE_OPTIONS' && k !== 'RIBBIT_TEST',
  ),
);

/** Runs a command (asynchronously: the registry below answers from this process meanwhile). */
function run(cmd: string, args: string[], cwd: string, timeout = 240_000): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd, env: cleanEnv, timeout, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${cmd} ${args.join(' ')} failed (${err.message}):\n${stdout}\n${stderr}`))
        : resolve({ stdout }),
    ),
  );
}

/** Every installed package of this checkout by name -> version -> folder. */
function installedPackages(): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const visit = (nodeModules: string) => {
    if (!existsSync(nodeModules)) return;
    for (const name of readdirSync(nodeModules)) {
      if (name.startsWith('.')) continue;
      const dirs = name.startsWith('@')
        ? readdirSync(join(nodeModules, name)).map((n) => [`${name}/${n}`, join(nodeModules, name, n)])
        : [[name, join(nodeModules, name)]];
      for (const [full, dir] of dirs) {
        const manifest = join(dir, 'package.json');
        if (!existsSync(manifest)) continue;
        const { name: real, version } = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, string>;
        // an alias (`"wrap-ansi-cjs": "npm:wrap-ansi@^7"`) is installed under its alias, asked for by its name
        for (const key of new Set([full, real])) {
          if (!out.has(key)) out.set(key, new Map());
          out.get(key)?.set(version, dir);
        }
        visit(join(dir, 'node_modules'));
      }
    }
  };
  visit(join(root, 'node_modules'));
  return out;
}

let registry: Server;
let registryUrl = '';

/** A minimal npm registry: packuments and tarballs of the installed packages (tarballs made by tar). */
function startRegistry(): Promise<void> {
  const packages = installedPackages();
  registry = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '/').slice(1);
    const tarball = /^-\/tarball\/(.+)\/([^/]+)\.tgz$/.exec(url);
    if (tarball) {
      const dir = packages.get(tarball[1])?.get(tarball[2]);
      if (!dir) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const tar = spawn('tar', [
        '-czf',
        '-',
        '--exclude=./node_modules',
        '--transform',
        's,^\\.,package,',
        '-C',
        dir,
        '.',
      ]);
      tar.stdout.pipe(res);
      return;
    }
    const versions = packages.get(url);
    if (!versions) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    const doc = {
      name: url,
      'dist-tags': {} as Record<string, string>,
      versions: {} as Record<string, unknown>,
    };
    for (const [version, dir] of versions) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      doc.versions[version] = {
        ...manifest,
        dist: { tarball: `${registryUrl}-/tarball/${url}/${version}.tgz` },
      };
      doc['dist-tags'].latest = version;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  return new Promise((resolve) =>
    registry.listen(0, '127.0.0.1', () => {
      registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
      resolve();
    }),
  );
}

before(startRegistry);
after(() => {
  registry.close();
  rmSync(work, { recursive: true, force: true });
});

test('npm pack, install into a fresh project, import from plain .mjs, speak, run the bin', {
  timeout: 600_000,
}, async () => {
  const t0 = Date.now();
  const times: Record<string, number> = {};
  const lap = (what: string) => {
    times[what] = (Date.now() - t0) / 1000;
  };

  // the tarball: code, addon sources, the bundled voice, docs; no sources, tests or fixtures
  const packed = JSON.parse(
    (await run('npm', ['pack', '--json', '--pack-destination', work], root)).stdout.replace(/^[^[]*/, ''),
  )[0] as { filename: string; size: number; entryCount: number; files: { path: string }[] };
  lap('pack');
  const files = packed.files.map((f) => f.path);
  for (const needed of [
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/main.js',
    'dist/torch/index.d.ts',
    'dist/server/worker_bootstrap.mjs',
    'dist/inference/coqui_models.json',
    'bin/ribbit.mjs',
    'native/ribbit.cc',
    'native/binding.gyp',
    'native/build.mjs',
    'native/libtorch.mjs',
    'voices/default/model.safetensors',
    'voices/default/config.json',
    'README.md',
    'LICENSE',
    'docs/models.md',
  ])
    assert.ok(files.includes(needed), `${needed} is in the tarball`);
  const stray = files.filter((f) =>
    /^(src|tests|scripts|bench)\/|fixtures|\.test\.[mc]?[jt]s$|^native\/build\//.test(f),
  );
  assert.deepEqual(stray, [], 'no sources, tests or fixtures in the tarball');
  assert.ok(packed.size < 10e6, `tarball of ${packed.size} bytes`);
  console.log(`# tarball: ${(packed.size / 1e6).toFixed(2)} MB, ${packed.entryCount} files`);

  // a fresh project installs it; its install script builds the addon there
  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--foreground-scripts',
      `--registry=${registryUrl}`,
      `--cache=${join(work, 'npm-cache')}`,
      join(work, packed.filename),
    ],
    consumer,
  );
  lap('install');
  const installed = join(consumer, 'node_modules', pkg.name);
  assert.ok(
    existsSync(join(installed, 'native/build/Release/ribbit.node')),
    'the addon was built in the consumer',
  );
  assert.ok(!existsSync(join(consumer, 'node_modules/tsx')), 'tsx is not installed for a user');

  // plain Node, no loaders: the package entry and a subpath
  writeFileSync(
    join(consumer, 'speak.mjs'),
    [
      "import { loadSynthesizer, writeWav } from 'ribbit';",
      "import { readFileSync } from 'node:fs';",
      "import { torchVersion } from 'ribbit/torch';",
      '// every subpath of the exports map imports',
      "const { exports } = JSON.parse(readFileSync('node_modules/ribbit/package.json', 'utf8'));",
      "for (const key of Object.keys(exports)) if (key !== './package.json') await import(key.replace('.', 'ribbit'));",
      'const synth = await loadSynthesizer({});',
      "const { samples, sampleRate } = await synth.synthesize('Hello from a plain JavaScript module.');",
      'writeWav(process.argv[2], samples, sampleRate);',
      'console.log(JSON.stringify({ sampleRate, torch: torchVersion() }));',
      '',
    ].join('\n'),
  );
  const out = JSON.parse(
    (await run(process.execPath, ['speak.mjs', 'api.wav'], consumer)).stdout.trim().split('\n').pop()!,
  );
  lap('speak (api)');
  const wav = readWav(join(consumer, 'api.wav'));
  assert.equal(wav.sampleRate, out.sampleRate);
  assert.ok(wav.samples.length / wav.sampleRate > 0.5, 'at least half a second of speech');
  assert.ok(wav.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0) > 0.01, 'not silence');

  // the types resolve for a TypeScript consumer (NodeNext)
  writeFileSync(
    join(consumer, 'check.ts'),
    [
      "import { loadSynthesizer, type Synthesizer } from 'ribbit';",
      "import { readWav } from 'ribbit/audio';",
      'const s: Promise<Synthesizer> = loadSynthesizer({ modelName: "tts_models/en/ljspeech/glow-tts" });',
      'const rate: number = readWav("x.wav").sampleRate;',
      'export { rate, s };',
      '',
    ].join('\n'),
  );
  await run(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--module',
      'nodenext',
      '--types',
      'node',
      '--typeRoots',
      join(root, 'node_modules/@types'),
      'check.ts',
    ],
    consumer,
  );
  lap('tsc (consumer)');

  // the bin
  const bin = join(consumer, 'node_modules/.bin/ribbit');
  assert.equal((await run(bin, ['--version'], consumer)).stdout.trim(), pkg.version);
  await run(bin, ['speak', '--text', 'The command line works too.', '--out', 'cli.wav'], consumer);
  assert.ok(readWav(join(consumer, 'cli.wav')).samples.length > 0);
  // serving: a worker thread loads dist/ (no tsx there either)
  const server = spawn(bin, ['serve', '--port', '0', '--workers', '1'], { cwd: consumer, env: cleanEnv });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      server.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        const m = /Serving on (http:\/\/\S+)/.exec(seen);
        if (m) resolve(m[1]);
      });
      server.stderr.on('data', (d: Buffer) => {
        seen += d.toString();
      });
      server.on('exit', (code) => reject(new Error(`ribbit serve exited (${code}):\n${seen}`)));
    });
    const res = await fetch(
      `${url.replace(/\/$/, '')}/api/tts?text=${encodeURIComponent('Served by a worker.')}`,
    );
    assert.equal(res.status, 200);
    assert.ok(readWav(new Uint8Array(await res.arrayBuffer())).samples.length > 0);
  } finally {
    server.kill('SIGTERM');
  }
  lap('bin');
  console.log(`# seconds since start: ${JSON.stringify(times)}`);
});
