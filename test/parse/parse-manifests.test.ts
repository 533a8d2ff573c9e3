import { parseManifests } from '../../src/parse/parse-manifests.js';

const parse = (content: string | Uint8Array) => parseManifests([{ path: 'm.yaml', content }]);

describe('objects and their positions', () => {
  test('every document of a multi-document file is an object with its document index', () => {
    const { objects, diagnostics } = parse('apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n');
    expect(diagnostics).toEqual([]);
    expect(objects.map((o) => [o.kind, o.documentIndex])).toEqual([['A', 0], ['B', 1]]);
    expect(objects[1]?.locate(['kind'])).toEqual({ file: 'm.yaml', line: 5, column: 7, documentIndex: 1 });
  });

  test('List members are objects located under items[i]', () => {
    const { objects } = parse('apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: A\n  spec:\n    x: 1\n');
    expect(objects.map((o) => o.kind)).toEqual(['A']);
    expect(objects[0]?.basePath).toEqual(['items', 0]);
    expect(objects[0]?.locate(['spec', 'x'])).toMatchObject({ line: 7, column: 8 });
  });

  test('a missing field is located at its nearest existing parent; an unknown key at the key itself', () => {
    const { objects } = parse('apiVersion: v1\nkind: A\nspec:\n  entries:\n  - typo: 1\n');
    const object = objects[0];
    expect(object?.locate(['spec', 'entries', 0, 'source'])).toMatchObject({ line: 5, column: 5 });
    expect(object?.locateKey(['spec', 'entries', 0, 'typo'])).toMatchObject({ line: 5, column: 5 });
  });

  test('JSON is read as YAML, with positions', () => {
    const { objects } = parse('{\n  "apiVersion": "v1",\n  "kind": "A",\n  "spec": {"x": 1}\n}\n');
    expect(objects[0]?.locate(['spec', 'x'])).toMatchObject({ line: 4, column: 17 });
  });

  test('documents that are not Kubernetes objects are skipped silently', () => {
    const { objects, diagnostics } = parse('- a\n- b\n---\njust text\n---\nkind: NoApiVersion\n');
    expect(objects).toEqual([]);
    expect(diagnostics).toEqual([]);
  });
});

test.each([
  ['malformed YAML', 'a: [1\n', 'YAML_SYNTAX', 2, 1],
  ['a duplicate key', 'apiVersion: v1\nkind: A\nkind: B\n', 'DUPLICATE_KEY', 3, 1],
  ['a tab as indentation', 'apiVersion: v1\nspec:\n\tx: 1\n', 'YAML_SYNTAX', 3, 1],
  ['an undefined alias (an unquoted *.domain)', 'apiVersion: v1\nkind: A\nsource: *.example.com\n', 'YAML_SYNTAX', 3, 9],
])('%s is an error with a position', (_name, text, code, line, column) => {
  const { diagnostics } = parse(text);
  expect(diagnostics[0]).toMatchObject({ code, severity: 'error', location: { file: 'm.yaml', line, column } });
});

test.each([
  ['an empty file', '', 'EMPTY_FILE', 'warning'],
  ['a file of comments', '# nothing\n', 'EMPTY_FILE', 'warning'],
  ['a UTF-8 byte order mark', new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x3a, 0x20, 0x31, 0x0a]), 'BYTE_ORDER_MARK', 'warning'],
  ['invalid UTF-8', new Uint8Array([0x61, 0x3a, 0x20, 0xff, 0x0a]), 'NOT_UTF8', 'error'],
  ['a NUL byte', 'a: 1\u0000\n', 'NOT_UTF8', 'error'],
])('%s is reported as %s', (_name, content, code, severity) => {
  const { diagnostics } = parse(content);
  expect(diagnostics).toEqual([expect.objectContaining({ code, severity, location: { file: 'm.yaml', line: 1, column: 1 } })]);
});

test('CRLF line endings keep the same positions as LF', () => {
  const lf = parse('apiVersion: v1\nkind: A\nspec:\n  x: 1\n').objects[0]?.locate(['spec', 'x']);
  const crlf = parse('apiVersion: v1\r\nkind: A\r\nspec:\r\n  x: 1\r\n').objects[0]?.locate(['spec', 'x']);
  expect(crlf).toEqual(lf);
});
