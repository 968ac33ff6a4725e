/**
 * A synthesis worker thread: loads a Synthesizer through the loader module named in `workerData`, reports
 * `ready` with the model info, then runs one job at a time as the pool sends them (see pool.ts for the
 * messages). A `cancel` message aborts the running job between sentences.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type LoadOptions, loadFromModule } from '../inference/load.ts';
import type { SynthesisChunk } from '../inference/types.ts';
import { setNumThreads } from '../torch/index.ts';
import { errorToWire, type WorkerMessage, type WorkerRequest } from './pool.ts';

const data = workerData as { loaderModule: string; loadOptions: LoadOptions; threads: number };
const port = parentPort!;
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/** A copy of the samples in a buffer of their own (vocoder output may view native memory). */
function ownCopy(samples: Float32Array): Float32Array {
  return new Float32Array(samples);
}

async function main(): Promise<void> {
  if (data.threads > 0) setNumThreads(data.threads);
  let synth: Awaited<ReturnType<typeof loadFromModule>>;
  try {
    synth = await loadFromModule(data.loaderModule, data.loadOptions);
  } catch (e) {
    post({ type: 'fatal', error: errorToWire(e) });
    return;
  }
  let running: { id: number; controller: AbortController } | null = null;
  const queue: Extract<WorkerRequest, { type: 'job' }>[] = [];

  const runJob = async (job: Extract<WorkerRequest, { type: 'job' }>) => {
    const controller = new AbortController();
    running = { id: job.id, controller };
    const options = { ...job.options, signal: controller.signal };
    try {
      if (job.kind === 'synthesize') {
        const result = await synth.synthesize(job.text, options);
        const samples = ownCopy(result.samples);
        post({ type: 'result', id: job.id, result: { ...result, samples } }, [samples.buffer as ArrayBuffer]);
      } else {
        const it = synth.stream(job.text, options);
        for (let r = await it.next(); ; r = await it.next()) {
          if (r.done) {
            post({ type: 'summary', id: job.id, summary: r.value });
            break;
          }
          const samples = ownCopy(r.value.samples);
          const chunk: SynthesisChunk = { ...r.value, samples };
          post({ type: 'chunk', id: job.id, chunk }, [samples.buffer as ArrayBuffer]);
        }
      }
    } catch (e) {
      post({ type: 'error', id: job.id, error: errorToWire(e) });
    } finally {
      running = null;
    }
  };

  const drain = async () => {
    while (queue.length && !running) await runJob(queue.shift()!);
  };

  port.on('message', (m: WorkerRequest) => {
    if (m.type === 'cancel') {
      if (running?.id === m.id) running.controller.abort();
      const i = queue.findIndex((j) => j.id === m.id);
      if (i >= 0) {
        queue.splice(i, 1);
        post({ type: 'error', id: m.id, error: { name: 'AbortError', message: 'cancelled' } });
      }
      return;
    }
    queue.push(m);
    if (!running) void drain();
  });
  post({ type: 'ready', info: synth.info() });
}

await main();
