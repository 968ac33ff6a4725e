// The Trainer's write errors name the file (issue 15 item 4): Node's write errors (ENOSPC from writeSync)
// do not say which file, so a full disk during a checkpoint read "ENOSPC: no space left on device, write".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as torch from '../../src/torch/index.ts';
import { saveCheckpoint } from '../../src/trainer/checkpoint.ts';
import { ConsoleLogger } from '../../src/trainer/console.ts';
import { ioError } from '../../src/trainer/io_error.ts';

test('ioError: one sentence naming what was written; ENOSPC in words; the code kept', () => {
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const e = ioError(enospc, 'cannot write the checkpoint file /runs/x/checkpoint_5.safetensors');
  assert.equal(
    e.message,
    'cannot write the checkpoint file /runs/x/checkpoint_5.safetensors: no space left on the device',
  );
  assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  assert.equal(e.cause, enospc);
});

test('a checkpoint that cannot be written names the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribbit-io-'));
  try {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const weights = new Map([['w', torch.zeros([2])]]);
    assert.throws(
      () => saveCheckpoint(blocker, 'checkpoint_1', weights, { step: 1 } as never),
      (e: Error) => {
        assert.match(
          e.message,
          new RegExp(`^cannot write the checkpoint file ${join(blocker, 'checkpoint_1.safetensors')}: `),
        );
        assert.equal((e as NodeJS.ErrnoException).code, 'ENOTDIR');
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a log file that cannot be appended to names the file', () => {
  const log = join(tmpdir(), 'ribbit-no-such-folder-x', 'trainer_0_log.txt');
  const c = new ConsoleLogger({ logFile: log, quiet: true });
  assert.throws(() => c.line('hello'), new RegExp(`^Error: cannot append to the log file ${log}: `));
});
