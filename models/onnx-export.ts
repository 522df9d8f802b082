/**
 * DenseModel → ONNX ModelProto bytes, written by a minimal protobuf encoder (no protobuf library).
 *
 * Graph (opset 13, IR version 8):
 *   features [N, nFeatures] float32
 *     → Sub(mean) → Div(std)                                  standardisation, explicit
 *     → MatMul(W0) → Add(b0) → Relu → … → MatMul(Wlast) → Add(blast)
 *     → Softmax(axis = -1)                                    K ≥ 3 classes
 *       or Sigmoid on a widened last layer [-w, w], [-b, b]   2 classes: [1 - p, p]
 *   → probabilities [N, nClasses] float32
 * Feature names and classes are also stored as metadata_props (`sharpline.featureNames`,
 * `sharpline.classes`, JSON arrays).
 *
 * Field numbers follow onnx/onnx.proto (proto2): ModelProto{ir_version=1, producer_name=2,
 * producer_version=3, doc_string=6, graph=7, opset_import=8, metadata_props=14}; GraphProto{node=1,
 * name=2, initializer=5, input=11, output=12}; NodeProto{input=1, output=2, name=3, op_type=4,
 * attribute=5}; AttributeProto{name=1, i=3, type=20}; TensorProto{dims=1, data_type=2, name=8,
 * raw_data=9}; ValueInfoProto{name=1, type=2}; TypeProto{tensor_type=1}; TypeProto.Tensor{elem_type=1,
 * shape=2}; TensorShapeProto{dim=1}; Dimension{dim_value=1, dim_param=2};
 * OperatorSetIdProto{domain=1, version=2}; StringStringEntryProto{key=1, value=2}.
 */

import { assertDenseModel, type DenseModel } from './network.ts';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 13;
export const ONNX_INPUT_NAME = 'features';
export const ONNX_OUTPUT_NAME = 'probabilities';

const TENSOR_FLOAT = 1;
const TENSOR_INT64 = 7;
const TENSOR_DOUBLE = 11;
const ATTRIBUTE_INT = 2;

/**
 * Encode `model` as an ONNX ModelProto. The bytes load in onnxruntime (see `createOnnxPredictor`).
 * @throws AppError MODEL_FORMAT_INVALID when `model` is inconsistent.
 */
export function exportToOnnx(model: DenseModel, options: { producerVersion?: string; docString?: string } = {}): Uint8Array {
  assertDenseModel(model);
  const nFeatures = model.featureNames.length;
  const nClasses = model.classes.length;
  const sigmoid = model.output === 'sigmoid';

  const initializers: Uint8Array[] = [];
  const nodes: Uint8Array[] = [];
  initializers.push(floatTensor('std_mean', [nFeatures], model.standardization.mean));
  initializers.push(floatTensor('std_scale', [nFeatures], model.standardization.std));
  nodes.push(node('Sub', [ONNX_INPUT_NAME, 'std_mean'], ['centered'], 'standardize_sub'));
  nodes.push(node('Div', ['centered', 'std_scale'], ['h0'], 'standardize_div'));

  let current = 'h0';
  model.layers.forEach((layer, i) => {
    const last = i === model.layers.length - 1;
    let weights = layer.weights;
    let bias = layer.bias;
    let outSize = layer.outputSize;
    if (last && sigmoid) {
      // Two sigmoid columns [σ(-z), σ(z)] give [1 - p, p] without extra ops.
      weights = [];
      for (let r = 0; r < layer.inputSize; r++) weights.push(-layer.weights[r], layer.weights[r]);
      bias = [-layer.bias[0], layer.bias[0]];
      outSize = 2;
    }
    initializers.push(floatTensor(`W${i}`, [layer.inputSize, outSize], weights));
    initializers.push(floatTensor(`b${i}`, [outSize], bias));
    nodes.push(node('MatMul', [current, `W${i}`], [`mm${i}`], `matmul_${i}`));
    const z = last ? 'logits' : `z${i}`;
    nodes.push(node('Add', [`mm${i}`, `b${i}`], [z], `add_${i}`));
    if (!last) {
      nodes.push(node('Relu', [z], [`h${i + 1}`], `relu_${i}`));
      current = `h${i + 1}`;
    }
  });
  if (sigmoid) {
    nodes.push(node('Sigmoid', ['logits'], [ONNX_OUTPUT_NAME], 'sigmoid'));
  } else {
    nodes.push(node('Softmax', ['logits'], [ONNX_OUTPUT_NAME], 'softmax', [intAttribute('axis', -1)]));
  }

  const graph = message([
    ...nodes.map((n) => field(1, n)),
    stringField(2, 'sharpline_dense'),
    ...initializers.map((t) => field(5, t)),
    field(11, valueInfo(ONNX_INPUT_NAME, ['N', nFeatures])),
    field(12, valueInfo(ONNX_OUTPUT_NAME, ['N', nClasses])),
  ]);
  return message([
    varintField(1, ONNX_IR_VERSION),
    stringField(2, 'sharpline'),
    stringField(3, options.producerVersion ?? '1'),
    ...(options.docString ? [stringField(6, options.docString)] : []),
    field(7, graph),
    field(8, message([stringField(1, ''), varintField(2, ONNX_OPSET)])),
    field(14, message([stringField(1, 'sharpline.featureNames'), stringField(2, JSON.stringify(model.featureNames))])),
    field(14, message([stringField(1, 'sharpline.classes'), stringField(2, JSON.stringify(model.classes))])),
  ]);
}

// ---------------------------------------------------------------------------------------------
// ONNX messages

/** The message builders, for other graphs this package writes (the SHAP coalition graph). */
export const onnxProto = { floatTensor, int64Tensor, node, intAttribute, valueInfo, message, field, stringField, varintField } as const;

function int64Tensor(name: string, dims: number[], values: readonly number[]): Uint8Array {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]), true);
  return message([...dims.map((d) => varintField(1, d)), varintField(2, TENSOR_INT64), stringField(8, name), bytesField(9, raw)]);
}

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): Uint8Array {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  // raw_data is little-endian regardless of the host.
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return message([...dims.map((d) => varintField(1, d)), varintField(2, TENSOR_FLOAT), stringField(8, name), bytesField(9, raw)]);
}

function node(opType: string, inputs: string[], outputs: string[], name: string, attributes: Uint8Array[] = []): Uint8Array {
  return message([
    ...inputs.map((s) => stringField(1, s)),
    ...outputs.map((s) => stringField(2, s)),
    stringField(3, name),
    stringField(4, opType),
    ...attributes.map((a) => field(5, a)),
  ]);
}

function intAttribute(name: string, value: number): Uint8Array {
  return message([stringField(1, name), varintField(3, value), varintField(20, ATTRIBUTE_INT)]);
}

/** Tensor value info (float32 unless said); a string dimension becomes a symbolic `dim_param`. */
function valueInfo(name: string, dims: Array<number | string>, elementType: 'float' | 'int64' | 'double' = 'float'): Uint8Array {
  const shape = message(dims.map((d) => field(1, typeof d === 'string' ? message([stringField(2, d)]) : message([varintField(1, d)]))));
  const tensorType = message([varintField(1, elementType === 'int64' ? TENSOR_INT64 : elementType === 'double' ? TENSOR_DOUBLE : TENSOR_FLOAT), field(2, shape)]);
  return message([stringField(1, name), field(2, message([field(1, tensorType)]))]);
}

// ---------------------------------------------------------------------------------------------
// Protobuf wire format: varint (wire type 0) and length-delimited (wire type 2) fields only.

const textEncoder = new TextEncoder();

function message(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Base-128 varint of an integer. Negative values are encoded as 64-bit two's complement (10 bytes),
 * as protobuf does for int32/int64 fields.
 */
function varint(value: number): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(bytes);
}

function tag(fieldNumber: number, wireType: 0 | 2): Uint8Array {
  return varint((fieldNumber << 3) | wireType);
}

function varintField(fieldNumber: number, value: number): Uint8Array {
  return message([tag(fieldNumber, 0), varint(value)]);
}

function bytesField(fieldNumber: number, bytes: Uint8Array): Uint8Array {
  return message([tag(fieldNumber, 2), varint(bytes.length), bytes]);
}

function stringField(fieldNumber: number, value: string): Uint8Array {
  return bytesField(fieldNumber, textEncoder.encode(value));
}

/** An embedded message is a length-delimited field. */
function field(fieldNumber: number, encoded: Uint8Array): Uint8Array {
  return bytesField(fieldNumber, encoded);
}
