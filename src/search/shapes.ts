import { z } from 'zod';

/** Harbor's SearchRepository. */
export const SearchRepositoryShape = z.strictObject({
  project_id: z.int(),
  project_name: z.string(),
  project_public: z.boolean(),
  repository_name: z.string(),
  pull_count: z.int(),
  artifact_count: z.int(),
});

/** Harbor's Search. A project found carries the few fields of Harbor's Project a search result needs. */
export const SearchShape = z.strictObject({
  project: z.array(
    z.strictObject({
      project_id: z.int(),
      name: z.string(),
      owner_id: z.int(),
      creation_time: z.string(),
      update_time: z.string(),
      metadata: z.strictObject({ public: z.enum(['true', 'false']) }),
    }),
  ),
  repository: z.array(SearchRepositoryShape),
});

export type SearchJson = z.infer<typeof SearchShape>;
