// Locates libtorch for the native build, the way tch-rs does: `LIBTORCH=/path` (a folder with include/ and
// lib/, CPU or CUDA) wins; otherwise Debian's `libtorch-dev` layout (/usr/include/torch, multiarch libdir).
// `node native/libtorch.mjs <cflags|include|libdir|libs|json>` prints one piece for binding.gyp.
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

function multiarch() {
  try {
    return execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim() || 'x86_64-linux-gnu';
  } catch {
    return `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  }
}

/** @returns {{root: string, include: string[], libdir: string, libs: string[], cxx11abi: string} | {error: string}} */
export function findLibtorch() {
  const env = process.env.LIBTORCH;
  let include;
  let libdir;
  let cmakeDir;
  if (env) {
    include = [join(env, 'include'), join(env, 'include/torch/csrc/api/include')];
    libdir = join(env, 'lib');
    cmakeDir = join(env, 'share/cmake/Torch');
    if (!existsSync(join(include[0], 'ATen/ATen.h')) || !existsSync(join(libdir, 'libtorch.so'))) {
      return {
        error: `LIBTORCH=${env} does not look like a libtorch folder (expected include/ATen/ATen.h and lib/libtorch.so).`,
      };
    }
  } else {
    const arch = multiarch();
    include = ['/usr/include', '/usr/include/torch/csrc/api/include'];
    libdir = `/usr/lib/${arch}`;
    cmakeDir = `/usr/lib/${arch}/cmake/Torch`;
    if (!existsSync('/usr/include/ATen/ATen.h') || !existsSync(join(libdir, 'libtorch.so'))) {
      return {
        error:
          'It was not found: install it with `sudo apt-get install libtorch-dev` (Debian/Ubuntu), ' +
          'or set LIBTORCH=/path/to/libtorch (an unpacked libtorch folder with include/ and lib/, CPU or CUDA; ' +
          'from https://pytorch.org/get-started/locally/, "LibTorch")',
      };
    }
  }
  const libs = ['torch', 'torch_cpu', 'c10'];
  for (const extra of ['torch_cuda', 'c10_cuda']) {
    if (existsSync(join(libdir, `lib${extra}.so`))) libs.push(extra);
  }
  let cxx11abi = '1';
  const cfg = join(cmakeDir, 'TorchConfig.cmake');
  if (existsSync(cfg) && /_GLIBCXX_USE_CXX11_ABI=0/.test(readFileSync(cfg, 'utf8'))) cxx11abi = '0';
  return { root: env ?? '/usr', include, libdir, libs, cxx11abi };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = findLibtorch();
  const what = process.argv[2];
  if ('error' in found) {
    console.error(found.error);
    process.exit(1);
  }
  if (what === 'include') console.log(found.include.join(' '));
  else if (what === 'libdir') console.log(found.libdir);
  else if (what === 'ldflags')
    console.log(
      [`-L${found.libdir}`, `-Wl,-rpath,${found.libdir}`, '-Wl,--no-as-needed', ...found.libs.map((l) => `-l${l}`)].join(' '),
    );
  else if (what === 'defines') console.log(`_GLIBCXX_USE_CXX11_ABI=${found.cxx11abi}`);
  else console.log(JSON.stringify(found));
}
