import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheRoot, renderPom } from './assemble.ts';

test('the pom pins the broker and an explicit logging binding per major version', () => {
  const four = renderPom('4.1.1');
  assert.match(four, /<artifactId>kafka_2\.13<\/artifactId>\s*<version>4\.1\.1<\/version>/);
  assert.match(four, /<artifactId>slf4j-simple<\/artifactId>\s*<version>1\.7\.36<\/version>/);
  assert.match(renderPom('3.9.2'), /<artifactId>slf4j-reload4j<\/artifactId>/);
});

test('a version that is not x.y.z is rejected before Maven runs', () => {
  assert.throws(() => renderPom('latest'), /Kafka version must look like 4\.1\.1/);
  assert.throws(() => renderPom('4.1.1</version><x>'), /Kafka version/);
});

test('the cache root follows VPO_CACHE_DIR, else ~/.cache/vpo', () => {
  assert.equal(cacheRoot({ VPO_CACHE_DIR: '/var/cache/x' }), '/var/cache/x');
  assert.match(cacheRoot({}), /\/\.cache\/vpo$/);
});
