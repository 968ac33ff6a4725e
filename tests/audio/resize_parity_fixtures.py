"""A resized copy of the parity fixtures, to check that parity tests read every size from the fixtures.

Usage: python3 tests/audio/resize_parity_fixtures.py SRC_PARITY_DIR DST_PARITY_DIR NUM_SAMPLES NUM_SENTENCES

audio/: the wav cut to NUM_SAMPLES, and every feature recomputed from it as Coqui 0.22's AudioProcessor does
(librosa-style centred STFT with reflect padding and a periodic Hann window, the fixture's own mel basis,
amp_to_db, normalize/denormalize, in float64 then stored as float32), Griffin-Lim statistics from the same
algorithm with Coqui's numpy seeds (run on the unmodified set, this reproduces the public files to ~1e-6).
text/: the first NUM_SENTENCES sentences. glow_tts/ and losses/ are not copied (those tests skip).
Needs numpy (Debian python3-numpy).
"""
import json, os, shutil, struct, sys
import numpy as np

src_root, dst_root, n, n_sentences = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
src, dst = os.path.join(src_root, 'audio'), os.path.join(dst_root, 'audio')
os.makedirs(dst, exist_ok=True)
os.makedirs(os.path.join(dst_root, 'text'), exist_ok=True)
for name in os.listdir(os.path.join(src_root, 'text')):
    shutil.copy(os.path.join(src_root, 'text', name), os.path.join(dst_root, 'text'))
with open(os.path.join(src_root, 'text', 'sentences.json')) as f:
    sentences = json.load(f)
sentences['sentences'] = sentences['sentences'][:n_sentences]
with open(os.path.join(dst_root, 'text', 'sentences.json'), 'w') as f:
    json.dump(sentences, f)

def read_st(path):
    b = open(path, 'rb').read()
    hl = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + hl])
    out = {}
    for k, v in h.items():
        if k == '__metadata__': continue
        s, e = v['data_offsets']
        dt = {'F32': np.float32, 'I64': np.int64}[v['dtype']]
        out[k] = np.frombuffer(b[8 + hl + s: 8 + hl + e], dtype=dt).reshape(v['shape'])
    return out, h.get('__metadata__')

def write_st(path, tensors, meta=None):
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].dtype.itemsize, kv[0]))
    header, off, blobs = {}, 0, []
    for k, a in items:
        a = np.ascontiguousarray(a)
        header[k] = {'dtype': {np.dtype('float32'): 'F32', np.dtype('int64'): 'I64'}[a.dtype], 'shape': list(a.shape), 'data_offsets': [off, off + a.nbytes]}
        off += a.nbytes; blobs.append(a.tobytes())
    if meta: header['__metadata__'] = meta
    hj = json.dumps(header).encode()
    hj += b' ' * ((8 - len(hj) % 8) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(hj)) + hj + b''.join(blobs))

stft_t, stft_meta = read_st(os.path.join(src, 'stft.safetensors'))
wav = stft_t['wav'][:n].astype(np.float64)
# speech.wav: canonical 44-byte header, int16
pcm = np.round(wav * 32768).astype('<i2').tobytes()
base = json.load(open(os.path.join(src, 'config_glowtts.json')))['base_audio_config']
sr = base['sample_rate']
hdr = b'RIFF' + struct.pack('<I', 36 + len(pcm)) + b'WAVEfmt ' + struct.pack('<IHHIIHH', 16, 1, 1, sr, sr * 2, 2, 16) + b'data' + struct.pack('<I', len(pcm))
open(os.path.join(dst, 'speech.wav'), 'wb').write(hdr + pcm)

NFFT, HOP, WIN = base['fft_size'], base['hop_length'], base['win_length']
hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WIN) / WIN)  # periodic, zero-padded to NFFT (centred)
window = np.pad(hann, ((NFFT - WIN) // 2, NFFT - WIN - (NFFT - WIN) // 2))

def stft(y):
    yp = np.pad(y, NFFT // 2, mode='reflect')
    T = 1 + (len(yp) - NFFT) // HOP
    frames = np.stack([yp[t * HOP: t * HOP + NFFT] * window for t in range(T)], axis=1)
    return np.fft.rfft(frames, axis=0)

def istft(S, length=None):
    T = S.shape[1]
    frames = np.fft.irfft(S, n=NFFT, axis=0) * window[:, None]
    out = np.zeros(NFFT + HOP * (T - 1)); wss = np.zeros_like(out)
    for t in range(T):
        out[t * HOP: t * HOP + NFFT] += frames[:, t]; wss[t * HOP: t * HOP + NFFT] += window ** 2
    nz = wss > np.finfo(np.float64).tiny
    out[nz] /= wss[nz]
    out = out[NFFT // 2:]
    return out[: HOP * (T - 1)] if length is None else out[:length]

mag = np.abs(stft(wav))
feat = {}
for variant in ('glowtts', 'vits'):
    cfg = json.load(open(os.path.join(src, 'config_%s.json' % variant)))
    shutil.copy(os.path.join(src, 'config_%s.json' % variant), dst)
    c = cfg['base_audio_config']
    f, meta = read_st(os.path.join(src, 'features_%s.safetensors' % variant))
    basis = f['mel_basis'].astype(np.float64)
    log = np.log10 if c['log_func'] == 'np.log10' else np.log
    def amp_to_db(x): return c['spec_gain'] * log(np.maximum(1e-8, x))
    def db_to_amp(x): return (10.0 if c['log_func'] == 'np.log10' else np.e) ** (x / c['spec_gain'])
    def normalize(S):
        if not c['signal_norm']: return S
        S = S - c['ref_level_db']
        Sn = (S - c['min_level_db']) / -c['min_level_db']
        Sn = 2 * c['max_norm'] * Sn - c['max_norm']
        return np.clip(Sn, -c['max_norm'], c['max_norm'])
    def denormalize(S):
        if not c['signal_norm']: return S
        S = np.clip(S, -c['max_norm'], c['max_norm'])
        S = ((S + c['max_norm']) * -c['min_level_db'] / (2 * c['max_norm'])) + c['min_level_db']
        return S + c['ref_level_db']
    mel = basis @ mag
    m = normalize(amp_to_db(mel) if c['do_amp_to_db_mel'] else mel).astype(np.float32)
    s = normalize(amp_to_db(mag) if c['do_amp_to_db_linear'] else mag).astype(np.float32)
    out = {'mel_basis': f['mel_basis'], 'melspectrogram': m, 'spectrogram': s,
           'melspectrogram_denormalized': denormalize(m).astype(np.float32),  # float32 math, as Coqui on float32 input
           'spectrogram_denormalized': denormalize(s).astype(np.float32)}
    write_st(os.path.join(dst, 'features_%s.safetensors' % variant), out, meta)
    gl = json.load(open(os.path.join(src, 'griffin_lim_%s.json' % variant)))
    inv_basis = np.linalg.pinv(basis)
    for method in ('inv_melspectrogram', 'inv_spectrogram'):
        if method not in gl: continue
        r = gl[method]
        inp = out[r['input']]  # float32, as Coqui gets it: exp() overflows in float32 as in Coqui
        with np.errstate(all='ignore'):
            amp = db_to_amp(denormalize(inp))
        with np.errstate(all='ignore'):
            target = (np.maximum(1e-10, inv_basis @ amp) if method == 'inv_melspectrogram' else amp) ** c['power']
        np.random.seed(gl['numpy_seeds'][0])
        with np.errstate(all='ignore'):
            first = istft(np.abs(target).astype(complex) * np.exp(2j * np.pi * np.random.rand(*target.shape)))
        if not np.all(np.isfinite(first)):  # Coqui's griffin_lim returns np.array([0.0])
            r.update(target_finite=False, output_num_samples=1, spectral_convergence_per_seed=None)
            continue
        for k in ('target_finite', 'coqui_result'):
            r.pop(k, None)
        scs = []
        for seed in gl['numpy_seeds']:
            np.random.seed(seed)
            angles = np.exp(2j * np.pi * np.random.rand(*target.shape))
            Sc = np.abs(target).astype(complex)
            y = istft(Sc * angles)
            for _ in range(gl['num_iter']):
                angles = np.exp(1j * np.angle(stft(y)))
                y = istft(Sc * angles)
            scs.append(float(np.linalg.norm(target - np.abs(stft(y))) / np.linalg.norm(target)))
        r.update(output_num_samples=len(y), spectral_convergence_per_seed=scs, spectral_convergence_mean=float(np.mean(scs)),
                 spectral_convergence_max=max(scs), spectral_convergence_min=min(scs))
    json.dump(gl, open(os.path.join(dst, 'griffin_lim_%s.json' % variant), 'w'), indent=2)
write_st(os.path.join(dst, 'stft.safetensors'), {'wav': wav.astype(np.float32), 'stft_magnitude': mag.astype(np.float32), 'mel_amplitude': (basis @ mag).astype(np.float32)}, stft_meta)
