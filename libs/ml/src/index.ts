/** @tributary/ml — Training algorithms on typed arrays, metrics, ONNX export and ONNX Runtime sessions. */
export {};
