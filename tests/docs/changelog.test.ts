import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parser } from 'keep-a-changelog';

const ROOT = new URL('../../', import.meta.url);
const TEXT = readFileSync(fileURLToPath(new URL('CHANGELOG.md', ROOT)), 'utf8');
const PACKAGE = JSON.parse(readFileSync(fileURLToPath(new URL('package.json', ROOT)), 'utf8')) as { version: string };
/** The six change types of Keep a Changelog 1.1.0. */
const TYPES = ['added', 'changed', 'deprecated', 'removed', 'fixed', 'security'];

describe('CHANGELOG.md follows Keep a Changelog, read by the `keep-a-changelog` parser', () => {
  it('parses: an Unreleased section first, then releases newest first, each a semver version with a date and only the six change types', () => {
    const changelog = parser(TEXT);
    assert.equal(changelog.title, 'Changelog');
    const [unreleased, ...releases] = changelog.releases;
    assert.ok(unreleased && !unreleased.version, 'the first section is [Unreleased]');
    assert.ok(releases.length > 0, 'at least one release');
    const order = (v: string) => v.split(/[.-]/).slice(0, 3).map(Number);
    const older = (a: string, b: string) => {
      const [x, y] = [order(a), order(b)];
      const i = x.findIndex((n, k) => n !== y[k]);
      return i >= 0 && x[i]! < y[i]!;
    };
    let newer: { version: string; date: Date } | undefined;
    for (const release of releases) {
      const version = release.version?.toString();
      assert.ok(version && /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version), `release ${version}: a semver version`);
      assert.ok(release.date instanceof Date && !Number.isNaN(release.date.getTime()), `release ${version}: a date`);
      if (newer) {
        assert.ok(older(version, newer.version), `${newer.version} is listed before ${version}, so ${version} must be older`);
        assert.ok(release.date! <= newer.date, `${version} is dated after the newer ${newer.version}`);
      }
      newer = { version, date: release.date! };
    }
    for (const release of changelog.releases) {
      for (const [type, changes] of release.changes) {
        assert.ok(TYPES.includes(type), `${release.version ?? 'Unreleased'}: change type ${type}`);
        for (const change of changes) assert.ok(change.title.trim().length > 0, `${release.version ?? 'Unreleased'} ${type}: an empty entry`);
      }
    }
    // Every heading the parser took as a section is one the file has: nothing was skipped over.
    const headings = TEXT.split('\n').filter((l) => /^## /.test(l)).length;
    assert.equal(changelog.releases.length, headings);
  });

  it('the newest release is the version package.json declares', () => {
    const [, newest] = parser(TEXT).releases;
    assert.equal(newest!.version!.toString(), PACKAGE.version);
  });

  it('the parser refuses what the format forbids (so the check above can fail)', () => {
    assert.throws(() => parser(TEXT.replace('### Added', '### Addded')), /Invalid change type/);
    assert.throws(() => parser(TEXT.replace(/^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$/m, '## [$1] - yesterday')), /release title/);
  });
});
