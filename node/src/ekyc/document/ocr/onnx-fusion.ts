/**
 * A cheaper, equivalent form of the PaddleOCR PP-OCRv4 graphs (paddle.ts). Their backbone (PP-LCNetV3)
 * was exported op by op: after each convolution come a learnable affine `a·y + b` (two scalar
 * constants), a hard-swish spelt out as `y · clip(y + 3, 0, 6) / 6`, and another scalar affine.
 * onnxruntime fuses none of them (its Conv+Mul fusion wants the constant as the Mul's second
 * input; nothing fuses a spelt-out hard-swish), so on one thread these eight element-wise passes,
 * and the layout reorders around them, cost more than the convolutions (profiled: Mul, Add, Clip,
 * Div and reorders ≈ 62 % of the recogniser's kernel time, Conv 32 %). Rewritten here, on the
 * pinned model bytes as loaded:
 * - `Conv → ·a → +b` becomes one Conv with weights a·W and bias a·bias + b;
 * - `y · clip(y + 3, 0, 6) / 6` becomes `y · HardSigmoid(y; 1/6, 1/2)` (the same function);
 * - `·s → +t` before a 1 × 1 convolution without padding becomes that Conv with weights s·W and
 *   bias bias + t·ΣW (exact: a 1 × 1 kernel never reads padding).
 * Nothing is approximated: the outputs differ from the original graph's only by float rounding
 * (test/node/ekyc/document/ocr-fusion.test.ts). A pattern that does not match exactly (another
 * consumer of an intermediate, a non-scalar constant, other clip bounds) is left as it was.
 */
import {
  BYTES,
  decodeMessage,
  encodeMessage,
  FIXED32,
  float32Field,
  int64Values,
  messageField,
  stringField,
  text,
  varintField,
  varintValue,
  type WireField,
} from "./protobuf-wire.ts";

/** ONNX field numbers used here (onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto). */
const MODEL_GRAPH = 7,
  GRAPH_NODE = 1,
  GRAPH_OUTPUT = 12,
  VALUE_INFO_NAME = 1,
  NODE_INPUT = 1,
  NODE_OUTPUT = 2,
  NODE_OP_TYPE = 4,
  NODE_ATTRIBUTE = 5,
  ATTR_NAME = 1,
  ATTR_F = 2,
  ATTR_I = 3,
  ATTR_T = 5,
  ATTR_INTS = 8,
  ATTR_TYPE = 20,
  ATTR_TYPE_FLOAT = 1,
  ATTR_TYPE_TENSOR = 4,
  TENSOR_DIMS = 1,
  TENSOR_DATA_TYPE = 2,
  TENSOR_FLOAT_DATA = 4,
  TENSOR_RAW_DATA = 9,
  TENSOR_FLOAT = 1;

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Every field of the node as read, for the fields this rewrite does not change. */
  fields: WireField[];
  removed: boolean;
}

interface FloatTensor {
  dims: number[];
  values: Float32Array;
}

export interface FusionCounts {
  /** `Conv → ·a → +b` folded into the convolution. */
  affineIntoConv: number;
  /** Spelt-out hard-swishes rewritten with HardSigmoid. */
  hardSwish: number;
  /** `·s → +t` folded into the following 1 × 1 convolution. */
  affineIntoNextConv: number;
}

const strings = (fields: readonly WireField[], field: number): string[] =>
  fields.filter((f) => f.field === field).map(text);

/** Repeated int64 values, packed or not. */
const ints = (fields: readonly WireField[], field: number): number[] =>
  fields.filter((g) => g.field === field).flatMap(int64Values);

function attributes(node: Node): Map<string, WireField[]> {
  const out = new Map<string, WireField[]>();
  for (const f of node.fields.filter((g) => g.field === NODE_ATTRIBUTE)) {
    const attribute = decodeMessage(f.bytes);
    const name = strings(attribute, ATTR_NAME)[0];
    if (name !== undefined) out.set(name, attribute);
  }
  return out;
}

function floatAttribute(attribute: readonly WireField[] | undefined): number | null {
  const f = attribute?.find((g) => g.field === ATTR_F && g.type === FIXED32);
  return f === undefined ? null : new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true);
}

function floatTensor(fields: readonly WireField[]): FloatTensor | null {
  const type = fields.find((f) => f.field === TENSOR_DATA_TYPE);
  if (type === undefined || varintValue(type) !== TENSOR_FLOAT) return null;
  const dims = ints(fields, TENSOR_DIMS);
  const raw = fields.find((f) => f.field === TENSOR_RAW_DATA);
  const bytes =
    raw?.bytes ??
    Uint8Array.from(fields.filter((f) => f.field === TENSOR_FLOAT_DATA).flatMap((f) => Array.from(f.bytes)));
  const count = dims.reduce((n, d) => n * d, 1);
  if (bytes.length !== count * 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return { dims, values: Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true)) };
}

function tensorFields(tensor: FloatTensor): WireField[] {
  const raw = new Uint8Array(tensor.values.length * 4);
  const view = new DataView(raw.buffer);
  tensor.values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return [
    ...tensor.dims.map((d) => varintField(TENSOR_DIMS, d)),
    varintField(TENSOR_DATA_TYPE, TENSOR_FLOAT),
    { field: TENSOR_RAW_DATA, type: BYTES, bytes: raw },
  ];
}

function constantNode(output: string, tensor: FloatTensor): Node {
  const value = [
    stringField(ATTR_NAME, "value"),
    messageField(ATTR_T, tensorFields(tensor)),
    varintField(ATTR_TYPE, ATTR_TYPE_TENSOR),
  ];
  const fields = [
    stringField(NODE_OUTPUT, output),
    stringField(NODE_OP_TYPE, "Constant"),
    messageField(NODE_ATTRIBUTE, value),
  ];
  return { op: "Constant", inputs: [], outputs: [output], fields, removed: false };
}

/** The node with new inputs, outputs, op type or attributes; its other fields as they were. */
function rebuilt(
  node: Node,
  changes: { op?: string; inputs?: string[]; outputs?: string[]; attributes?: WireField[][] },
): void {
  const replaced = new Set<number>([NODE_INPUT, NODE_OUTPUT]);
  if (changes.op !== undefined) replaced.add(NODE_OP_TYPE);
  if (changes.attributes !== undefined) replaced.add(NODE_ATTRIBUTE);
  node.op = changes.op ?? node.op;
  node.inputs = changes.inputs ?? node.inputs;
  node.outputs = changes.outputs ?? node.outputs;
  node.fields = [
    ...node.inputs.map((i) => stringField(NODE_INPUT, i)),
    ...node.outputs.map((o) => stringField(NODE_OUTPUT, o)),
    ...(changes.op === undefined ? [] : [stringField(NODE_OP_TYPE, changes.op)]),
    ...(changes.attributes ?? []).map((a) => messageField(NODE_ATTRIBUTE, a)),
    ...node.fields.filter((f) => !replaced.has(f.field)),
  ];
}

class Graph {
  readonly nodes: Node[];
  readonly #added: Node[] = [];
  readonly #constants = new Map<string, FloatTensor>();
  readonly #graphOutputs: Set<string>;
  #fresh = 0;

  constructor(fields: readonly WireField[]) {
    this.nodes = fields
      .filter((f) => f.field === GRAPH_NODE)
      .map((f) => {
        const node = decodeMessage(f.bytes);
        return {
          op: strings(node, NODE_OP_TYPE)[0] ?? "",
          inputs: strings(node, NODE_INPUT),
          outputs: strings(node, NODE_OUTPUT),
          fields: node,
          removed: false,
        };
      });
    for (const node of this.nodes) {
      if (node.op !== "Constant" || node.outputs.length !== 1) continue;
      const value = attributes(node)
        .get("value")
        ?.find((f) => f.field === ATTR_T);
      const tensor = value === undefined ? null : floatTensor(decodeMessage(value.bytes));
      if (tensor !== null) this.#constants.set(node.outputs[0] as string, tensor);
    }
    this.#graphOutputs = new Set(
      fields.filter((f) => f.field === GRAPH_OUTPUT).flatMap((f) => strings(decodeMessage(f.bytes), VALUE_INFO_NAME)),
    );
  }

  constant(name: string | undefined): FloatTensor | null {
    return name === undefined ? null : (this.#constants.get(name) ?? null);
  }

  /** The single scalar value of a constant input, or null. */
  scalar(name: string | undefined): number | null {
    const c = this.constant(name);
    return c !== null && c.values.length === 1 ? (c.values[0] as number) : null;
  }

  /** The one live node reading `tensor`, or null when none, several, or a graph output reads it. */
  soleConsumer(tensor: string): Node | null {
    if (this.#graphOutputs.has(tensor)) return null;
    const readers = this.nodes.filter((n) => !n.removed && n.inputs.includes(tensor));
    return readers.length === 1 ? (readers[0] as Node) : null;
  }

  addConstant(hint: string, tensor: FloatTensor): string {
    const name = `${hint}.fused.${this.#fresh++}`;
    this.#constants.set(name, tensor);
    this.#added.push(constantNode(name, tensor));
    return name;
  }

  /**
   * The graph's fields with the new constants first (they read nothing), removed nodes gone, and
   * the constants no node reads any more (the weights replaced by folded ones) dropped.
   */
  encode(fields: readonly WireField[]): WireField[] {
    const live = [...this.#added, ...this.nodes].filter((n) => !n.removed);
    const read = new Set([...this.#graphOutputs, ...live.flatMap((n) => n.inputs)]);
    const nodes = live
      .filter((n) => n.op !== "Constant" || n.outputs.some((o) => read.has(o)))
      .map((n) => messageField(GRAPH_NODE, n.fields));
    return [...nodes, ...fields.filter((f) => f.field !== GRAPH_NODE)];
  }
}

/** For a binary node with one scalar constant input: that scalar and the other input. */
function scalarOperand(graph: Graph, node: Node): { value: number; other: string } | null {
  const [a, b] = node.inputs;
  if (node.inputs.length !== 2 || a === undefined || b === undefined) return null;
  const va = graph.scalar(a),
    vb = graph.scalar(b);
  if (vb !== null && va === null) return { value: vb, other: a };
  if (va !== null && vb === null) return { value: va, other: b };
  return null;
}

/** `·s → +t` starting at `mul` (each read only by the next), or null. */
function scalarAffine(graph: Graph, mul: Node): { scale: number; shift: number; input: string; add: Node } | null {
  if (mul.op !== "Mul") return null;
  const scale = scalarOperand(graph, mul);
  const add = graph.soleConsumer(mul.outputs[0] as string);
  if (scale === null || add === null || add.op !== "Add") return null;
  const shift = scalarOperand(graph, add);
  return shift === null ? null : { scale: scale.value, shift: shift.value, input: scale.other, add };
}

/** The convolution's weights and bias (zeros when it has none), when both are constants. */
function convParameters(graph: Graph, conv: Node): { weights: FloatTensor; bias: Float32Array } | null {
  const weights = graph.constant(conv.inputs[1]);
  if (weights === null || weights.dims.length !== 4) return null;
  const outputs = weights.dims[0] as number;
  if (conv.inputs.length < 3 || conv.inputs[2] === "") return { weights, bias: new Float32Array(outputs) };
  const bias = graph.constant(conv.inputs[2]);
  return bias === null || bias.values.length !== outputs ? null : { weights, bias: bias.values };
}

function setConvParameters(
  graph: Graph,
  conv: Node,
  input: string,
  weights: FloatTensor,
  bias: Float32Array,
  output: string,
): void {
  const name = conv.outputs[0] as string;
  rebuilt(conv, {
    inputs: [
      input,
      graph.addConstant(`${name}.w`, weights),
      graph.addConstant(`${name}.b`, { dims: [bias.length], values: bias }),
    ],
    outputs: [output],
  });
}

/** `Conv → ·a → +b` as one Conv (weights a·W, bias a·bias + b). */
function foldAffineIntoConv(graph: Graph, conv: Node): boolean {
  const parameters = convParameters(graph, conv);
  const mul = graph.soleConsumer(conv.outputs[0] as string);
  const affine = mul === null ? null : scalarAffine(graph, mul);
  if (parameters === null || mul === null || affine === null) return false;
  const { scale, shift, add } = affine;
  const weights = { dims: parameters.weights.dims, values: parameters.weights.values.map((w) => w * scale) };
  const bias = parameters.bias.map((b) => b * scale + shift);
  setConvParameters(graph, conv, conv.inputs[0] as string, weights, bias, add.outputs[0] as string);
  mul.removed = true;
  add.removed = true;
  return true;
}

/** `y · clip(y + 3, 0, 6) / 6` starting at the `+ 3`, as `y · HardSigmoid(y; 1/6, 1/2)`. */
function rewriteHardSwish(graph: Graph, add: Node): boolean {
  if (add.op !== "Add") return false;
  const three = scalarOperand(graph, add);
  if (three === null || three.value !== 3) return false;
  const clip = graph.soleConsumer(add.outputs[0] as string);
  if (clip === null || clip.op !== "Clip" || clip.inputs[0] !== add.outputs[0]) return false;
  // Clip's bounds are attributes up to opset 10 and inputs from opset 11 on.
  const bounds = attributes(clip);
  const [min, max] =
    clip.inputs.length === 1
      ? [floatAttribute(bounds.get("min")), floatAttribute(bounds.get("max"))]
      : [graph.scalar(clip.inputs[1]), graph.scalar(clip.inputs[2])];
  if (min !== 0 || max !== 6) return false;
  const mul = graph.soleConsumer(clip.outputs[0] as string);
  const y = three.other;
  if (mul === null || mul.op !== "Mul" || !mul.inputs.includes(y)) return false;
  const div = graph.soleConsumer(mul.outputs[0] as string);
  if (div === null || div.op !== "Div" || div.inputs[0] !== mul.outputs[0] || graph.scalar(div.inputs[1]) !== 6)
    return false;
  const floatAttr = (name: string, value: number): WireField[] => [
    stringField(ATTR_NAME, name),
    float32Field(ATTR_F, value),
    varintField(ATTR_TYPE, ATTR_TYPE_FLOAT),
  ];
  rebuilt(add, {
    op: "HardSigmoid",
    inputs: [y],
    outputs: clip.outputs,
    attributes: [floatAttr("alpha", 1 / 6), floatAttr("beta", 0.5)],
  });
  rebuilt(mul, { inputs: [y, clip.outputs[0] as string], outputs: div.outputs });
  clip.removed = true;
  div.removed = true;
  return true;
}

/** A 1 × 1 convolution with no padding, stride or group: it reads each input pixel alone. */
function pointwise(conv: Node, weights: FloatTensor): boolean {
  const a = attributes(conv);
  const group = a.get("group")?.find((f) => f.field === ATTR_I);
  const all = (name: string, value: number) => ints(a.get(name) ?? [], ATTR_INTS).every((v) => v === value);
  return (
    weights.dims[2] === 1 &&
    weights.dims[3] === 1 &&
    (group === undefined || varintValue(group) === 1) &&
    all("pads", 0) &&
    all("strides", 1)
  );
}

/** `·s → +t → Conv 1×1` as that Conv (weights s·W, bias bias + t·Σ W over its inputs). */
function foldAffineIntoNextConv(graph: Graph, mul: Node): boolean {
  const affine = scalarAffine(graph, mul);
  const conv = affine === null ? null : graph.soleConsumer(affine.add.outputs[0] as string);
  if (affine === null || conv === null || conv.op !== "Conv" || conv.inputs[0] !== affine.add.outputs[0]) return false;
  const parameters = convParameters(graph, conv);
  if (parameters === null || !pointwise(conv, parameters.weights)) return false;
  const { weights, bias } = parameters;
  const perOutput = weights.values.length / bias.length;
  const sums = bias.map((_, o) =>
    weights.values.subarray(o * perOutput, (o + 1) * perOutput).reduce((s, w) => s + w, 0),
  );
  const folded = { dims: weights.dims, values: weights.values.map((w) => w * affine.scale) };
  setConvParameters(
    graph,
    conv,
    affine.input,
    folded,
    bias.map((b, o) => b + affine.shift * (sums[o] as number)),
    conv.outputs[0] as string,
  );
  mul.removed = true;
  affine.add.removed = true;
  return true;
}

/** The model with the rewrites above applied, and how many of each were made. */
export function fuseLcnetActivations(model: Uint8Array): { model: Uint8Array; counts: FusionCounts } {
  const modelFields = decodeMessage(model);
  const graphField = modelFields.find((f) => f.field === MODEL_GRAPH);
  if (graphField === undefined) return { model, counts: { affineIntoConv: 0, hardSwish: 0, affineIntoNextConv: 0 } };
  const graphFields = decodeMessage(graphField.bytes);
  const graph = new Graph(graphFields);
  const counts: FusionCounts = { affineIntoConv: 0, hardSwish: 0, affineIntoNextConv: 0 };
  // Input side first: a convolution's weights then carry both folds.
  for (const node of graph.nodes) if (!node.removed && foldAffineIntoNextConv(graph, node)) counts.affineIntoNextConv++;
  for (const node of graph.nodes)
    if (!node.removed && node.op === "Conv" && foldAffineIntoConv(graph, node)) counts.affineIntoConv++;
  for (const node of graph.nodes) if (!node.removed && rewriteHardSwish(graph, node)) counts.hardSwish++;
  const rewritten = modelFields.map((f) =>
    f === graphField ? messageField(MODEL_GRAPH, graph.encode(graphFields)) : f,
  );
  return { model: encodeMessage(rewritten), counts };
}

/** ValueInfoProto.type, TypeProto.tensor_type, TypeProto.Tensor.shape (onnx.proto). */
const VALUE_INFO_TYPE = 2,
  TYPE_TENSOR = 1,
  TENSOR_TYPE_SHAPE = 2;

/** The graph output's declared type without its shape: the class dimension changes. */
function withoutShape(valueInfo: readonly WireField[]): WireField[] {
  return valueInfo.map((f) => {
    if (f.field !== VALUE_INFO_TYPE) return f;
    const type = decodeMessage(f.bytes).map((t) =>
      t.field === TYPE_TENSOR
        ? messageField(
            TYPE_TENSOR,
            decodeMessage(t.bytes).filter((g) => g.field !== TENSOR_TYPE_SHAPE),
          )
        : t,
    );
    return messageField(VALUE_INFO_TYPE, type);
  });
}

/**
 * The recogniser with its classifier cut to `classes` (columns of its output: 0 the CTC blank, then
 * the dictionary's symbols a caller reads), or null when its tail is not `MatMul → Add → Softmax`
 * over the last axis with constant weights. The output is then the softmax over those columns'
 * logits alone, which is exactly what renormalising the full softmax over them gives
 * (e^lᵢ / Σ_K e^lⱼ either way), without computing and copying the other ≈ 6,600 classes per frame.
 */
export function restrictOutputClasses(model: Uint8Array, classes: readonly number[]): Uint8Array | null {
  const modelFields = decodeMessage(model);
  const graphField = modelFields.find((f) => f.field === MODEL_GRAPH);
  if (graphField === undefined) return null;
  const graphFields = decodeMessage(graphField.bytes);
  const graph = new Graph(graphFields);
  const outputs = graphFields.filter((f) => f.field === GRAPH_OUTPUT);
  const outputName =
    outputs.length === 1 ? strings(decodeMessage((outputs[0] as WireField).bytes), VALUE_INFO_NAME)[0] : undefined;
  const producer = (tensor: string | undefined): Node | undefined =>
    graph.nodes.find((n) => !n.removed && tensor !== undefined && n.outputs.includes(tensor));
  const softmax = producer(outputName);
  const add = producer(softmax?.inputs[0]);
  const matmul = producer(add?.inputs[0]);
  if (softmax?.op !== "Softmax" || add?.op !== "Add" || matmul?.op !== "MatMul") return null;
  const axis = ints(attributes(softmax).get("axis") ?? [], ATTR_I)[0];
  const weights = graph.constant(matmul.inputs[1]),
    bias = graph.constant(add.inputs[1]);
  if (weights === null || bias === null || weights.dims.length !== 2) return null;
  const [depth, width] = weights.dims as [number, number];
  if (axis !== 2 && axis !== -1) return null;
  if (bias.values.length !== width || classes.some((c) => !Number.isInteger(c) || c < 0 || c >= width)) return null;
  if (
    graph.soleConsumer(add.outputs[0] as string) !== softmax ||
    graph.soleConsumer(matmul.outputs[0] as string) !== add
  )
    return null;
  const cut = new Float32Array(depth * classes.length);
  for (let d = 0; d < depth; d++)
    classes.forEach((c, k) => {
      cut[d * classes.length + k] = weights.values[d * width + c] as number;
    });
  const cutWeights = graph.addConstant(matmul.inputs[1] as string, { dims: [depth, classes.length], values: cut });
  const cutBias = graph.addConstant(add.inputs[1] as string, {
    dims: [classes.length],
    values: Float32Array.from(classes, (c) => bias.values[c] as number),
  });
  rebuilt(matmul, { inputs: [matmul.inputs[0] as string, cutWeights] });
  rebuilt(add, { inputs: [add.inputs[0] as string, cutBias] });
  const rewrittenGraph = graph
    .encode(graphFields)
    .map((f) => (f.field === GRAPH_OUTPUT ? messageField(GRAPH_OUTPUT, withoutShape(decodeMessage(f.bytes))) : f));
  return encodeMessage(modelFields.map((f) => (f === graphField ? messageField(MODEL_GRAPH, rewrittenGraph) : f)));
}
