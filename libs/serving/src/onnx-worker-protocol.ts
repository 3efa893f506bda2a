/** Messages between the pool (main thread) and an ONNX worker thread. */

/** What the pool asks of a worker. */
export type WorkerRequest =
  | { readonly type: 'load'; readonly id: number; readonly key: string; readonly bytes: Uint8Array }
  | { readonly type: 'run'; readonly id: number; readonly key: string; readonly values: Float32Array; readonly rowCount: number }
  | { readonly type: 'unload'; readonly id: number; readonly key: string }
  | { readonly type: 'explain'; readonly id: number; readonly key: string; readonly values: Float32Array; readonly rowCount: number };

/** A worker's answer to the request with the same id. */
export type WorkerReply =
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'ran'; readonly id: number; readonly probabilities: Float64Array; readonly computeNs: number }
  | {
      readonly type: 'explained';
      readonly id: number;
      readonly method: 'tree_shap' | 'linear';
      readonly baseValue: number;
      /** Row-major, one value per feature. */
      readonly contributions: Float64Array;
      readonly margins: Float64Array;
      readonly computeNs: number;
    }
  | { readonly type: 'failed'; readonly id: number; readonly message: string; readonly invalidInput: boolean };
