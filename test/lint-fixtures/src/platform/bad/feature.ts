// Platform knows no feature.
import { deltaValue } from '../../delta/index.js';

export const platformUsesFeature = deltaValue;
