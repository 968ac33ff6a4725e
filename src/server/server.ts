/**
 * The ribbit TTS HTTP server (node:http, no framework).
 *
 * Endpoints (GET, and POST with a form, JSON or text/plain body, unless said otherwise):
 * - `/api/tts?text=&speaker_id=&style_wav=&language_id=`: Coqui TTS server compatible; `audio/wav` (16-bit
 *   PCM). Extensions: `speed` (rate multiplier, 2 = twice as fast), `noise_scale`, `length_scale`,
 *   `normalize` (none | peak[:0.95] | rms[:-27]), `silence_ms`. Headers `X-Real-Time-Factor`,
 *   `X-Audio-Seconds`, `X-Sentences` and `X-Unknown-Characters` (URI-encoded, comma-separated) report on
 *   the synthesis.
 * - `/api/tts/stream`: same parameters; the WAV arrives in chunks as sentences finish (streaming header
 *   with unknown sizes, chunked transfer), so an `<audio>` element plays while it downloads.
 * - `/locales`, `/voices`, `/process?INPUT_TEXT=&VOICE=`: MaryTTS compatible.
 * - `/api/speakers` (GET): JSON `{ sampleRate, language, languages, speakers, maxTextLength }`.
 * - `/health` (GET): JSON status and pool counters.
 * - `/` (GET): a web page with a text box, speaker, language and speed controls and a player.
 *
 * Errors are JSON `{ error, parameter? }`: 400 for a bad or missing parameter (named; a JSON body's values
 * must be strings or numbers), 413 for text longer than `maxTextLength` (or an oversized body) and for a
 * request that would produce more audio than the synthesizer's limits (`SynthesisLimits`: seconds per
 * sentence, checked before decoding, and per request), 503 with `Retry-After` when the queue is full, 504
 * when a job runs past its time limit (the synthesizer's `maxJobSeconds`, checked between steps, or the
 * pool's watchdog `jobTimeoutMs`), 404/405 for unknown paths/methods, 500 otherwise. A client that
 * disconnects cancels its work: a queued job is dropped, a running one stops at the next sentence or
 * between a sentence's model and vocoder.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeWav, encodeWavSamples, wavHeader } from '../audio/wav.ts';
import { parseNormalization } from '../inference/normalize.ts';
import { findSpeaker, LENGTH_SCALE_RANGE, SPEED_RANGE, SynthesisError } from '../inference/synthesizer.ts';
import { PAGE_HTML } from './page.ts';
import { type JobOptions, JobTimeoutError, QueueFullError, type SynthesisPool } from './pool.ts';

/** Options of {@link createTtsServer}. */
export interface TtsServerOptions {
  pool: SynthesisPool;
  /** Longest accepted text in characters (code points); longer: 413 (default 5000). */
  maxTextLength?: number;
  /** Voice name MaryTTS clients see for a single-speaker model (default 'ribbit'). */
  voiceName?: string;
  /** Access log and errors (default: none). */
  log?: (line: string) => void;
}

/** A bad request: `status` and, for 400, the offending parameter. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly parameter?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** HTTP names of the Synthesizer's parameters (for 400 messages). */
const PARAMETER_NAMES: Record<string, string> = {
  speaker: 'speaker_id',
  language: 'language_id',
  noiseScale: 'noise_scale',
  lengthScale: 'length_scale',
  silenceBetweenSentencesMs: 'silence_ms',
  normalization: 'normalize',
  speed: 'speed',
  text: 'text',
};

/** Coqui's server also reads these from request headers. */
const HEADER_PARAMS: Record<string, string> = {
  text: 'text',
  speaker_id: 'speaker-id',
  style_wav: 'style-wav',
  language_id: 'language-id',
};

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = Buffer.from(`${JSON.stringify(body)}\n`);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': data.length,
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(data);
}

function sendText(res: ServerResponse, status: number, type: string, text: string): void {
  const data = Buffer.from(text);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': data.length });
  res.end(data);
}

/** Reads the request body up to `limit` bytes. @throws HttpError 413 past it. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit)
    throw new HttpError(413, `request body too large (${declared} bytes > ${limit})`, 'text');
  const parts: Buffer[] = [];
  let n = 0;
  for await (const part of req) {
    n += (part as Buffer).length;
    if (n > limit) throw new HttpError(413, `request body too large (> ${limit} bytes)`, 'text');
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts);
}

/** Query parameters, then body parameters (form, JSON or text/plain), then Coqui's headers. */
async function readParams(req: IncomingMessage, url: URL, bodyLimit: number): Promise<Map<string, string>> {
  const params = new Map<string, string>();
  for (const [k, v] of url.searchParams) params.set(k, v);
  if (req.method === 'POST') {
    const body = await readBody(req, bodyLimit);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const text = body.toString('utf8');
    if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text || '{}');
      } catch {
        throw new HttpError(400, 'body: invalid JSON', 'body');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new HttpError(400, 'body: expected a JSON object', 'body');
      for (const [k, v] of Object.entries(parsed)) {
        if (v === null || v === undefined) continue;
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
          throw new HttpError(
            400,
            `${k}: expected a string or a number, got ${Array.isArray(v) ? 'an array' : 'an object'}`,
            k,
          );
        params.set(k, String(v));
      }
    } else if (type === 'text/plain') {
      if (text.length && !params.has('text') && !params.has('INPUT_TEXT')) params.set('text', text);
    } else if (text.length) {
      for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
    }
  }
  for (const [name, header] of Object.entries(HEADER_PARAMS)) {
    const h = req.headers[header];
    if (!params.has(name) && typeof h === 'string') params.set(name, h);
  }
  return params;
}

function numberParam(
  params: Map<string, string>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max)
    throw new HttpError(
      400,
      `${name}: expected a number in [${min}, ${max}], got ${JSON.stringify(raw)}`,
      name,
    );
  return v;
}

/** The parsed, validated request of a synthesis endpoint. */
interface SynthesisRequest {
  text: string;
  options: JobOptions;
}

/** An HTTP server for a synthesis pool (not listening yet: call `listen`, or use {@link startTtsServer}). */
export function createTtsServer(options: TtsServerOptions): Server {
  const { pool } = options;
  const maxTextLength = options.maxTextLength ?? 5000;
  if (!Number.isInteger(maxTextLength) || maxTextLength < 1)
    throw new RangeError(`maxTextLength must be a positive integer, got ${maxTextLength}`);
  const bodyLimit = maxTextLength * 4 + 64 * 1024;
  const log = options.log ?? (() => {});
  const info = pool.info;
  const voiceName = options.voiceName ?? 'ribbit';
  const locale = info.language.replace('-', '_');

  const parse = (params: Map<string, string>, mary: boolean): SynthesisRequest => {
    const text = (mary ? params.get('INPUT_TEXT') : undefined) ?? params.get('text');
    if (text === undefined || text.trim() === '') {
      const name = mary ? 'INPUT_TEXT' : 'text';
      throw new HttpError(400, `${name}: missing or empty text`, name);
    }
    let length = 0;
    for (const _ of text) if (++length > maxTextLength) break;
    if (length > maxTextLength)
      throw new HttpError(413, `text: longer than the limit of ${maxTextLength} characters`, 'text');
    const o: JobOptions = {};
    const speakerName = mary ? 'VOICE' : 'speaker_id';
    let speaker = params.get(speakerName) || params.get('speaker');
    if (mary && info.speakers.length === 0 && speaker === voiceName) speaker = undefined;
    if (speaker !== undefined && speaker !== '') {
      try {
        findSpeaker(info.speakers, speaker);
      } catch (e) {
        throw new HttpError(400, `${speakerName}: ${(e as Error).message}`, speakerName);
      }
      o.speaker = speaker;
    }
    const language = params.get('language_id') ?? params.get('language');
    if (language) {
      if (!info.languages.includes(language))
        throw new HttpError(
          400,
          `language_id: unsupported language ${JSON.stringify(language)}; supported: ${info.languages.join(', ')}`,
          'language_id',
        );
      o.language = language;
    }
    const style = params.get('style_wav');
    if (style)
      throw new HttpError(400, 'style_wav: style transfer is not supported by this model', 'style_wav');
    o.speed = numberParam(params, 'speed', ...SPEED_RANGE);
    o.noiseScale = numberParam(params, 'noise_scale', 0, 10);
    o.lengthScale = numberParam(params, 'length_scale', ...LENGTH_SCALE_RANGE);
    o.silenceBetweenSentencesMs = numberParam(params, 'silence_ms', 0, 10_000);
    const norm = params.get('normalize');
    if (norm) {
      try {
        o.normalization = parseNormalization(norm);
      } catch (e) {
        throw new HttpError(400, `normalize: ${(e as Error).message}`, 'normalize');
      }
    }
    for (const k of Object.keys(o) as (keyof JobOptions)[]) if (o[k] === undefined) delete o[k];
    return { text, options: o };
  };

  /** An AbortSignal that fires when the client goes away before the response is complete. */
  const disconnectSignal = (res: ServerResponse): AbortSignal => {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new DOMException('the client disconnected', 'AbortError'));
    });
    return controller.signal;
  };

  const synthesisHeaders = (r: {
    rtf: number;
    seconds: number;
    sentences: number;
    unknownCharacters: Map<string, number>;
  }): Record<string, string> => ({
    'X-Real-Time-Factor': r.rtf.toFixed(4),
    'X-Audio-Seconds': r.seconds.toFixed(3),
    'X-Sentences': String(r.sentences),
    'X-Unknown-Characters': [...r.unknownCharacters.keys()].map(encodeURIComponent).join(','),
  });

  const speakWav = async (res: ServerResponse, req: SynthesisRequest): Promise<void> => {
    const signal = disconnectSignal(res);
    const r = await pool.synthesize(req.text, req.options, signal);
    const wav = encodeWav(r.samples, r.sampleRate, { bitsPerSample: 16 });
    res.writeHead(200, {
      'Content-Type': 'audio/wav',
      'Content-Length': wav.length,
      'Cache-Control': 'no-store',
      ...synthesisHeaders(r),
    });
    res.end(wav);
  };

  const speakStream = async (res: ServerResponse, req: SynthesisRequest): Promise<void> => {
    const signal = disconnectSignal(res);
    const it = pool.stream(req.text, req.options, signal);
    let r = await it.next(); // errors about the text arrive here, before any header is sent
    res.writeHead(200, {
      'Content-Type': 'audio/wav',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      'X-Sample-Rate': String(info.sampleRate),
    });
    res.flushHeaders();
    res.write(wavHeader(info.sampleRate, 16, 'streaming'));
    try {
      while (!r.done) {
        if (res.destroyed) {
          await it.return?.();
          return;
        }
        res.write(encodeWavSamples(r.value.samples, { bitsPerSample: 16 }));
        r = await it.next();
      }
      res.end();
    } catch (e) {
      // Too late for a status code: cut the chunked response so the client sees it incomplete.
      if ((e as Error).name !== 'AbortError') log(`stream failed: ${(e as Error).message}`);
      res.destroy();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = req.method ?? 'GET';
    const allow = (methods: string[]) => {
      if (!methods.includes(method))
        throw new HttpError(405, `method ${method} not allowed on ${path}`, undefined, {
          Allow: methods.join(', '),
        });
    };
    switch (path) {
      case '/':
      case '/index.html':
        allow(['GET', 'HEAD']);
        return sendText(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
      case '/health': {
        allow(['GET', 'HEAD']);
        const stats = pool.stats(); // status 'down' (no executor can take a job): 503
        return sendJson(res, stats.status === 'down' ? 503 : 200, stats);
      }
      case '/api/speakers':
        allow(['GET', 'HEAD']);
        return sendJson(res, 200, { ...info, maxTextLength });
      case '/locales':
        allow(['GET', 'HEAD']);
        return sendText(res, 200, 'text/plain; charset=utf-8', `${locale}\n`);
      case '/voices': {
        allow(['GET', 'HEAD']);
        const names = info.speakers.length ? info.speakers : [voiceName];
        const lines = names.map((n) => `${n.replace(/\s+/g, '_')} ${locale} u\n`).join('');
        return sendText(res, 200, 'text/plain; charset=utf-8', lines);
      }
      case '/api/tts':
      case '/api/tts/stream':
      case '/process': {
        allow(['GET', 'POST']);
        const params = await readParams(req, url, bodyLimit);
        const request = parse(params, path === '/process');
        if (path === '/api/tts/stream') return speakStream(res, request);
        return speakWav(res, request);
      }
      default:
        throw new HttpError(404, `no such endpoint: ${path}`);
    }
  };

  const server = createServer(
    { maxHeaderSize: Math.max(16 * 1024, maxTextLength * 9 + 8192) },
    (req, res) => {
      const started = performance.now();
      res.on('finish', () =>
        log(
          `${req.method} ${req.url?.split('?')[0]} ${res.statusCode} ${(performance.now() - started).toFixed(0)} ms`,
        ),
      );
      handle(req, res).catch((e: unknown) => {
        const err = e as Error;
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err instanceof HttpError) {
          if (err.status === 413) res.setHeader('Connection', 'close');
          sendJson(res, err.status, { error: err.message, parameter: err.parameter }, err.headers);
        } else if (err instanceof QueueFullError) {
          sendJson(res, 503, { error: err.message }, { 'Retry-After': String(err.retryAfterSeconds) });
        } else if (err instanceof JobTimeoutError) {
          sendJson(res, 504, { error: err.message });
        } else if (err instanceof SynthesisError) {
          const parameter = PARAMETER_NAMES[err.parameter] ?? err.parameter;
          const status = err.code === 'too_long' ? 413 : err.code === 'time_limit' ? 504 : 400;
          sendJson(res, status, { error: err.message, parameter });
        } else if (err.name === 'AbortError') {
          res.destroy(); // the client is gone
        } else {
          log(`error: ${err.stack ?? err.message}`);
          sendJson(res, 500, { error: err.message });
        }
      });
    },
  );
  return server;
}

/** A listening server. */
export interface RunningTtsServer {
  server: Server;
  /** e.g. http://127.0.0.1:5002 */
  url: string;
  port: number;
  host: string;
  /** Stops accepting, drops open connections and closes the pool. */
  close(): Promise<void>;
}

/** Creates the server and listens on `host:port` (port 0: an ephemeral port). */
export async function startTtsServer(
  options: TtsServerOptions & { host?: string; port?: number; closePool?: boolean },
): Promise<RunningTtsServer> {
  const server = createTtsServer(options);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5002, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${shownHost}:${port}`,
    port,
    host,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      if (options.closePool ?? true) await options.pool.close();
    },
  };
}
