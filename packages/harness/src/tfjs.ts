/*
 * `@webtune/harness/tfjs`: the building blocks whose types are TF.js's own (`tf.Sequential`,
 * `tf.Optimizer`). They live apart from the main entry so that its declarations never load TF.js's,
 * which fail strict type checks with skipLibCheck false; importing this entry needs skipLibCheck.
 */
export { buildModel, createOptimizer } from './layers.js';
