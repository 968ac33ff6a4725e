/**
 * Atomic file replacement: write a temporary file next to the target, fsync it, rename it over the target,
 * then fsync the directory. Readers see either the old file or the complete new one, never a partial write.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Data accepted by the atomic writers: a string (UTF-8), bytes, or a list of byte chunks written in order. */
export type AtomicData = string | Uint8Array | readonly Uint8Array[];

function chunksOf(data: AtomicData): readonly Uint8Array[] {
  if (typeof data === 'string') return [Buffer.from(data, 'utf8')];
  if (data instanceof Uint8Array) return [data];
  return data;
}

/** The temporary name used for `path`: `path.tmp-<pid>-<random>`. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms/filesystems cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `data` to `path` atomically (temp file + fsync + rename + directory fsync). On failure the temporary
 * file is removed and the previous content of `path`, if any, is left untouched.
 */
export async function writeFileAtomic(path: string, data: AtomicData): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      for (const chunk of chunksOf(data)) {
        let off = 0;
        while (off < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, off, chunk.byteLength - off);
          off += bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  fsyncDirSync(dirname(path));
}

/** Synchronous variant of {@link writeFileAtomic}. */
export function writeFileAtomicSync(path: string, data: AtomicData): void {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      for (const chunk of chunksOf(data)) {
        let off = 0;
        while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirSync(dirname(path));
}
