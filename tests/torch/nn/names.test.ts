// State-dict, parameter, buffer and module names of a nested model equal PyTorch's for the same architecture
// (tests/fixtures/nn/names.json, written by scripts/fixtures/make_nn_fixtures.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tensor } from '../../../src/torch/index.ts';
import * as torch from '../../../src/torch/index.ts';
import {
  BatchNorm1d,
  Conv1d,
  Conv2d,
  ConvTranspose1d,
  Dropout,
  Embedding,
  GroupNorm,
  InstanceNorm1d,
  LayerNorm,
  Linear,
  LSTM,
  LSTMCell,
  Module,
  ModuleDict,
  ModuleList,
  ReLU,
  Sequential,
  weightNorm,
} from '../../../src/torch/nn/index.ts';
import { fixture } from './helpers.ts';

interface Names {
  stateDict: [string, number[]][];
  parameters: string[];
  buffers: string[];
  modules: string[];
  numParameters: number;
  numTrainable: number;
}

class Block extends Module {
  readonly conv: Conv1d;
  readonly norm: LayerNorm;
  readonly bn: BatchNorm1d;
  readonly logs: Tensor;
  readonly mask: Tensor;
  constructor(c: number) {
    super();
    this.conv = this.registerModule('conv', weightNorm(new Conv1d(c, c, 3, { padding: 1 })));
    this.norm = this.registerModule('norm', new LayerNorm(c));
    this.bn = this.registerModule('bn', new BatchNorm1d(c));
    this.logs = this.registerParameter('logs', torch.zeros([1, c, 1]));
    this.mask = this.buffer('mask', torch.ones([1, c, 1]), { persistent: false });
  }
}

class Net extends Module {
  readonly emb = this.registerModule('emb', new Embedding(10, 4, { paddingIdx: 0 }));
  readonly encoder = this.registerModule(
    'encoder',
    new Sequential(
      new Conv1d(4, 8, 5, { padding: 2 }),
      new ReLU(),
      new Dropout(0.1),
      new Conv1d(8, 4, 1, { bias: false }),
    ),
  );
  readonly flows = this.registerModule('flows', new ModuleList([new Block(4), new Block(4)]));
  readonly lstm = this.registerModule(
    'lstm',
    new LSTM(4, 3, { numLayers: 2, bidirectional: true, batchFirst: true }),
  );
  readonly cell = this.registerModule('cell', new LSTMCell(6, 5));
  readonly proj = this.registerModule('proj', new Linear(6, 2));
  readonly up = this.registerModule('up', new ConvTranspose1d(4, 2, 4, { stride: 2 }));
  readonly gn = this.registerModule('gn', new GroupNorm(2, 4));
  readonly inorm = this.registerModule('inorm', new InstanceNorm1d(4, { affine: true }));
  readonly conv2 = this.registerModule('conv2', new Conv2d(1, 2, [3, 5], { padding: [1, 2] }));
  readonly heads = this.registerModule(
    'heads',
    new ModuleDict({ dur: new Linear(4, 1), pitch: new Linear(4, 1, { bias: false }) }),
  );
  readonly scale = this.registerParameter('scale', torch.ones([1]), { requiresGrad: false });
}

const ref = fixture<Names>('names.json');

test('nested model: state-dict keys (in order) and shapes equal PyTorch', () => {
  const net = new Net();
  const sd = net.stateDict();
  assert.deepEqual(
    [...sd].map(([k, t]) => [k, t.shape]),
    ref.stateDict,
  );
});

test('nested model: namedParameters, namedBuffers, namedModules and counts equal PyTorch', () => {
  const net = new Net();
  assert.deepEqual([...net.namedParameters().keys()], ref.parameters);
  assert.deepEqual([...net.namedBuffers().keys()], ref.buffers);
  assert.deepEqual([...net.namedModules().keys()], ref.modules);
  assert.equal(net.numParameters(), ref.numParameters);
  assert.equal(net.numParameters({ trainableOnly: true }), ref.numTrainable);
  assert.equal(net.parameters().length, ref.parameters.length);
});

test('nested model: stateDict round trip into a fresh model reproduces every value', () => {
  const a = new Net();
  const b = new Net();
  const report = b.loadStateDict(a.stateDict());
  assert.deepEqual(report, { missing: [], unexpected: [], mismatched: [], renamed: [] });
  const sdB = b.stateDict();
  for (const [k, t] of a.stateDict()) {
    assert.ok(
      torch.tidy(() =>
        t
          .eq(sdB.get(k) as Tensor)
          .all()
          .item(),
      ) === 1,
      k,
    );
  }
});

test('stateDict with weightNormKeys "parametrizations" names weight-norm tensors as torch>=2.1 does', () => {
  const net = new Net();
  const keys = [...net.stateDict({ weightNormKeys: 'parametrizations' }).keys()];
  const flow0 = keys.filter((k) => k.startsWith('flows.0.conv.'));
  assert.deepEqual(flow0, [
    'flows.0.conv.bias',
    'flows.0.conv.parametrizations.weight.original0',
    'flows.0.conv.parametrizations.weight.original1',
  ]);
  // and such a state dict loads back strictly
  const b = new Net();
  const report = b.loadStateDict(net.stateDict({ weightNormKeys: 'parametrizations' }));
  assert.equal(report.renamed.length, 4);
});
