/**
 * The built-in scanner's layer walker: streams an image's layers once each and turns the files
 * the analyzers want into an ImageInventory (packages with the layer that brought them, and the OS).
 */
export { LayerLimitError, LayerReadError } from './errors.js';
export { inspectImage } from './inspect.js';
export { DEFAULT_WALK_LIMITS, type InspectedImage, type InspectionStats, type InspectOptions, type LayerSource, type WalkLimits } from './types.js';
