import { createPredictor, type DenseModel } from './network.ts';
import type { ExplainableModel, LinearForm, NetworkForm } from './explain/types.ts';

/**
 * Adapts a dense model to the SHAP engines. Its network form lets the exact and kernel engines
 * evaluate coalitions from the network's structure (see `NetworkForm`). A logistic model (no hidden layers) also exposes its
 * closed linear form, which makes linear SHAP exact in log-odds space. A sigmoid (two-class)
 * model's log-odds are the real ones, `log(p_k / (1 − p_k))`: [−z, z] for classes [0, 1].
 */
export function explainableModelOf(model: DenseModel): ExplainableModel {
  const predictor = createPredictor(model);
  const nFeatures = model.featureNames.length;
  const nOutputs = model.classes.length;
  return {
    nFeatures,
    nOutputs,
    outputNames: model.classes,
    featureNames: model.featureNames,
    // The predictor reuses its output buffer between calls; the engines keep results, so copy.
    predict: (X: Float64Array, nRows: number) => Float64Array.from(predictor.predict(X, nRows)),
    network: networkFormOf(model),
    ...(model.layers.length === 1 ? { linear: linearFormOf(model) } : {}),
  };
}

function linearFormOf(model: DenseModel): LinearForm {
  const layer = model.layers[0]!;
  const nFeatures = layer.inputSize;
  const center = Float64Array.from(model.standardization.mean);
  const scale = Float64Array.from(model.standardization.std);
  if (model.output === 'softmax') {
    return { weights: Float64Array.from(layer.weights), bias: Float64Array.from(layer.bias), center, scale };
  }
  const weights = new Float64Array(nFeatures * 2);
  for (let i = 0; i < nFeatures; i++) {
    weights[i * 2] = -layer.weights[i]!;
    weights[i * 2 + 1] = layer.weights[i]!;
  }
  const b = layer.bias[0]!;
  return { weights, bias: Float64Array.from([-b, b]), center, scale };
}

/** The network as typed arrays, standardised the way `createPredictor` does it (`(x − mean) · (1 / std)`). */
export function networkFormOf(model: DenseModel): NetworkForm {
  return {
    mean: Float64Array.from(model.standardization.mean),
    invStd: Float64Array.from(model.standardization.std, (s) => 1 / s),
    layers: model.layers.map((l) => ({ inSize: l.inputSize, outSize: l.outputSize, w: Float64Array.from(l.weights), b: Float64Array.from(l.bias) })),
    output: model.output,
  };
}
