// Mel-spectrogram extraction speed: ribbit's AudioProcessor.melspectrogram vs PyTorch (Debian's python3-torch:
// torch.stft + the same mel matrix + the same dB/normalisation), on 60 s of 22.05 kHz audio, same thread count.
// Run: npx tsx bench/audio.ts [--seconds 60] [--iters 5] [--dtype float32|float64]
// Prints one JSON line: {"bench":"audio", ..., "ribbitMs", "torchMs", "ratio" (ribbit / torch)}.
// The Python side is skipped (torchMs null) when RIBBIT_PYTHON (default /usr/bin/python3) cannot import torch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioProcessor } from '../src/audio/processor.ts';
import * as torch from '../src/torch/index.ts';

const seconds = Number(argOr('seconds', '60'));
const iters = Number(argOr('iters', '5'));
const dtype = argOr('dtype', 'float32') as 'float32' | 'float64';
const sampleRate = 22050;
const n = Math.round(seconds * sampleRate);

// Deterministic test signal: a few harmonics with a slow vibrato plus a little noise.
const samples = new Float32Array(n);
let seed = 12345;
const noise = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32 - 0.5;
};
for (let i = 0; i < n; i++) {
  const t = i / sampleRate;
  const f0 = 140 + 20 * Math.sin(2 * Math.PI * 0.5 * t);
  let v = 0;
  for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
  samples[i] = 0.2 * v + 0.01 * noise();
}

const ap = new AudioProcessor({ sampleRate, doTrimSilence: false }, { dtype });
const wav = torch.tensor(samples);

torch.noGrad(() => torch.tidy(() => ap.melspectrogram(wav))); // warm-up
const times: number[] = [];
let frames = 0;
for (let i = 0; i < iters; i++) {
  const t0 = performance.now();
  torch.noGrad(() =>
    torch.tidy(() => {
      const mel = ap.melspectrogram(wav);
      frames = mel.size(-1);
      mel.dataSync(); // force completion and a read-back, as a data pipeline would
    }),
  );
  times.push(performance.now() - t0);
}
const ribbitMs = median(times);
const threads = torch.getNumThreads();

const PY = `
import json, sys, time
import numpy as np
import torch
wav_path, mel_path, threads, iters, n_mels, dtype = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
torch.set_num_threads(threads)
dt = torch.float64 if dtype == 'float64' else torch.float32
wav = torch.from_numpy(np.fromfile(wav_path, dtype=np.float32)).to(dt)
basis = torch.from_numpy(np.fromfile(mel_path, dtype=np.float32).reshape(n_mels, -1)).to(dt)
window = torch.hann_window(1024, dtype=dt)
def mel():
    spec = torch.stft(wav, 1024, 256, 1024, window, center=True, pad_mode='reflect', return_complex=True).abs()
    m = basis @ spec
    db = 20 * torch.log10(torch.clamp(m, min=1e-8))
    out = torch.clamp(8 * ((db - 20) + 100) / 100 - 4, -4, 4).float()
    return out.numpy()
with torch.no_grad():
    mel()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter(); mel(); times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"ms": times[len(times) // 2], "version": torch.__version__, "threads": torch.get_num_threads()}))
`;

import { argOr } from './args.ts';
import { median } from './timing.ts';

let torchMs: number | null = null;
let torchVersion: string | null = null;
let torchError: string | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'ribbit-bench-audio-'));
try {
  const wavPath = join(tmp, 'wav.f32');
  const melPath = join(tmp, 'mel.f32');
  writeFileSync(wavPath, samples);
  writeFileSync(melPath, ap.melBasis.dataSync() as Float32Array);
  const python = process.env.RIBBIT_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(
    python,
    ['-c', PY, wavPath, melPath, String(threads), String(iters), String(ap.numMels), dtype],
    { encoding: 'utf8' },
  );
  if (r.status === 0) {
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    torchMs = out.ms;
    torchVersion = out.version;
  } else {
    torchError = (r.stderr || String(r.error)).trim().split('\n').pop();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

console.log(
  JSON.stringify({
    bench: 'audio',
    task: 'melspectrogram',
    seconds,
    sampleRate,
    frames,
    dtype,
    threads,
    iters,
    ribbitMs: Math.round(ribbitMs * 100) / 100,
    torchMs: torchMs === null ? null : Math.round(torchMs * 100) / 100,
    ratio: torchMs === null ? null : Math.round((ribbitMs / torchMs) * 1000) / 1000,
    ribbitLibtorch: torch.torchVersion(),
    torchVersion,
    ...(torchError ? { torchError } : {}),
  }),
);
