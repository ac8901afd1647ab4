import type { components } from './schema';

/**
 * A response definition of the server's OpenAPI document, as `npm run api-types` generated it
 * from the server's own response shapes: what the portal reads is what the server declares.
 */
export type Definition<Name extends keyof components['schemas']> = components['schemas'][Name];

export type Project = Definition<'Project'>;
export type Repository = Definition<'Repository'>;
export type Quota = Definition<'Quota'>;
export type CurrentUser = Definition<'UserResp'>;
