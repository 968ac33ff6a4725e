/**
 * eSpeak NG phonemizer, called exactly as Coqui's `ESpeak` does: one `espeak-ng -q -b 1 -v <lang> --ipa=1
 * <text>` process per text piece between punctuation runs; every output line stripped, language-switch
 * markers like `(en)` removed, lines concatenated, `_` replaced by the separator, punctuation restored.
 * espeak-ng is only ever run as a separate program (it is GPL; nothing is linked). Processes run in
 * parallel up to `concurrency`.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { DEFAULT_PUNCTUATIONS, type PuncIndex, Punctuation } from '../punctuation.ts';
import { pyStrip } from '../pyCompat.ts';
import { ConcurrencyLimiter, type Phonemizer } from './base.ts';

/** Message of the error raised when the espeak-ng program cannot be found. */
export const ESPEAK_MISSING_MESSAGE = 'espeak-ng is not installed: apt-get install espeak-ng';

/** Options of {@link ESpeakPhonemizer}. */
export interface ESpeakOptions {
  /** Punctuation characters kept around phonemized pieces. Default Coqui's `;:,.!?¡¿—…"«»“”`. */
  punctuations?: string;
  /** Keep punctuation (strip before, restore after phonemization). Default true. */
  keepPuncs?: boolean;
  /** Program to run; default `"espeak-ng"` looked up on PATH. */
  executable?: string;
  /** Environment of the child processes (PATH is used to find the program). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Maximal number of espeak-ng processes at once. Default: number of CPUs (at least 2). */
  concurrency?: number;
}

/** Result of {@link ESpeakPhonemizer.phonemizeDetailed}: every intermediate step. */
export interface PhonemizeDetails {
  /** Text pieces between punctuation runs. */
  segments: string[];
  /** Punctuation runs and their positions. */
  punctuationMap: PuncIndex[];
  /** Phonemes of each piece. */
  raw: string[];
  /** Final phonemes with punctuation restored. */
  output: string;
}

interface ProcessResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

function runProgram(executable: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') reject(new Error(ESPEAK_MISSING_MESSAGE, { cause: e }));
      else reject(e);
    });
    child.on('close', (code) =>
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
      }),
    );
  });
}

/** Joins espeak-ng output lines the way Coqui does (strip, drop `(xx)` markers, concatenate). */
export function joinEspeakLines(stdout: string): string {
  let phonemes = '';
  const lines = stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) phonemes += pyStrip(pyStrip(line).replace(/\(.+?\)/g, ''));
  return phonemes;
}

const sharedLimiters = new Map<number, ConcurrencyLimiter>();

function limiterFor(concurrency: number): ConcurrencyLimiter {
  let l = sharedLimiters.get(concurrency);
  if (!l) {
    l = new ConcurrencyLimiter(concurrency);
    sharedLimiters.set(concurrency, l);
  }
  return l;
}

/** Phonemizer backed by the system `espeak-ng` program (Coqui's `ESpeak`, backend espeak-ng). */
export class ESpeakPhonemizer implements Phonemizer {
  /** Coqui's backend name. */
  readonly name = 'espeak';
  readonly language: string;
  readonly keepPuncs: boolean;
  readonly punctuation: Punctuation;
  readonly executable: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly limiter: ConcurrencyLimiter;
  private versionPromise: Promise<string> | undefined;
  private readyPromise: Promise<void> | undefined;

  /** @param language espeak voice/language code; `"en"` is mapped to `"en-us"` as Coqui does. */
  constructor(language: string, options: ESpeakOptions = {}) {
    this.language = language === 'en' ? 'en-us' : language;
    this.keepPuncs = options.keepPuncs ?? true;
    this.punctuation = new Punctuation(options.punctuations ?? DEFAULT_PUNCTUATIONS);
    this.executable = options.executable ?? 'espeak-ng';
    this.env = options.env ?? process.env;
    this.limiter = limiterFor(options.concurrency ?? Math.max(2, availableParallelism()));
  }

  /** Settings that change the output, for cache keys. */
  get settingsKey(): string {
    return JSON.stringify({
      keepPuncs: this.keepPuncs,
      punctuations: this.punctuation.puncs,
      exe: this.executable,
    });
  }

  private async run(args: string[]): Promise<string> {
    const r = await this.limiter.run(() => runProgram(this.executable, args, this.env));
    if (r.code !== 0) {
      throw new Error(`${this.executable} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
    }
    return r.stdout;
  }

  /** Whether the espeak-ng program can be run (with this phonemizer's PATH). */
  async isAvailable(): Promise<boolean> {
    try {
      await this.version();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Version of espeak-ng (e.g. `"1.51"`).
   * @throws Error "espeak-ng is not installed: apt-get install espeak-ng" when the program is missing.
   */
  version(): Promise<string> {
    this.versionPromise ??= this.run(['--version']).then((out) => {
      const m = /text-to-speech:\s*(\S+)/.exec(out);
      return m ? m[1]! : pyStrip(out);
    });
    this.versionPromise.catch(() => {
      this.versionPromise = undefined;
    });
    return this.versionPromise;
  }

  /** Languages espeak-ng supports: code -> name, parsed from `espeak-ng --voices`. */
  async listLanguages(): Promise<Record<string, string>> {
    const out = await this.run(['--voices']);
    const langs: Record<string, string> = {};
    const lines = out.split('\n').filter((l) => pyStrip(l) !== '');
    for (const line of lines.slice(1)) {
      const cols = pyStrip(line).split(/\s+/);
      if (cols.length >= 4) langs[cols[1]!] = cols[3]!;
    }
    return langs;
  }

  /** Checks once that espeak-ng exists and supports the language. */
  private ready(): Promise<void> {
    this.readyPromise ??= (async () => {
      await this.version();
      const langs = await this.listLanguages();
      if (!Object.hasOwn(langs, this.language)) {
        throw new Error(`language "${this.language}" is not supported by the espeak backend`);
      }
    })();
    this.readyPromise.catch(() => {
      this.readyPromise = undefined;
    });
    return this.readyPromise;
  }

  /** Phonemizes one piece of text without punctuation handling (one espeak-ng process). */
  async phonemizeSegment(segment: string, separator = '|'): Promise<string> {
    await this.ready();
    if (segment === '') return '';
    // `--` ends the options: text such as "-f/etc/passwd" or "--version" is spoken, never read as an option
    const out = await this.run(['-q', '-b', '1', '-v', this.language, '--ipa=1', '--', segment]);
    return joinEspeakLines(out).replaceAll('_', separator);
  }

  /** Phonemizes `text` and returns every intermediate step (pieces, punctuation map, raw phonemes). */
  async phonemizeDetailed(text: string, separator = '|'): Promise<PhonemizeDetails> {
    const [segments, punctuationMap]: [string[], PuncIndex[]] = this.keepPuncs
      ? this.punctuation.stripToRestore(text)
      : [[this.punctuation.strip(text)], []];
    const raw = await Promise.all(segments.map((s) => this.phonemizeSegment(s, separator)));
    const output = this.keepPuncs ? (Punctuation.restore(raw, punctuationMap)[0] ?? '') : (raw[0] ?? '');
    return { segments, punctuationMap, raw, output };
  }

  /** Phonemizes `text` (Coqui's `phonemize`); the tokenizer passes separator `""`. */
  async phonemize(text: string, separator = '|'): Promise<string> {
    return (await this.phonemizeDetailed(text, separator)).output;
  }

  /** Phonemizes many texts with up to `concurrency` espeak-ng processes at once. */
  phonemizeMany(texts: readonly string[], separator = '|'): Promise<string[]> {
    return Promise.all(texts.map((t) => this.phonemize(t, separator)));
  }

  /** Coqui's `print_logs` text. */
  describe(level = 0): string {
    const indent = '\t'.repeat(level);
    return `${indent}| > phoneme language: ${this.language}\n${indent}| > phoneme backend: ${this.name}`;
  }
}
