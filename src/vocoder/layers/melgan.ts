/**
 * MelGAN building blocks (Kumar et al. 2019), Coqui's `TTS.vocoder.layers.melgan`: the dilated residual stack
 * that follows every upsampling layer, plus the small pieces the MelGAN networks chain in `Sequential`s
 * (reflection padding; folding every weight norm of a network at once).
 */

import type { Tensor } from '../../torch/index.ts';
import * as torch from '../../torch/index.ts';
import {
  Conv1d,
  LeakyReLU,
  Module,
  ModuleList,
  removeWeightNorm,
  Sequential,
  weightNorm,
  weightNormsOf,
} from '../../torch/nn/index.ts';

/** Reflection padding of the time axis (PyTorch's `nn.ReflectionPad1d`): `[B, C, T]` -> `[B, C, T + 2p]`. */
export class ReflectionPad1d extends Module {
  constructor(readonly padding: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.padding > 0 ? torch.F.pad(x, [this.padding, this.padding], 'reflect') : x;
  }
}

/** Folds the weight norm of every module under `root` into plain weights (inference). */
export function removeAllWeightNorms(root: Module): void {
  for (const m of root.modules()) for (const name of weightNormsOf(m).keys()) removeWeightNorm(m, name);
}

/**
 * `numResBlocks` residual blocks with dilation kernelSize^i: x = shortcut(x) + block(x), block = lrelu(0.2) ->
 * reflect pad -> dilated conv -> lrelu(0.2) -> 1x1 conv (all weight-normed). `[B, C, T]` -> `[B, C, T]`.
 * State-dict names are Coqui's (`blocks.i.2`, `blocks.i.4`, `shortcuts.i`).
 */
export class ResidualStack extends Module {
  readonly blocks: ModuleList<Sequential>;
  readonly shortcuts: ModuleList<Conv1d>;

  constructor(channels: number, numResBlocks: number, kernelSize: number) {
    super();
    if ((kernelSize - 1) % 2 !== 0)
      throw new Error(`ResidualStack: kernelSize must be odd, got ${kernelSize}`);
    const basePadding = (kernelSize - 1) / 2;
    const blocks: Sequential[] = [];
    for (let i = 0; i < numResBlocks; i++) {
      const dilation = kernelSize ** i;
      blocks.push(
        new Sequential(
          new LeakyReLU(0.2),
          new ReflectionPad1d(basePadding * dilation),
          weightNorm(new Conv1d(channels, channels, kernelSize, { dilation })),
          new LeakyReLU(0.2),
          weightNorm(new Conv1d(channels, channels, 1)),
        ),
      );
    }
    this.blocks = this.registerModule('blocks', new ModuleList(blocks));
    this.shortcuts = this.registerModule(
      'shortcuts',
      new ModuleList(blocks.map(() => weightNorm(new Conv1d(channels, channels, 1)))),
    );
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      let o = x;
      this.blocks.forEach((block, i) => {
        const next = torch.tidy(() => this.shortcuts.get(i).forward(o).add_(block.forward(o)));
        if (o !== x) o.dispose(); // freed at once, as Python's refcounting does
        o = next;
      });
      return o;
    });
  }
}
