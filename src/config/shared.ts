/**
 * The shared configs of Coqui TTS 0.22 and its Trainer, in camelCase with Coqui's defaults and field order
 * (so a saved config lists fields where Coqui's does): `BaseAudioConfig`, `BaseDatasetConfig`,
 * `CharactersConfig`, `TrainerConfig`, `BaseTrainingConfig` and `BaseTTSConfig`. A model config extends
 * `BaseTTSConfig` with its own fields and a literal `model` name.
 *
 * Ranges are the limits Coqui's `check_values` enforces, so every config Coqui accepts loads here.
 */
import { type ConfigOf, defineConfig, f } from './schema.ts';

/** Coqui's default `run_description`; a run with another one prints it when training starts. */
export const DEFAULT_RUN_DESCRIPTION = '🐸Coqui trainer run.';

/** Audio processing parameters (Coqui's `BaseAudioConfig`, used to build the AudioProcessor). */
export const BaseAudioConfig = defineConfig(
  'BaseAudioConfig',
  {
    fftSize: f.int(1024, { min: 128, max: 4058, help: 'STFT size (frequency bins = fftSize / 2 + 1)' }),
    winLength: f.int(1024, { min: 1, help: 'STFT window length in samples (zero-padded to fftSize)' }),
    hopLength: f.int(256, { min: 1, help: 'samples between STFT frames' }),
    frameShiftMs: f.number(null, {
      nullable: true,
      min: 1,
      max: 1000,
      help: 'hop length in milliseconds (overrides hopLength)',
    }),
    frameLengthMs: f.number(null, {
      nullable: true,
      min: 10,
      max: 1000,
      help: 'window length in milliseconds (overrides winLength)',
    }),
    stftPadMode: f.enum(['reflect', 'constant', 'replicate', 'circular'], 'reflect', {
      help: 'padding of the signal ends before the STFT',
    }),
    sampleRate: f.int(22050, { min: 512, max: 100000, help: 'sampling rate in Hz' }),
    resample: f.bool(false, { help: 'resample audio files to sampleRate when loading' }),
    preemphasis: f.number(0.0, { min: 0, max: 1, help: 'pre-emphasis coefficient (0: off)' }),
    refLevelDb: f.int(20, { min: 0, max: 1000, help: 'reference dB level subtracted before normalisation' }),
    doSoundNorm: f.bool(false, { help: 'peak-normalise loaded audio' }),
    logFunc: f.enum(['np.log10', 'np.log'], 'np.log10', { help: 'log used by amplitude-to-dB' }),
    doTrimSilence: f.bool(true, { help: 'trim leading and trailing silence' }),
    trimDb: f.number(45, { help: 'silence threshold in dB below peak for trimming' }),
    doRmsNorm: f.bool(false, { help: 'RMS-normalise loaded audio to dbLevel' }),
    dbLevel: f.number(null, { nullable: true, help: 'target dB level of RMS normalisation (-99..0)' }),
    power: f.number(1.5, { min: 1, max: 5, help: 'exponent applied to spectrograms before Griffin-Lim' }),
    griffinLimIters: f.int(60, { min: 10, max: 1000, help: 'Griffin-Lim iterations' }),
    numMels: f.int(80, { min: 10, max: 2056, help: 'mel bands' }),
    melFmin: f.number(0.0, { min: 0, max: 1000, help: 'lowest mel filter frequency in Hz' }),
    melFmax: f.number(null, {
      nullable: true,
      min: 500,
      help: 'highest mel filter frequency in Hz (null: sampleRate / 2)',
    }),
    specGain: f.number(20, { min: 1, max: 100, help: 'gain of amplitude-to-dB' }),
    doAmpToDbLinear: f.bool(true, { help: 'convert linear spectrograms to dB' }),
    doAmpToDbMel: f.bool(true, { help: 'convert mel spectrograms to dB' }),
    pitchFmax: f.number(640.0, { help: 'highest F0 in Hz' }),
    pitchFmin: f.number(1.0, { help: 'lowest F0 in Hz' }),
    signalNorm: f.bool(true, { help: 'normalise spectrograms to [-maxNorm, maxNorm] or [0, maxNorm]' }),
    minLevelDb: f.int(-100, { min: -1000, max: 10, help: 'floor of the dB range used by normalisation' }),
    symmetricNorm: f.bool(true, { help: 'normalise to [-maxNorm, maxNorm] instead of [0, maxNorm]' }),
    maxNorm: f.number(4.0, { min: 0.1, max: 1000, help: 'k of the normalisation range' }),
    clipNorm: f.bool(true, { help: 'clip normalised values to the range' }),
    statsPath: f.string(null, { nullable: true, help: 'mean/std statistics file for normalisation' }),
  },
  {
    help: 'audio processing parameters',
    check(cfg, report) {
      if (cfg.winLength > cfg.fftSize) {
        report('winLength', `expected at most fftSize (${cfg.fftSize}), got ${cfg.winLength}`);
      }
      if (cfg.melFmax !== null && cfg.melFmax > cfg.sampleRate / 2) {
        report('melFmax', `expected at most sampleRate / 2 (${cfg.sampleRate / 2}), got ${cfg.melFmax}`);
      }
    },
  },
);
/** Audio processing parameters. */
export type BaseAudioConfig = ConfigOf<typeof BaseAudioConfig>;

/** One dataset (Coqui's `BaseDatasetConfig`). */
export const BaseDatasetConfig = defineConfig(
  'BaseDatasetConfig',
  {
    formatter: f.string('', { help: 'name of the metadata formatter (ljspeech, vctk, ...)' }),
    datasetName: f.string('', { help: 'unique name of the dataset' }),
    path: f.string('', { help: 'root folder of the dataset' }),
    metaFileTrain: f.string('', { help: 'training metadata file, relative to path' }),
    ignoredSpeakers: f.array(f.string(), null, { nullable: true, help: 'speaker ids left out of training' }),
    language: f.string('', { help: 'language code of the dataset (overrides phonemeLanguage)' }),
    phonemizer: f.string('', { help: 'phonemizer for this dataset ("" : the language default)' }),
    metaFileVal: f.string('', { help: 'validation metadata file ("" : split from the training data)' }),
    metaFileAttnMask: f.string('', { help: 'file listing precomputed attention masks' }),
  },
  { help: 'a dataset' },
);
/** One dataset. */
export type BaseDatasetConfig = ConfigOf<typeof BaseDatasetConfig>;

/** The symbol set of a model (Coqui's `CharactersConfig`); null fields take the class's defaults. */
export const CharactersConfig = defineConfig(
  'CharactersConfig',
  {
    charactersClass: f.string(null, {
      nullable: true,
      help: 'vocabulary class (Coqui path such as TTS.tts.utils.text.characters.Graphemes)',
    }),
    vocabDict: f.record(null, { nullable: true, help: 'explicit symbol -> id map (BaseVocabulary)' }),
    pad: f.string(null, { nullable: true, help: 'padding symbol' }),
    eos: f.string(null, { nullable: true, help: 'end-of-sentence symbol' }),
    bos: f.string(null, { nullable: true, help: 'beginning-of-sentence symbol' }),
    blank: f.string(null, { nullable: true, help: 'blank symbol inserted between tokens (addBlank)' }),
    characters: f.string(null, { nullable: true, help: 'the letters or phonemes of the vocabulary' }),
    punctuations: f.string(null, { nullable: true, help: 'punctuation symbols' }),
    phonemes: f.string(null, { nullable: true, help: 'phoneme symbols (legacy; use characters)' }),
    isUnique: f.bool(true, { help: 'remove duplicate symbols' }),
    isSorted: f.bool(true, { help: 'sort the symbols' }),
  },
  { help: 'symbol set' },
);
/** The symbol set of a model. */
export type CharactersConfig = ConfigOf<typeof CharactersConfig>;

const strings = f.array(f.string());
const numbers = f.array(f.number());

/** The training loop's settings (the Coqui Trainer's `TrainerConfig`). */
export const TrainerConfig = defineConfig(
  'TrainerConfig',
  {
    outputPath: f.string('output', { help: 'folder that receives the run folders' }),
    loggerUri: f.string(null, { nullable: true, help: 'where the dashboard logger saves artifacts' }),
    runName: f.string('run', { help: 'name of the run (part of the run folder name)' }),
    projectName: f.string(null, { nullable: true, help: 'project name for the dashboard' }),
    runDescription: f.string(DEFAULT_RUN_DESCRIPTION, {
      help: 'notes about the run (printed when training starts)',
    }),
    printStep: f.int(25, { min: 1, help: 'print training stats every N steps' }),
    plotStep: f.int(100, { min: 1, help: 'log training stats to the dashboard every N steps' }),
    modelParamStats: f.bool(false, { help: 'log parameter statistics to the dashboard' }),
    wandbEntity: f.string(null, { nullable: true, help: 'W&B entity (unused by ribbit)' }),
    dashboardLogger: f.enum(['tensorboard', 'none'], 'tensorboard', { help: 'training dashboard' }),
    saveOnInterrupt: f.bool(true, { help: 'save a checkpoint on Ctrl+C' }),
    logModelStep: f.int(null, {
      nullable: true,
      min: 1,
      help: 'send checkpoints to the logger every N steps',
    }),
    saveStep: f.int(10000, { min: 1, help: 'save a checkpoint every N steps' }),
    saveNCheckpoints: f.int(5, { min: 0, help: 'keep the N latest checkpoints' }),
    saveCheckpoints: f.bool(true, { help: 'save checkpoints' }),
    saveAllBest: f.bool(false, { help: 'keep every best checkpoint, not only the latest' }),
    saveBestAfter: f.int(0, { min: 0, help: 'save best checkpoints only after N steps' }),
    targetLoss: f.string(null, { nullable: true, help: 'loss that selects the best model (null: loss)' }),
    printEval: f.bool(false, { help: 'print every eval step' }),
    testDelayEpochs: f.int(0, { min: 0, help: 'run test sentences only after N epochs' }),
    runEval: f.bool(true, { help: 'evaluate after each training epoch' }),
    runEvalSteps: f.int(null, { nullable: true, min: 1, help: 'also evaluate every N steps' }),
    distributedBackend: f.string('nccl', { help: 'distributed backend' }),
    distributedUrl: f.string('tcp://localhost:54321', { help: 'distributed rendezvous URL' }),
    mixedPrecision: f.bool(false, { help: 'train with mixed precision' }),
    precision: f.enum(['fp16', 'bf16'], 'fp16', { help: 'half-precision type of mixed precision' }),
    epochs: f.int(1000, { min: 0, help: 'epochs to train' }),
    batchSize: f.int(32, { min: 1, help: 'training batch size' }),
    evalBatchSize: f.int(16, { min: 1, help: 'evaluation batch size' }),
    gradClip: f.union([f.number(), numbers], 0.0, {
      nullable: true,
      help: 'gradient norm clip, per optimizer when a list (<= 0: off)',
    }),
    schedulerAfterEpoch: f.bool(true, { help: 'step LR schedulers per epoch, not per step' }),
    lr: f.union([f.number(), numbers], 0.001, { help: 'learning rate, per optimizer when a list' }),
    optimizer: f.union([f.string(), strings], null, { nullable: true, help: 'optimizer name(s)' }),
    optimizerParams: f.union(
      [f.record(), f.array(f.record())],
      {},
      {
        nullable: true,
        help: 'optimizer keyword arguments (Coqui names, e.g. weight_decay)',
      },
    ),
    lrScheduler: f.union([f.string(), strings], null, { nullable: true, help: 'LR scheduler name(s)' }),
    lrSchedulerParams: f.record({}, { nullable: true, help: 'LR scheduler keyword arguments (Coqui names)' }),
    useGradScaler: f.bool(false, { help: 'use a gradient scaler without mixed precision' }),
    allowTf32: f.bool(false, { help: 'allow TF32 matmuls on Ampere or newer GPUs' }),
    cudnnEnable: f.bool(true, { help: 'enable cuDNN' }),
    cudnnDeterministic: f.bool(false, { help: 'deterministic cuDNN kernels (slower)' }),
    cudnnBenchmark: f.bool(false, { help: 'cuDNN autotuning (for fixed input sizes)' }),
    seed: f.int(54321, { coquiName: 'training_seed', help: 'global random seed' }),
    gradAccumSteps: f.int(1, {
      min: 1,
      help: 'accumulate gradients over N batches (Coqui: a Trainer argument)',
    }),
  },
  { help: 'training loop settings' },
);
/** The training loop's settings. */
export type TrainerConfig = ConfigOf<typeof TrainerConfig>;

/** `TrainerConfig` plus the model name and data-loader workers (Coqui TTS's `BaseTrainingConfig`). */
export const BaseTrainingConfig = TrainerConfig.extend('BaseTrainingConfig', {
  model: f.string(null, { nullable: true, help: 'model name (a registered model config fixes it)' }),
  numLoaderWorkers: f.int(0, { min: 0, help: 'training data-loader workers' }),
  numEvalLoaderWorkers: f.int(0, { min: 0, help: 'evaluation data-loader workers' }),
  useNoiseAugment: f.bool(false, { help: 'add random noise to training audio' }),
});
/** `TrainerConfig` plus the model name and data-loader workers. */
export type BaseTrainingConfig = ConfigOf<typeof BaseTrainingConfig>;

/** Fields shared by all TTS models (Coqui's `BaseTTSConfig`); model configs extend it. */
export const BaseTTSConfig = BaseTrainingConfig.extend(
  'BaseTTSConfig',
  {
    // BaseTTSConfig's own defaults for Trainer fields (they keep their Trainer position).
    optimizer: f.union([f.string(), strings], 'radam', { nullable: true, help: 'optimizer name(s)' }),
    optimizerParams: f.union([f.record(), f.array(f.record())], null, {
      nullable: true,
      help: 'optimizer keyword arguments (Coqui names, e.g. weight_decay)',
    }),
    lrScheduler: f.union([f.string(), strings], '', {
      nullable: true,
      help: 'LR scheduler name(s) ("": none)',
    }),
    audio: f.config(BaseAudioConfig, undefined, { help: 'audio processing' }),
    usePhonemes: f.bool(false, { help: 'train on phonemes instead of characters' }),
    phonemizer: f.string(null, {
      nullable: true,
      help: 'phonemizer name (null: chosen from phonemeLanguage)',
    }),
    phonemeLanguage: f.string(null, { nullable: true, help: 'language code of the phonemizer' }),
    computeInputSeqCache: f.bool(false, { help: 'precompute token sequences before training' }),
    textCleaner: f.string(null, { nullable: true, help: 'text cleaner name (english_cleaners, ...)' }),
    enableEosBosChars: f.bool(false, { help: 'add BOS/EOS symbols to every sequence' }),
    testSentencesFile: f.string('', { help: 'file with one test sentence per line' }),
    phonemeCachePath: f.string(null, { nullable: true, help: 'folder caching computed phonemes' }),
    characters: f.config(CharactersConfig, null, {
      nullable: true,
      help: 'symbol set (null: model default)',
    }),
    addBlank: f.bool(false, { help: 'insert a blank symbol between tokens' }),
    batchGroupSize: f.int(0, { min: 0, help: 'shuffle within groups of N batches after sorting by length' }),
    lossMasking: f.bool(null, { nullable: true, help: 'mask padded frames in losses' }),
    minAudioLen: f.int(1, { min: 0, help: 'drop samples with fewer audio samples' }),
    maxAudioLen: f.int(Infinity, {
      allowInfinity: true,
      min: 0,
      help: 'drop samples with more audio samples',
    }),
    minTextLen: f.int(1, { min: 0, help: 'drop samples with shorter text' }),
    maxTextLen: f.int(Infinity, { allowInfinity: true, min: 0, help: 'drop samples with longer text' }),
    computeF0: f.bool(false, { help: 'compute pitch in the data loader' }),
    computeEnergy: f.bool(false, { help: 'compute energy in the data loader' }),
    computeLinearSpec: f.bool(false, { help: 'return linear spectrograms from the data loader' }),
    precomputeNumWorkers: f.int(0, { min: 0, help: 'workers for feature precomputation' }),
    startByLongest: f.bool(false, { help: 'start with the longest batch (finds OOM early)' }),
    shuffle: f.bool(false, { help: 'shuffle the training samples' }),
    dropLast: f.bool(false, { help: 'drop the last incomplete batch' }),
    datasets: f.array(f.config(BaseDatasetConfig), [{}], { help: 'training datasets (merged)' }),
    skipBadSamples: f.bool(false, {
      help: 'train without samples whose metadata line is bad or whose audio is missing (each is reported) instead of stopping',
    }),
    testSentences: f.array(f.union([f.string(), f.array(f.string(null, { nullable: true }))]), [], {
      help: "sentences synthesised at test time: a text, or Coqui's [text, speaker, style wav, language]",
    }),
    evalSplitMaxSize: f.int(null, { nullable: true, min: 0, help: 'cap on the eval split size' }),
    evalSplitSize: f.number(0.01, { min: 0, help: 'eval split: a fraction (< 1) or a sample count' }),
    useSpeakerWeightedSampler: f.bool(false, { help: 'balance batches by speaker' }),
    speakerWeightedSamplerAlpha: f.number(1.0, { help: 'strength of speaker balancing' }),
    useLanguageWeightedSampler: f.bool(false, { help: 'balance batches by language' }),
    languageWeightedSamplerAlpha: f.number(1.0, { help: 'strength of language balancing' }),
    useLengthWeightedSampler: f.bool(false, { help: 'balance batches by audio length' }),
    lengthWeightedSamplerAlpha: f.number(1.0, { help: 'strength of length balancing' }),
  },
  {
    help: 'fields shared by TTS models',
    check(cfg, report) {
      if (cfg.minTextLen > cfg.maxTextLen) {
        report('minTextLen', `expected at most maxTextLen (${cfg.maxTextLen}), got ${cfg.minTextLen}`);
      }
      if (cfg.minAudioLen > cfg.maxAudioLen) {
        report('minAudioLen', `expected at most maxAudioLen (${cfg.maxAudioLen}), got ${cfg.minAudioLen}`);
      }
    },
  },
);
/** Fields shared by all TTS models. */
export type BaseTTSConfig = ConfigOf<typeof BaseTTSConfig>;
