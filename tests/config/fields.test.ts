/**
 * Every config field is read by something in src/ or listed in UNSUPPORTED_FIELDS (src/config/unsupported.ts),
 * and an unsupported field set to a non-default value warns once while defaults stay silent.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import {
  applyOverrides,
  BaseAudioConfig,
  type ConfigClass,
  f,
  fromCoquiJson,
  getConfigClass,
  registeredModels,
  resetUnsupportedWarnings,
  UNSUPPORTED_FIELDS,
  unsupportedField,
  unsupportedSettings,
  warnUnsupported,
} from '../../src/config/index.ts';
import { GlowTTSConfig } from '../../src/tts/configs/glow_tts_config.ts';
import '../../src/tts/models/index.ts';

const root = join(import.meta.dirname, '..', '..');

/** Files that declare config fields (a declaration is not a reader). */
const declaration = (rel: string) =>
  rel.startsWith('src/config/') || rel.startsWith('src/tts/configs/') || rel.includes('/configs/');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const code = sources(join(root, 'src'))
  .filter((p) => !declaration(relative(root, p)))
  .map((p) => readFileSync(p, 'utf8'))
  .join('\n');

/** Whether some non-declaration source reads `name`: `x.name`, `x?.name`, `'name'` or `{ name } =`. */
function isRead(name: string): boolean {
  const n = name.replace(/[$]/g, '\\$&');
  return new RegExp(`\\.${n}\\b|['"]${n}['"]|\\{[^{}]*\\b${n}\\b[^{}]*\\}\\s*=`).test(code);
}

/** Every field path of a config class, nested configs (and arrays of them) included. */
function fieldPaths(cls: ConfigClass, prefix = ''): { path: string; name: string }[] {
  const out: { path: string; name: string }[] = [];
  for (const [name, field] of Object.entries(cls.fields)) {
    const path = prefix ? `${prefix}.${name}` : name;
    out.push({ path, name });
    const d = field.def;
    if (d.kind === 'config') out.push(...fieldPaths(d.config!, path));
    if (d.kind === 'array' && d.item?.def.kind === 'config')
      out.push(...fieldPaths(d.item.def.config!, path));
  }
  return out;
}

/** The fields of `classes` that nothing in src/ reads and UNSUPPORTED_FIELDS does not list. */
function unreadFields(classes: ConfigClass[]): string[] {
  const unread: string[] = [];
  for (const cls of classes) {
    for (const { path, name } of fieldPaths(cls)) {
      if (!Object.hasOwn(UNSUPPORTED_FIELDS, path) && !isRead(name)) unread.push(`${cls.name}.${path}`);
    }
  }
  return unread;
}

test('every field of every registered config class is read in src/ or listed as unsupported', () => {
  const models = registeredModels();
  assert.ok(models.includes('glow_tts'), `registered: ${models.join(', ')}`);
  const unread = unreadFields(models.map((m) => getConfigClass(m)!));
  assert.deepEqual(unread, [], 'fields nobody reads: read them or add them to UNSUPPORTED_FIELDS');
});

test('the field check catches a new field nobody reads', () => {
  const Probe = GlowTTSConfig.extend('FieldCheckProbe', {
    someProbeFieldNobodyReads: f.bool(false),
    audio: f.config(BaseAudioConfig.extend('ProbeAudio', { probeAudioKnob: f.int(1) })),
  });
  assert.deepEqual(unreadFields([Probe]), [
    'FieldCheckProbe.audio.probeAudioKnob',
    'FieldCheckProbe.someProbeFieldNobodyReads',
  ]);
  assert.equal(isRead('sampleRate'), true);
  assert.equal(
    isRead('mixedPrecision'),
    false,
    'mixedPrecision became read: delete its UNSUPPORTED_FIELDS line',
  );
});

test('every UNSUPPORTED_FIELDS key names a field of a registered config with a reason', () => {
  const paths = new Set(registeredModels().flatMap((m) => fieldPaths(getConfigClass(m)!).map((p) => p.path)));
  for (const key of Object.keys(UNSUPPORTED_FIELDS)) {
    assert.ok(paths.has(key), `${key} is no field of a registered config`);
    assert.ok(unsupportedField(key).reason.length > 10, key);
  }
  assert.equal(Object.hasOwn(UNSUPPORTED_FIELDS, 'device'), false);
});

test('defaults are silent; each non-default unsupported field warns once', () => {
  resetUnsupportedWarnings();
  assert.deepEqual(unsupportedSettings(GlowTTSConfig.create()), []);
  // Values that agree with what ribbit always does are silent too (Coqui recipes set these).
  assert.deepEqual(
    unsupportedSettings(GlowTTSConfig.create({ lossMasking: true, computeInputSeqCache: true })),
    [],
  );
  assert.deepEqual(
    unsupportedSettings(GlowTTSConfig.create({ lossMasking: false })).map((s) => s.path),
    ['lossMasking'],
  );
  const lines: string[] = [];
  const warn = (line: string) => lines.push(line);
  warnUnsupported(GlowTTSConfig.create(), { warn });
  assert.equal(lines.length, 0);

  const cfg = GlowTTSConfig.create({
    mixedPrecision: true,
    numLoaderWorkers: 4,
    audio: { pitchFmax: 500 },
    datasets: [{ metaFileAttnMask: 'a.txt' }, { metaFileAttnMask: 'b.txt' }],
    batchSize: 8, // supported: no warning
  });
  const found = unsupportedSettings(cfg).map((s) => s.path);
  assert.deepEqual(found.sort(), [
    'audio.pitchFmax',
    'datasets.0.metaFileAttnMask',
    'datasets.1.metaFileAttnMask',
    'mixedPrecision',
    'numLoaderWorkers',
  ]);
  warnUnsupported(cfg, { warn });
  assert.equal(lines.length, 4, lines.join('\n')); // one per field, not per dataset
  assert.ok(lines.some((l) => l.startsWith('[config] mixedPrecision = true has no effect: ')));
  warnUnsupported(cfg, { warn });
  assert.equal(lines.length, 4, 'a second load does not warn again');
  resetUnsupportedWarnings();
});

test('a Coqui config and command-line overrides warn for the unsupported fields they set', () => {
  resetUnsupportedWarnings();
  const { config } = fromCoquiJson(
    {
      model: 'glow_tts',
      mixed_precision: true,
      num_loader_workers: 4,
      batch_size: 16,
      use_grad_scaler: false,
    },
    { onIgnored: () => {} },
  );
  assert.deepEqual(
    unsupportedSettings(config)
      .map((s) => s.field)
      .sort(),
    ['mixedPrecision', 'numLoaderWorkers'],
  );
  const { config: over } = applyOverrides(GlowTTSConfig.create(), ['--cudnnBenchmark', 'true']);
  assert.deepEqual(
    unsupportedSettings(over).map((s) => s.field),
    ['cudnnBenchmark'],
  );
});

test('ribbit train (loadRunConfig) warns for unsupported fields of the file and of the overrides', async () => {
  resetUnsupportedWarnings();
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { loadRunConfig } = await import('../../src/cli/train.ts');
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-fields-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ model: 'glow_tts', num_loader_workers: 2, batch_size: 4 }));
  const lines: string[] = [];
  const saved = console.warn;
  console.warn = (line: string) => lines.push(line);
  try {
    loadRunConfig({ configPath: path, overrides: ['--mixedPrecision', 'true'] });
  } finally {
    console.warn = saved;
  }
  assert.deepEqual(lines.map((l) => l.split(' ')[1]).sort(), ['mixedPrecision', 'numLoaderWorkers']);
  resetUnsupportedWarnings();
});
