"""The ONNX project's own checker on an exported model, and the model run outside onnxruntime.

Usage: onnx_check.py MODEL.onnx [ROWS.f32 N_ROWS N_FEATURES]

Prints one JSON document: {"ok": true, "opset": ..., "ops": [...], "probabilities": [[...], ...]}
or {"ok": false, "error": "<the checker's message>"} (exit 1).

The checker is `onnx.checker.check_model(full_check=True)` (it also runs strict shape inference),
from Debian's python3-onnx. The evaluation reads the graph as onnx parsed it and computes each node
with numpy, following the operator definitions of the ONNX specification, so it shares no code with
the exporter (models/onnx-export.ts) nor with onnxruntime. An operator it does not know is an error:
it never guesses.
"""

import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def attribute(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


OPS = {
    "Sub": lambda n, a, b: a - b,
    "Div": lambda n, a, b: a / b,
    "Add": lambda n, a, b: a + b,
    "MatMul": lambda n, a, b: np.matmul(a, b),
    "Relu": lambda n, x: np.maximum(x, 0),
    "Sigmoid": lambda n, x: 1 / (1 + np.exp(-x)),
    "Softmax": lambda n, x: softmax(x, attribute(n, "axis", -1)),
}


def run(model, x):
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    values[model.graph.input[0].name] = x
    for node in model.graph.node:
        if node.op_type not in OPS:
            raise ValueError(f"operator {node.op_type} is not evaluated here")
        values[node.output[0]] = OPS[node.op_type](node, *[values[i] for i in node.input])
    return values[model.graph.output[0].name]


def main():
    path = sys.argv[1]
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:  # the checker's own exception types differ across versions
        print(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}))
        sys.exit(1)
    out = {"ok": True, "onnx": onnx.__version__, "opset": [o.version for o in model.opset_import], "ops": sorted({n.op_type for n in model.graph.node})}
    if len(sys.argv) > 2:
        rows, features = int(sys.argv[3]), int(sys.argv[4])
        x = np.fromfile(sys.argv[2], dtype="<f4").astype(np.float64).reshape(rows, features)
        out["probabilities"] = run(model, x).tolist()
    print(json.dumps(out))


main()
