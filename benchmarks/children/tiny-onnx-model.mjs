// A one-node ONNX model built in code, for bench:cost's "added per call" row on
// onnxruntime: `y = x + x` on float32[1, n]. A run of it takes a few µs, so what
// the wrapper and the onnx hooks add to `InferenceSession.run` is not lost in
// the noise of a millisecond-long model (nothing is downloaded or written: the
// bytes go straight to InferenceSession.create).
//
// ONNX files are protobuf (onnx/onnx.proto); these are the fields a model needs:
//   ModelProto    1 ir_version, 7 graph, 8 opset_import
//   GraphProto    1 node, 2 name, 11 input, 12 output
//   NodeProto     1 input, 2 output, 4 op_type
//   ValueInfoProto 1 name, 2 type → TypeProto 1 tensor_type → 1 elem_type (1 = float), 2 shape → 1 dim → 1 dim_value

function varint(value) {
  const out = [];
  while (value > 127) {
    out.push((value & 127) | 128);
    value >>>= 7;
  }
  out.push(value);
  return out;
}

const key = (field, wire) => varint((field << 3) | wire);
const int = (field, value) => [...key(field, 0), ...varint(value)];
const bytes = (field, payload) => [...key(field, 2), ...varint(payload.length), ...payload];
const text = (field, value) => bytes(field, [...Buffer.from(value, 'utf8')]);

function tensorInfo(name, n) {
  const shape = [...bytes(1, int(1, 1)), ...bytes(1, int(1, n))];
  const tensorType = [...int(1, 1), ...bytes(2, shape)];
  return [...text(1, name), ...bytes(2, bytes(1, tensorType))];
}

/** The model's bytes (`x` in, `y = x + x` out, both float32[1, n]). */
export function tinyOnnxModel(n = 4) {
  const node = [...text(1, 'x'), ...text(1, 'x'), ...text(2, 'y'), ...text(4, 'Add')];
  const graph = [...bytes(1, node), ...text(2, 'tiny'), ...bytes(11, tensorInfo('x', n)), ...bytes(12, tensorInfo('y', n))];
  return Uint8Array.from([...int(1, 7), ...bytes(8, [...text(1, ''), ...int(2, 13)]), ...bytes(7, graph)]);
}
