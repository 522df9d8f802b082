// The fallback engine: plain Float32Array loops (float64 accumulation), any runtime.
import { createAdam } from './adam.ts';
import { addL2, addLogitOffsets, backward, forward, outputLossAndDelta, transposeWeights } from './backprop.ts';
import type { Engine } from './types.ts';
import { noRandom as noRng } from '../../core/index.ts';
import { createWorkspace, gatherRows, type Shape } from './shape.ts';

export function createJsEngine(
  shape: Shape,
  Xs: Float32Array,
  y: Int32Array,
  nFeatures: number,
  nOrder: number,
  capacity: number,
  learningRate: number,
  offset: Float32Array | null = null,
): Engine {
  const weights = new Float32Array(shape.nParams);
  const grads = new Float32Array(shape.nParams);
  const ws = createWorkspace(shape, capacity);
  const adam = createAdam(shape.nParams, learningRate);
  const order = new Int32Array(nOrder);
  const labels = new Int32Array(capacity);
  const nOut = shape.sizes[shape.nLayers];
  const logits = ws.acts[shape.nLayers];
  return {
    kind: 'js',
    capacity,
    order,
    setParams(flat) {
      weights.set(flat);
      transposeWeights(shape, weights, ws);
    },
    getParams(into) {
      into.set(weights);
    },
    trainStep(start, rows, dropout, rng, l2) {
      gatherRows(Xs, nFeatures, order, start, rows, ws.acts[0], y, labels);
      forward(shape, weights, ws, rows, dropout, rng);
      if (offset) addLogitOffsets(logits, 0, nOut, nOut, offset, order, start, rows);
      const loss = outputLossAndDelta(shape, ws, labels, rows);
      backward(shape, weights, grads, ws, rows, dropout > 0);
      addL2(shape, weights, grads, l2);
      adam.step(weights, grads);
      transposeWeights(shape, weights, ws);
      return loss;
    },
    evalLoss(start, rows) {
      ws.acts[0].set(Xs.subarray(start * nFeatures, (start + rows) * nFeatures));
      labels.set(y.subarray(start, start + rows));
      forward(shape, weights, ws, rows, 0, noRng);
      if (offset) addLogitOffsets(logits, 0, nOut, nOut, offset, null, start, rows);
      return outputLossAndDelta(shape, ws, labels, rows);
    },
    lossAndGradients(rows, l2, into) {
      const loss = this.evalLoss(0, rows);
      backward(shape, weights, grads, ws, rows, false);
      addL2(shape, weights, grads, l2);
      into.set(grads);
      return loss;
    },
  };
}

/** Layer widths rounded up to whole f32x4 vectors. */
