export { createSecrets, SECRET_NAME, MAX_SECRET_BYTES } from './secrets.ts';
export type { Secrets, SecretInfo, SecretEvent, SecretActor, CreateSecretsOptions } from './secrets.ts';
export { MasterKey, parseMasterKey } from './master-key.ts';
export type { SecretErrorCode } from './errors.ts';
