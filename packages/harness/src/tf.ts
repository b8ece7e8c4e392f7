/*
 * The TF.js the harness trains with: the core (ops, optimisers, engine) and layers, nothing else.
 * `@tensorflow/tfjs` would also bring the converter, tf.data and the webgl and cpu backends,
 * each registering itself on import; backends are imported by `useBackend` when asked for.
 */
export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
