// The Vits model: forward / inference shapes and conditioning, an injected decoder,
// given durations, the deterministic duration predictor, freezing, and that training on the losses that need
// no discriminator (KL + duration) moves every parameter of the text encoder, posterior encoder, flow and
// duration predictor.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Tensor } from '../../src/torch/index.ts';
import * as torch from '../../src/torch/index.ts';
import { Conv1d, Module } from '../../src/torch/nn/index.ts';
import { AdamW } from '../../src/torch/optim/index.ts';
import { type VitsArgs, VitsConfig } from '../../src/tts/configs/vits_config.ts';
import { DurationPredictor } from '../../src/tts/layers/glow_tts/duration_predictor.ts';
import type { VitsDiscriminatorOutput } from '../../src/tts/layers/vits/discriminator.ts';
import { klLoss } from '../../src/tts/layers/vits/losses.ts';
import { batchSpectrograms, spectrogramParamsOf } from '../../src/tts/layers/vits/spectrogram.ts';
import { StochasticDurationPredictor } from '../../src/tts/layers/vits/stochastic_duration_predictor.ts';
import { Vits, type VitsDiscriminatorModule, type VitsWaveformDecoder } from '../../src/tts/models/vits.ts';
import { sequenceMask } from '../../src/tts/utils/helpers.ts';
import { LanguageManager, locateLanguageIds } from '../../src/tts/utils/languages.ts';
import { SpeakerManager } from '../../src/tts/utils/speakers.ts';

torch.manualSeed(1);

const HOP = 32;
const BINS = 65; // fftSize 128

function tinyConfig(args: Partial<VitsArgs> = {}) {
  return VitsConfig.create({
    audio: { fftSize: 128, winLength: 128, hopLength: HOP },
    modelArgs: {
      numChars: 20,
      outChannels: BINS,
      specSegmentSize: 4,
      hiddenChannels: 8,
      hiddenChannelsFfnTextEncoder: 16,
      numLayersTextEncoder: 1,
      numLayersPosteriorEncoder: 2,
      numLayersFlow: 1,
      upsampleRatesDecoder: [8, 4],
      upsampleKernelSizesDecoder: [16, 8],
      upsampleInitialChannelDecoder: 16,
      scaleDiscriminatorChannels: [2, 4, 4, 4, 4, 4],
      periodDiscriminatorChannels: [2, 4, 4, 4, 4],
      dropoutPTextEncoder: 0,
      dropoutPDurationPredictor: 0,
      ...args,
    },
  });
}

/** A batch of 2: tokens `[2, 6]` (lengths 6, 4), spectrograms `[2, 65, 12]` (lengths 12, 9), waveforms. */
function batch() {
  const tokens = torch
    .tensor([
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9, 10, 0, 0],
    ])
    .long();
  const tokenLens = torch.tensor([6, 4]).long();
  const specLens = torch.tensor([12, 9]).long();
  const frames = sequenceMask(specLens, 12).unsqueeze(1).float();
  const spec = torch.rand([2, BINS, 12]).mul(frames);
  const waveform = torch.randn([2, 1, 12 * HOP]).mul(0.1);
  return { tokens, tokenLens, spec, specLens, waveform };
}

/** Up-samples z `[B, C, T]` by HOP with a 1x1 conv and repetition: a stand-in with the decoder's interface. */
class ToyDecoder extends Module implements VitsWaveformDecoder {
  readonly proj: Conv1d;
  constructor(channels: number) {
    super();
    this.proj = this.registerModule('conv_post', new Conv1d(channels, 1, 1));
  }
  forward(z: Tensor): Tensor {
    return torch.tidy(() => this.proj.forward(z).repeatInterleave(HOP, 2).tanh());
  }
}

/** Two tiny conv sub-discriminators with the VITS discriminator's interface. */
class ToyDiscriminator extends Module implements VitsDiscriminatorModule {
  readonly convs: Conv1d[];
  constructor() {
    super();
    this.convs = [0, 1, 2, 3].map((i) =>
      this.registerModule(`c${i}`, i % 2 === 0 ? new Conv1d(1, 4, 5, { stride: 2 }) : new Conv1d(4, 1, 3)),
    );
  }
  private run(x: Tensor): { scores: Tensor[]; feats: Tensor[][] } {
    const scores: Tensor[] = [];
    const feats: Tensor[][] = [];
    for (const k of [0, 2]) {
      const h = torch.F.leakyRelu(this.convs[k].forward(x), 0.1);
      const s = this.convs[k + 1].forward(h);
      feats.push([h, s]);
      scores.push(s.flatten(1));
    }
    return { scores, feats };
  }
  forward(fake: Tensor, real: Tensor): VitsDiscriminatorOutput {
    const f = this.run(fake);
    const r = this.run(real);
    return { fakeScores: f.scores, fakeFeats: f.feats, realScores: r.scores, realFeats: r.feats };
  }
}

test('forward: shapes, segment bounds, duration loss per item; alignment is monotonic and covers every frame', () => {
  const model = new Vits(tinyConfig());
  const b = batch();
  const out = model.forward(b.tokens, b.tokenLens, b.spec, b.specLens, b.waveform);
  // the HiFiGAN decoder of the config decodes the z segment
  assert.deepEqual(out.modelOutputs.shape, [2, 1, 4 * HOP]);
  assert.ok(out.modelOutputs.abs().max().item() < 1, 'tanh output');
  for (const t of [out.z, out.zP, out.mQ, out.logsQ, out.mP, out.logsP])
    assert.deepEqual(t.shape, [2, 8, 12]);
  assert.deepEqual(out.alignments.shape, [2, 6, 12]);
  assert.deepEqual(out.waveformSeg.shape, [2, 1, 4 * HOP]);
  assert.deepEqual(out.lossDuration.shape, [2]);
  assert.ok(out.lossDuration.isfinite().all().item());
  const [s0, s1] = out.sliceIds.toArray();
  assert.ok(s0 >= 0 && s0 <= 8 && s1 >= 0 && s1 <= 5, `slice ids ${s0}, ${s1}`);
  // every valid frame is aligned to exactly one valid token; tokens in order; every token gets a frame
  const a = out.alignments;
  assert.deepEqual(a.sum(1).toArray(), [...Array(12).fill(1), ...Array(9).fill(1), 0, 0, 0]);
  const perToken = a.sum(2).toArray();
  assert.deepEqual(
    perToken.slice(6 + 4).every((v) => v === 0),
    true,
  );
  assert.ok(perToken.slice(0, 6).every((v) => v >= 1) && perToken.slice(6, 10).every((v) => v >= 1));
  const tokenOfFrame = a.argmax(1).toArray();
  for (let j = 1; j < 12; j++) assert.ok(tokenOfFrame[j] >= tokenOfFrame[j - 1]);
  // the real segment is the waveform under the sliced frames
  const want = b.waveform.slice(0, 0, 1).slice(2, s0 * HOP, (s0 + 4) * HOP);
  assert.equal(out.waveformSeg.slice(0, 0, 1).sub(want).abs().max().item(), 0);
});

test('an injected waveform decoder receives the z segment; inference decodes the whole utterance', () => {
  const config = tinyConfig();
  const model = new Vits(config, { waveformDecoder: new ToyDecoder(8) });
  assert.ok([...model.stateDict().keys()].includes('waveform_decoder.conv_post.weight'));
  const b = batch();
  const out = model.forward(b.tokens, b.tokenLens, b.spec, b.specLens, b.waveform);
  assert.deepEqual(out.modelOutputs?.shape, [2, 1, 4 * HOP]);
  const inf = model.inference(b.tokens.slice(0, 0, 1));
  const frames = inf.z.size(2);
  assert.deepEqual(inf.modelOutputs?.shape, [1, 1, frames * HOP]);
  assert.equal(inf.durations.sum().item(), frames);
  assert.deepEqual(inf.alignments.shape, [1, 6, frames]);
});

test('inference: given durations, length scale, batch with lengths, noise scales', () => {
  const model = new Vits(tinyConfig());
  const x = torch.tensor([[3, 4, 5, 6, 7]]).long();
  const given = model.inference(x, { durations: torch.tensor([1, 2, 3, 1, 2]) });
  assert.deepEqual(given.durations.toArray(), [1, 2, 3, 1, 2]);
  assert.deepEqual(given.z.shape, [1, 8, 9]);
  assert.deepEqual(given.alignments.sum(2).toArray(), [1, 2, 3, 1, 2]);
  // noise scales 0: deterministic; a longer length scale gives at least as many frames
  const a = model.inference(x, { noiseScale: 0, noiseScaleDp: 0 });
  const again = model.inference(x, { noiseScale: 0, noiseScaleDp: 0 });
  assert.equal(a.z.sub(again.z).abs().max().item(), 0);
  assert.equal(a.zP.sub(a.mP).abs().max().item(), 0);
  const slow = model.inference(x, { noiseScale: 0, noiseScaleDp: 0, lengthScale: 3 });
  assert.ok(slow.z.size(2) >= a.z.size(2));
  // a batch: padded tokens get no frames
  const b = batch();
  const inf = model.inference(b.tokens, { xLengths: b.tokenLens, noiseScaleDp: 0 });
  const perToken = inf.durations.squeeze(1).toArray();
  assert.deepEqual(perToken.slice(10), [0, 0]);
  assert.equal(
    inf.yMask.sum([1, 2]).toArray()[1],
    perToken.slice(6, 10).reduce((s, v) => s + v, 0),
  );
});

test('deterministic duration predictor (useSdp false), speakers and languages', () => {
  const model = new Vits(
    tinyConfig({
      useSdp: false,
      useSpeakerEmbedding: true,
      numSpeakers: 3,
      speakerEmbeddingChannels: 5,
      useLanguageEmbedding: true,
      numLanguages: 2,
      embeddedLanguageDim: 4,
    }),
    { speakerManager: null, languageManager: null },
  );
  assert.ok(model.durationPredictor instanceof DurationPredictor);
  const keys = [...model.stateDict().keys()];
  for (const k of ['emb_g.weight', 'emb_l.weight', 'posterior_encoder.enc.cond_layer.weight_g']) {
    assert.ok(keys.includes(k), k);
  }
  const b = batch();
  const aux = { speakerIds: torch.tensor([0, 2]).long(), languageIds: torch.tensor([1, 0]).long() };
  const out = model.forward(b.tokens, b.tokenLens, b.spec, b.specLens, b.waveform, aux);
  assert.deepEqual(out.lossDuration.shape, [2]);
  assert.ok(out.lossDuration.isfinite().all().item());
  // with a trained (non-zero) flow the speaker changes z; a speaker given as a number equals the id tensor
  torch.noGrad(() => {
    for (const f of model.flow.flows) f.post.weight.normal_(0, 0.1);
  });
  const x = b.tokens.slice(0, 0, 1);
  const lang = { languageIds: torch.tensor([1]).long(), noiseScale: 0 };
  const s0 = model.inference(x, { ...lang, speakerIds: torch.tensor([0]).long() });
  const s0n = model.inference(x, { ...lang, speakerId: 0 });
  const s2 = model.inference(x, { ...lang, speakerId: 2 });
  assert.equal(s0.z.sub(s0n.z).abs().max().item(), 0);
  assert.ok(s0.z.size(2) !== s2.z.size(2) || s0.z.sub(s2.z).abs().max().item() > 1e-4, 'the speaker matters');
  assert.throws(
    () =>
      model.forward(b.tokens, b.tokenLens, b.spec, b.specLens, b.waveform, {
        ...aux,
        dVectors: torch.randn([2, 5]),
      }),
    /together/,
  );
});

test('training on KL + duration loss moves every parameter before the decoder (two equal models, steps on one)', () => {
  const config = tinyConfig();
  const model = new Vits(config, { discriminator: null });
  model.train();
  // move the zero-initialised layers first, as a trained model has them (their gradient is zero otherwise)
  torch.noGrad(() => {
    for (const [name, p] of model.namedParameters())
      if (/post\.|proj\.|translation|log_scale/.test(name)) p.normal_(0, 0.05);
  });
  const twin = new Vits(config, { discriminator: null });
  twin.loadStateDict(model.stateDict(), { strict: true });
  const optimizer = new AdamW(model.parameters(), {
    lr: 1e-3,
    betas: [0.8, 0.99],
    eps: 1e-9,
    weightDecay: 0,
  });
  const b = batch();
  const losses: number[] = [];
  for (let step = 0; step < 2; step++) {
    torch.tidy(() => {
      const out = model.forward(b.tokens, b.tokenLens, b.spec, b.specLens, b.waveform);
      const zMask = sequenceMask(b.specLens, out.zP.size(2)).unsqueeze(1).float();
      const loss = klLoss(out.zP, out.logsQ, out.mP, out.logsP, zMask).add(out.lossDuration.sum());
      losses.push(loss.item());
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    });
  }
  assert.ok(losses.every(Number.isFinite), `${losses}`);
  assert.ok(model.durationPredictor instanceof StochasticDurationPredictor);
  const twinParams = twin.namedParameters();
  const unchanged = [...model.namedParameters()]
    .filter(([k]) => !k.startsWith('waveform_decoder.'))
    .filter(
      ([k, p]) =>
        p
          .sub(twinParams.get(k) as Tensor)
          .abs()
          .max()
          .item() === 0,
    )
    .map(([k]) => k);
  assert.deepEqual(unchanged, []);
});

test('freezeLayers stops the frozen parts', () => {
  const model = new Vits(tinyConfig({ freezeEncoder: true, freezeDp: true }));
  model.freezeLayers();
  assert.ok(model.textEncoder.parameters().every((p) => !p.requiresGrad));
  assert.ok(model.durationPredictor.parameters().every((p) => !p.requiresGrad));
  assert.ok(model.flow.parameters().every((p) => p.requiresGrad));
  assert.ok(model.posteriorEncoder.parameters().every((p) => p.requiresGrad));
});

test('unsupported Coqui options are refused, not ignored', () => {
  assert.throws(() => new Vits(tinyConfig({ encoderSampleRate: 16000 })), /encoderSampleRate/);
  assert.throws(() => new Vits(tinyConfig({ useSpeakerEncoderAsLoss: true })), /useSpeakerEncoderAsLoss/);
});

test('trainStep per optimizer (0 discriminator, 1 generator): losses, and each optimizer moves all its weights', () => {
  const config = tinyConfig();
  const model = new Vits(config, {
    waveformDecoder: new ToyDecoder(8),
    discriminator: new ToyDiscriminator(),
  });
  model.train();
  torch.noGrad(() => {
    for (const [name, p] of model.namedParameters())
      if (/post\.|proj\.|translation|log_scale/.test(name)) p.normal_(0, 0.05);
  });
  const twin = new Vits(config, {
    waveformDecoder: new ToyDecoder(8),
    discriminator: new ToyDiscriminator(),
  });
  twin.loadStateDict(model.stateDict(), { strict: true });
  const b = batch();
  const a = config.audio;
  const spec = batchSpectrograms(b.waveform, torch.tensor([1, 0.75]), spectrogramParamsOf(a));
  const vb = { tokens: b.tokens, tokenLens: b.tokenLens, waveform: b.waveform, ...spec };
  const criterion = model.getCriterion();
  const groups = model.optimizerGroups();
  const optD = new AdamW(groups.discriminator, { lr: 1e-3 });
  const optG = new AdamW(groups.generator, { lr: 1e-3 });
  assert.equal(groups.discriminator.length + groups.generator.length, model.parameters().length);
  assert.throws(() => model.trainStep(vb, criterion, 1), /needs step 0/);
  const changed = (names: string[]) => {
    const twinParams = twin.namedParameters();
    return names.filter(
      (k) =>
        model
          .namedParameters()
          .get(k)
          ?.sub(twinParams.get(k) as Tensor)
          .abs()
          .max()
          .item() !== 0,
    );
  };
  const discNames = [...model.namedParameters().keys()].filter((k) => k.startsWith('disc.'));
  const genNames = [...model.namedParameters().keys()].filter((k) => !k.startsWith('disc.'));
  torch.tidy(() => {
    const d = model.trainStep(vb, criterion, 0);
    assert.deepEqual(Object.keys(d.lossDict).sort(), ['loss', 'lossDisc', 'lossDiscReal0', 'lossDiscReal1']);
    optD.zeroGrad();
    (d.lossDict.loss as Tensor).backward();
    optD.step();
    assert.deepEqual(
      changed(discNames),
      discNames,
      'the discriminator step moves every discriminator weight',
    );
    assert.deepEqual(changed(genNames), [], 'and nothing else');
    const g = model.trainStep(vb, criterion, 1, [d.outputs]);
    assert.deepEqual(Object.keys(g.lossDict).sort(), [
      'loss',
      'lossDuration',
      'lossFeat',
      'lossGen',
      'lossKl',
      'lossMel',
    ]);
    assert.ok(Number.isFinite((g.lossDict.loss as Tensor).item()));
    optG.zeroGrad();
    (g.lossDict.loss as Tensor).backward();
    optG.step();
    assert.deepEqual(changed(genNames), genNames, 'the generator step moves every generator weight');
  });
  // evaluation: the same keys, no gradients
  const e = model.evalStep(vb, criterion, 0);
  assert.equal((e.lossDict.loss as Tensor).requiresGrad, false);
  assert.deepEqual(Object.keys(model.evalStep(vb, criterion, 1, [e.outputs]).lossDict).length, 6);
});

test('state dict round trip in both weight-norm namings (weight_g/weight_v and parametrizations)', () => {
  const config = tinyConfig();
  const a = new Vits(config);
  for (const scheme of ['legacy', 'parametrizations'] as const) {
    const sd = scheme === 'legacy' ? a.stateDict() : a.stateDict({ weightNormKeys: 'parametrizations' });
    const keys = [...sd.keys()];
    assert.ok(
      keys.some((k) =>
        scheme === 'legacy' ? k.endsWith('.weight_g') : k.endsWith('.parametrizations.weight.original0'),
      ),
    );
    const b = new Vits(config);
    b.loadStateDict(sd, { strict: true });
    const x = torch.tensor([[3, 4, 5, 6]]).long();
    const za = a.inference(x, { noiseScale: 0, noiseScaleDp: 0 }).z;
    const zb = b.inference(x, { noiseScale: 0, noiseScaleDp: 0 }).z;
    assert.equal(za.sub(zb).abs().max().item(), 0, scheme);
  }
});

test('speakers and languages from the data: table sizes, batch ids by name, language_ids.json, inference by name', () => {
  const samples = ['ann', 'bob', 'cy'].flatMap((speakerName, i) =>
    ['en', 'fr'].map((language) => ({
      text: 'a',
      audioFile: `${speakerName}_${language}.wav`,
      speakerName,
      rootPath: '',
      language,
      audioUniqueName: `${i}${language}`,
    })),
  );
  const config = tinyConfig({
    useSpeakerEmbedding: true,
    speakerEmbeddingChannels: 5,
    useLanguageEmbedding: true,
    embeddedLanguageDim: 4,
  });
  const model = new Vits(config, {
    speakerManager: new SpeakerManager({ samples }),
    languageManager: LanguageManager.fromSamples(samples),
    discriminator: null,
  });
  assert.deepEqual(model.embG?.weight.shape, [3, 5], 'one row per speaker of the data');
  assert.deepEqual(model.embL?.weight.shape, [2, 4], 'one row per language of the data');
  assert.equal(model.config.modelArgs.numSpeakers, 3);
  assert.equal(model.config.modelArgs.numLanguages, 2);
  // a loader batch: speaker and language names become ids
  const b = batch();
  const formatted = model.formatBatch({
    tokenIds: b.tokens,
    tokenIdsLengths: b.tokenLens,
    waveform: b.waveform,
    waveformRelLengths: torch.tensor([1, 0.75]),
    speakerNames: ['cy', 'ann'],
    languages: ['fr', 'en'],
  });
  assert.deepEqual(formatted.speakerIds?.toArray(), [2, 0]);
  assert.deepEqual(formatted.languageIds?.toArray(), [1, 0]);
  assert.deepEqual(formatted.specLens.toArray(), [12, 9]);
  assert.deepEqual(formatted.spec.shape, [2, BINS, 12]);
  // the run keeps language_ids.json; an inference model reads it back (never the data)
  const run = mkdtempSync(join(tmpdir(), 'ribbit-vits-lang-'));
  try {
    model.onInitStart({ runPath: run });
    const file = join(run, 'language_ids.json');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { en: 0, fr: 1 });
    assert.equal(model.config.modelArgs.languageIdsFile, file);
    const loaded = new Vits({ ...model.config, datasets: [] }, { inferenceOnly: true, speakerManager: null });
    assert.deepEqual(
      [...(loaded.languageManager?.ids ?? [])],
      [
        ['en', 0],
        ['fr', 1],
      ],
    );
    loaded.loadStateDict(model.stateDict(), { strict: true });
    const x = b.tokens.slice(0, 0, 1);
    const byName = loaded.inference(x, { language: 'fr', speakerId: 1, noiseScale: 0, noiseScaleDp: 0 });
    const byId = loaded.inference(x, {
      languageIds: torch.tensor([1]).long(),
      speakerId: 1,
      noiseScale: 0,
      noiseScaleDp: 0,
    });
    assert.equal(byName.modelOutputs.sub(byId.modelOutputs).abs().max().item(), 0);
    assert.throws(
      () => loaded.inference(x, { language: 'de', speakerId: 1 }),
      /not among the model's \(en, fr\)/,
    );
    assert.throws(() => loaded.inference(x, { speakerId: 1 }), /needs a language/);
    // a moved run: the loader finds language_ids.json in the model's folder
    const moved = locateLanguageIds(
      { modelArgs: { languageIdsFile: '/gone/language_ids.json' } } as Record<string, unknown>,
      [run],
    );
    assert.equal((moved.modelArgs as { languageIdsFile: string }).languageIdsFile, file);
  } finally {
    rmSync(run, { recursive: true, force: true });
  }
});
