/** `ribbit serve`: the HTTP TTS server (Coqui and MaryTTS compatible, streaming, web page). */
import { resolveLoaderModule } from '../inference/load.ts';
import { cliManagerOptions, resolveModelName } from '../inference/model_manager.ts';
import { createSynthesisPool } from '../server/pool.ts';
import { startTtsServer } from '../server/server.ts';
import { onStopSignals, signalExitCode } from '../util/signals.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';
import { LIMIT_OPTIONS, loadOptionsFromArgs, MODEL_OPTIONS, VOICE_OPTIONS } from './speak.ts';

function positiveInt(v: unknown, name: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

function jobTimeoutMs(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new UsageError(`--job-timeout must be a number of seconds >= 0, got ${v}`);
  return v * 1000;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve a model over HTTP (Coqui /api/tts, MaryTTS /process, streaming, a web page).',
  usage:
    'ribbit serve [--model-name NAME | --model-path PATH [--config-path PATH]] [--port 5002] [--host 127.0.0.1] ' +
    '[--workers N]\n       (no model: the bundled voice)',
  description:
    'Endpoints: / (web page), /api/tts and /api/tts/stream (?text=&speaker_id=&language_id=&speed=), /locales,\n' +
    '/voices, /process (?INPUT_TEXT=), /api/speakers, /health. Each worker thread loads its own copy of the\n' +
    'model; requests wait in one FIFO queue of --queue-size (503 with Retry-After when full). Listens on\n' +
    'loopback unless --host says otherwise. Stops cleanly on Ctrl-C / SIGTERM.\n' +
    'Refusals: 400 for a bad parameter; 413 for text over --max-text-length, or a request that would make more\n' +
    'audio than --max-sentence-seconds (checked before decoding) or --max-request-seconds; 503 when the queue\n' +
    'is full; 504 when a job runs past --job-timeout (a slow job stops at its next step; a stuck worker is\n' +
    'replaced). --language must be a language of the model (the same rule as language_id).',
  options: [
    ...MODEL_OPTIONS,
    ...VOICE_OPTIONS.filter((o) => o.name !== 'speed'),
    ...LIMIT_OPTIONS.filter((o) => o.name !== 'max-job-seconds'), // --job-timeout is the one time limit
    { name: 'port', type: 'number', arg: 'PORT', help: 'TCP port (0: any free port).', default: 5002 },
    { name: 'host', type: 'string', arg: 'HOST', help: 'Address to listen on.', default: '127.0.0.1' },
    {
      name: 'workers',
      type: 'number',
      arg: 'N',
      help: 'Inference worker threads, each with its own model (default: min(cores, 4); 0: main thread).',
    },
    {
      name: 'threads-per-worker',
      type: 'number',
      arg: 'N',
      help: 'libtorch intra-op threads of each worker (default: cores / workers; BLAS stays at 1 per worker).',
    },
    {
      name: 'max-text-length',
      type: 'number',
      arg: 'CHARS',
      help: 'Longest text accepted (413 beyond).',
      default: 5000,
    },
    {
      name: 'job-timeout',
      type: 'number',
      arg: 'SECONDS',
      help: 'A request running longer fails (504) and its worker is replaced (0: no limit).',
      default: 120,
    },
    {
      name: 'queue-size',
      type: 'number',
      arg: 'N',
      help: 'Requests that may wait for a worker.',
      default: 32,
    },
  ],
  examples: [
    'ribbit serve --model-name tts_models/en/ljspeech/glow-tts',
    'ribbit serve --model-path run/best_model.pth --config-path run/config.json',
    'ribbit serve --model-path m.pth --config-path c.json --port 8080 --workers 2 --queue-size 64',
    'ribbit serve --vocoder griffin-lim          # the bundled voice without its neural vocoder',
    'ribbit serve --loader fake --port 5002      # the serving path with a fake model',
    'curl -o hello.wav "http://127.0.0.1:5002/api/tts?text=Hello%20world."',
  ],
  async run(args) {
    const o = args.options;
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be in [0, 65535]`);
    const loadOptions = await resolveModelName(loadOptionsFromArgs(args), cliManagerOptions());
    if (typeof o.speaker === 'string' && o.speaker) loadOptions.speaker = o.speaker;
    const timeoutMs = jobTimeoutMs(o.jobTimeout);
    // the workers' synthesizers check the same time limit between steps: a slow job ends there, keeping its worker
    if (timeoutMs !== undefined)
      loadOptions.limits = { ...loadOptions.limits, maxJobSeconds: timeoutMs / 1000 };
    const workers = positiveInt(o.workers, 'workers', 0);
    const pool = await createSynthesisPool({
      workers,
      threadsPerWorker: positiveInt(o.threadsPerWorker, 'threads-per-worker'),
      queueSize: positiveInt(o.queueSize, 'queue-size', 0),
      jobTimeoutMs: timeoutMs,
      loaderModule: resolveLoaderModule(typeof o.loader === 'string' ? o.loader : undefined),
      loadOptions,
    });
    let running: Awaited<ReturnType<typeof startTtsServer>>;
    try {
      running = await startTtsServer({
        pool,
        host: String(o.host),
        port,
        maxTextLength: positiveInt(o.maxTextLength, 'max-text-length'),
        log: args.verbose ? (line) => console.error(line) : undefined,
      });
    } catch (e) {
      await pool.close();
      throw e;
    }
    const info = pool.info;
    console.log(
      ` > Serving on ${running.url} (${pool.size} ${workers === 0 ? 'in-process executor' : 'worker thread'}${pool.size === 1 ? '' : 's'}, ` +
        `queue ${pool.queueSize}; ${info.sampleRate} Hz, language ${info.language}` +
        `${info.speakers.length ? `, ${info.speakers.length} speakers` : ''})`,
    );
    let removeSignalHandlers = () => {};
    await new Promise<void>((resolve) => {
      // the first Ctrl-C / SIGTERM closes cleanly; another one (after onStopSignals' grace) ends at once
      removeSignalHandlers = onStopSignals(
        () => resolve(),
        (signal) => process.exit(signalExitCode(signal)),
        ['SIGINT', 'SIGTERM'],
      );
    });
    console.log(' > Shutting down');
    await running.close();
    removeSignalHandlers();
    return 0;
  },
};
