import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectedTags, repositoryMatches, type Candidate, type ReplicationFilter } from './filters.js';
import { destinationRepository } from './namespace.js';

test("destination names follow Harbor's namespace and flattening rules", () => {
  const cases: Array<[string, string, number, string]> = [
    ['library/app', '', -1, 'library/app'],
    ['library/tools/app', 'mirror', -1, 'mirror/tools/app'],
    ['library/app', 'mirror', 0, 'mirror/library/app'],
    ['a/b/c/app', 'mirror', 1, 'mirror/b/c/app'],
    ['a/b/c/app', 'mirror', 2, 'mirror/c/app'],
    ['a/b/c/app', 'mirror', 3, 'mirror/app'],
    ['a/b/c/app', 'mirror', 9, 'mirror/app'],
    ['a/b/c/app', '', 2, 'c/app'],
    ['library/app', 'team/mirror', -1, 'team/mirror/app'],
  ];
  for (const [source, namespace, count, expected] of cases)
    assert.equal(destinationRepository(source, namespace, count), expected, `${source} ${namespace} ${count}`);
});

const image = (repository: string, tags: string[], labels: string[] = []): Candidate => ({
  repository,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  configMediaType: 'application/vnd.oci.image.config.v1+json',
  tags,
  labels,
});
const chart: Candidate = {
  repository: 'library/chart',
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  configMediaType: 'application/vnd.cncf.helm.config.v1+json',
  tags: ['1.0'],
};

test('name, tag, label and resource filters select artifacts and tags as Harbor does', () => {
  const by = (...filters: ReplicationFilter[]) => filters;
  assert.equal(repositoryMatches(by({ type: 'name', value: 'library/**' }), 'library/a/b'), true);
  assert.equal(repositoryMatches(by({ type: 'name', value: 'library/*' }), 'library/a/b'), false);
  assert.equal(repositoryMatches(by({ type: 'name', value: 'library/**', decoration: 'excludes' }), 'library/app'), false);
  assert.deepEqual(selectedTags([], image('library/app', [])), []);
  assert.deepEqual(selectedTags(by({ type: 'tag', value: 'v*' }), image('library/app', ['v1', 'latest', 'v2'])), ['v1', 'v2']);
  assert.deepEqual(selectedTags(by({ type: 'tag', value: 'v*', decoration: 'excludes' }), image('library/app', ['v1', 'latest'])), ['latest']);
  assert.equal(selectedTags(by({ type: 'tag', value: 'v*' }), image('library/app', ['latest'])), undefined);
  assert.equal(selectedTags(by({ type: 'tag', value: '**' }), image('library/app', [])), undefined, 'an untagged artifact has no tag to match');
  assert.deepEqual(selectedTags(by({ type: 'label', value: ['prod', 'signed'] }), image('library/app', ['1'], ['prod', 'signed', 'x'])), ['1']);
  assert.equal(selectedTags(by({ type: 'label', value: ['prod', 'signed'] }), image('library/app', ['1'], ['prod'])), undefined);
  assert.equal(selectedTags(by({ type: 'label', value: ['beta'], decoration: 'excludes' }), image('library/app', ['1'], ['beta'])), undefined);
  assert.equal(selectedTags(by({ type: 'resource', value: 'image' }), chart), undefined);
  assert.deepEqual(selectedTags(by({ type: 'resource', value: 'artifact' }), chart), ['1.0']);
  assert.deepEqual(selectedTags(by({ type: 'resource', value: 'image' }), image('library/app', ['1'])), ['1']);
});
