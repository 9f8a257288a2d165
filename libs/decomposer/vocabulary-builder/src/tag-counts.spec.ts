import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSynonyms, parseSynonyms } from './synonyms';
import { readTagCounts } from './tag-counts';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tag-counts-')), name);
  writeFileSync(path, text);
  return path;
}

describe('tag<TAB>count lists', () => {
  it('sum over files and repeated lines, skipping comments and blank lines', async () => {
    const a = file('a.tsv', '# counts\nRain\t3\n\nwind\t2\nrain \t1\n');
    const b = file('b.json', JSON.stringify({ '1': { tags: ['wind', 'thunder'] }, '2': { tags: ['wind'] } }));
    const counts = await readTagCounts([a, b]);
    expect(counts.tags).toEqual(['rain', 'wind', 'thunder']); // a tie of 4: by name
    expect(counts.counts).toEqual([4, 4, 1]);
    expect(counts.sources.map((s) => [s.format, s.clips])).toEqual([
      ['tag-counts', undefined],
      ['fsd50k-clips-info', 2],
    ]);
  });
});

describe('malformed input names the file and the line or clip', () => {
  it.each([
    ['t.tsv', 'rain\n', 't.tsv:1: expected "tag<TAB>count" or FSD50K clip metadata (JSON), got 1 column'],
    ['t.tsv', 'rain\t3\nwind\tmany\n', "t.tsv:2: count 'many' is not a number ≥ 0"],
    ['t.tsv', 'rain\t-1\n', "t.tsv:1: count '-1' is not a number ≥ 0"],
    ['t.tsv', ' \t3\n', 't.tsv:1: the tag is empty'],
    ['c.json', '{"1": {"tags": ["a"]', 'c.json: not valid JSON'],
    [
      'c.json',
      '{"64760": {"title": "x"}}',
      'c.json: clip \'64760\': expected {"tags": [...], ...}, got an object without "tags"',
    ],
    ['c.json', '{"64760": {"tags": "rain"}}', 'c.json: clip \'64760\': "tags" is string "rain", not a list'],
    ['c.json', '{"64760": {"tags": ["rain", 3]}}', "c.json: clip '64760': tag 2 is number 3, not a string"],
    ['c.json', '{"64760": [1]}', 'c.json: clip \'64760\': expected {"tags": [...], ...}, got a list'],
  ])('%s %j', async (name, text, message) => {
    const path = file(name, text);
    await expect(readTagCounts([path])).rejects.toThrow(`${path.slice(0, -name.length)}${message}`);
  });
});

describe('synonym table', () => {
  it('the kept table parses, each group a list of base forms', async () => {
    const groups = await loadSynonyms();
    expect(groups).toContainEqual(['car', 'automobile']);
    expect(groups).toContainEqual(['doorbell', 'door bell']);
  });

  it.each([
    ['car\n', 's.txt:1: expected two or more synonyms separated by commas'],
    ['car, , auto\n', 's.txt:1: expected two or more synonyms separated by commas'],
    ['car, auto\nbus, auto\n', "s.txt:2: 'auto' is already in the group of line 1"],
  ])('rejects %j', (text, message) => {
    expect(() => parseSynonyms(text, 's.txt')).toThrow(message);
  });
});
