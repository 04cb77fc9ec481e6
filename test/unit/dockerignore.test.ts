import { strict as assert } from 'node:assert';
import { DockerIgnore, parseDockerignore, cleanPath } from '../../extension/engine/build/dockerignore';

function ignores(text: string, file: string): boolean {
  return DockerIgnore.fromText(text).ignores(file);
}

describe('dockerignore: reading the file', () => {
  it('skips comments and blank lines, trims whitespace', () => {
    assert.deepEqual(parseDockerignore('# comment\n\n  *.log  \n\t\nnode_modules\r\n'), ['*.log', 'node_modules']);
  });

  it('keeps "!" and cleans the path after it', () => {
    assert.deepEqual(parseDockerignore('! ./logs/../keep.txt\n!/abs'), ['!keep.txt', '!abs']);
  });

  it('drops a leading "/" and cleans "." and ".." parts, like the Docker CLI', () => {
    assert.deepEqual(parseDockerignore('/foo\n./bar//baz/\na/./b/../c'), ['foo', 'bar/baz', 'a/c']);
  });

  it('ignores a byte order mark', () => {
    assert.deepEqual(parseDockerignore('\uFEFFsecret.txt\n'), ['secret.txt']);
  });

  it('a "#" only starts a comment at the beginning of a line', () => {
    assert.deepEqual(parseDockerignore(' #x\nfile#1'), ['#x', 'file#1']);
  });

  it('cleanPath behaves like Go filepath.Clean', () => {
    assert.equal(cleanPath(''), '.');
    assert.equal(cleanPath('a/'), 'a');
    assert.equal(cleanPath('./a/./b/'), 'a/b');
    assert.equal(cleanPath('../a'), '../a');
    assert.equal(cleanPath('/'), '/');
  });
});

describe('dockerignore: matching', () => {
  const table: [string, string, boolean][] = [
    // plain names match at the root, and everything below a matched folder
    ['secret.txt', 'secret.txt', true],
    ['secret.txt', 'sub/secret.txt', false],
    ['node_modules', 'node_modules', true],
    ['node_modules', 'node_modules/a/b.js', true],
    ['node_modules', 'web/node_modules/a.js', false],
    // * and ? stop at "/"
    ['*.md', 'README.md', true],
    ['*.md', 'docs/README.md', false],
    ['temp?', 'tempa', true],
    ['temp?', 'temp', false],
    ['temp?', 'temp/a', false],
    ['*/temp*', 'somedir/temporary.txt', true],
    ['*/temp*', 'somedir/temp', true],
    ['*/temp*', 'temp', false],
    ['*/temp*', 'a/b/temp', false],
    ['*/*/temp*', 'a/b/temp.txt', true],
    ['*', 'anything', true],
    ['*', 'dir/file', true], // via the parent "dir"
    // ** spans any number of folders, including none
    ['**/*.go', 'main.go', true],
    ['**/*.go', 'cmd/x/main.go', true],
    ['**/*.go', 'main.go.txt', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/x/y/c', false],
    ['**', 'x/y/z', true],
    ['foo/**', 'foo/bar', true],
    ['foo/**', 'foo', false],
    ['**/foo', 'foo', true],
    ['**/foo', 'a/b/foo', true],
    ['**/foo', 'afoo', false],
    ['**foo', 'barfoo', true], // patternmatcher's suffix match
    ['**foo', 'a/barfoo', true],
    // character classes and escapes
    ['[a-c].txt', 'b.txt', true],
    ['[a-c].txt', 'd.txt', false],
    ['[^a].txt', 'a.txt', false],
    ['[^a].txt', 'b.txt', true],
    ['\\*.txt', '*.txt', true],
    ['\\*.txt', 'a.txt', false],
    // regular expression characters are literal
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['f(1)+$', 'f(1)+$', true],
    ['(x|y)', 'x', false],
    // leading "/" and "./" are relative to the context
    ['/secret', 'secret', true],
    ['./build', 'build/out.bin', true],
  ];
  for (const [pattern, file, want] of table) {
    it(`${JSON.stringify(pattern)} ${want ? 'ignores' : 'keeps'} ${JSON.stringify(file)}`, () => {
      assert.equal(ignores(pattern, file), want);
    });
  }

  it('never ignores the context root itself', () => {
    assert.equal(ignores('*\n**', '.'), false);
  });

  it('an empty file ignores nothing', () => {
    assert.equal(ignores('', 'a/b'), false);
  });
});

describe('dockerignore: exceptions and order', () => {
  it('"!" re-includes what an earlier pattern excluded', () => {
    const di = DockerIgnore.fromText('*.md\n!README.md');
    assert.equal(di.ignores('CHANGES.md'), true);
    assert.equal(di.ignores('README.md'), false);
  });

  it('the last matching pattern wins', () => {
    assert.equal(ignores('!README.md\n*.md', 'README.md'), true);
    assert.equal(ignores('*.md\n!README*.md\nREADME-secret.md', 'README-secret.md'), true);
    assert.equal(ignores('*.md\n!README*.md\nREADME-secret.md', 'README-public.md'), false);
  });

  it('re-includes a file inside an excluded folder', () => {
    const di = DockerIgnore.fromText('logs\n!logs/keep.log');
    assert.equal(di.ignores('logs/keep.log'), false);
    assert.equal(di.ignores('logs/other.log'), true);
    assert.equal(di.ignores('logs'), true);
    assert.equal(di.mayReincludeUnder('logs'), true);
  });

  it('only descends into an excluded folder when an exception starts with its path (Docker rule)', () => {
    const di = DockerIgnore.fromText('logs\n!**/keep.log');
    assert.equal(di.mayReincludeUnder('logs'), false);
    assert.equal(DockerIgnore.fromText('a\n!a/b/c').mayReincludeUnder('a/b'), true);
    assert.equal(DockerIgnore.fromText('a\n!a/b/c').mayReincludeUnder('a/x'), false);
    assert.equal(DockerIgnore.fromText('a').mayReincludeUnder('a'), false);
  });

  it('a re-included folder brings back its content', () => {
    const di = DockerIgnore.fromText('*\n!src');
    assert.equal(di.ignores('src/main.ts'), false);
    assert.equal(di.ignores('other.txt'), true);
  });

  it('re-exclusion inside a re-included folder', () => {
    const di = DockerIgnore.fromText('*\n!src\nsrc/**/*.test.ts');
    assert.equal(di.ignores('src/a.ts'), false);
    assert.equal(di.ignores('src/x/a.test.ts'), true);
  });
});

describe('dockerignore: invalid patterns', () => {
  it('rejects a lone "!"', () => {
    assert.throws(() => DockerIgnore.fromText('!'), /invalid .dockerignore pattern "!"/);
  });

  it('rejects an unterminated character class', () => {
    assert.throws(
      () => DockerIgnore.fromText('[abc'),
      /invalid .dockerignore pattern "\[abc": unterminated character class/,
    );
  });
});
