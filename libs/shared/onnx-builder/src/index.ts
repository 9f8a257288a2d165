export { OnnxElemType, OnnxGraph, float, floats, type AttributeValue, type Dim } from './onnx-graph';
export { encodeVarint } from './protobuf.writer';
