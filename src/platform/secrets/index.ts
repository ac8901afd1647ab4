export { SecretBox } from './secret-box.js';
export { anySealedValue, sealedValues, type SealedColumn } from './sealed-columns.js';
export {
  availableKey,
  describeSource,
  KEY_FILE,
  keyFilePath,
  MIN_KEY_LENGTH,
  openSecrets,
  readKeyFile,
  SecretKeyError,
  writeKeyFile,
  type KeyConfig,
  type KeySource,
  type SecretKey,
} from './keys.js';
export { rotateSecrets, type RotatedColumn } from './rotate.js';
export { rotateKey, secretsCommand, type SecretsCliContext } from './command.js';
