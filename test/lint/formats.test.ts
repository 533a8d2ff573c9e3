// The renderings of lint findings: what a person, a program, a GitHub pull request and code scanning read.
import { DIAGNOSTIC_CODES, type Diagnostic } from '../../src/diagnostics.js';
import { formatGithub } from '../../src/adapters/formats/github.js';
import { formatJson } from '../../src/adapters/formats/json.js';
import { formatSarif } from '../../src/adapters/formats/sarif.js';
import { formatText } from '../../src/adapters/formats/text.js';

const object = { apiVersion: 'config.openshift.io/v1', kind: 'ImageTagMirrorSet', name: 'tags' };
const findings: Diagnostic[] = [
  {
    code: 'SCHEMA_PATTERN',
    severity: 'error',
    message: 'remove the tag: a source names a repository, not an image',
    field: 'spec.imageDigestMirrors[0].mirrors[1]',
    location: { file: 'mirror sets/idms,1.yaml', line: 9, column: 7 },
    object: { apiVersion: 'config.openshift.io/v1', kind: 'ImageDigestMirrorSet', name: 'quay' },
  },
  {
    code: 'ITMS_REGISTRY_WIDE',
    severity: 'warning',
    message: 'line one\nline two: 100% sure',
    field: 'spec.imageTagMirrors[0].source',
    location: { file: 'itms.yaml', line: 7, column: 13 },
    object,
  },
  { code: 'SOURCE_LISTED_AS_MIRROR', severity: 'info', message: 'the source is tried first', location: { file: 'itms.yaml', line: 9, column: 7 } },
  { code: 'NO_MIRROR_SETS', severity: 'error', message: 'expected at least one mirror set, found none' },
];

test('text: one gcc-style line per finding (a newline in a message stays escaped), then the count', () => {
  expect(formatText(findings).split('\n')).toEqual([
    'mirror sets/idms,1.yaml:9:7: error SCHEMA_PATTERN spec.imageDigestMirrors[0].mirrors[1]: remove the tag: a source names a repository, not an image',
    'itms.yaml:7:13: warning ITMS_REGISTRY_WIDE spec.imageTagMirrors[0].source: line one\\u000aline two: 100% sure',
    'itms.yaml:9:7: info SOURCE_LISTED_AS_MIRROR: the source is tried first',
    'error NO_MIRROR_SETS: expected at least one mirror set, found none',
    'mirrorset-hosts: 2 errors, 1 warning, 1 info',
    '',
  ]);
  expect(formatText([])).toBe('');
});

test('json: a versioned document with a summary and flat locations', () => {
  const document = JSON.parse(formatJson(findings));
  expect(document.version).toBe(1);
  expect(document.summary).toEqual({ error: 2, warning: 1, info: 1 });
  expect(document.diagnostics[1]).toEqual({
    code: 'ITMS_REGISTRY_WIDE',
    severity: 'warning',
    message: 'line one\nline two: 100% sure',
    field: 'spec.imageTagMirrors[0].source',
    file: 'itms.yaml',
    line: 7,
    column: 13,
    object,
  });
  expect(Object.keys(document.diagnostics[3])).toEqual(['code', 'severity', 'message']);
});

test('github: one workflow command per finding, data and properties escaped as @actions/core does', () => {
  expect(formatGithub(findings).split('\n')).toEqual([
    '::error file=mirror sets/idms%2C1.yaml,line=9,col=7,title=SCHEMA_PATTERN::spec.imageDigestMirrors[0].mirrors[1]: remove the tag: a source names a repository, not an image',
    '::warning file=itms.yaml,line=7,col=13,title=ITMS_REGISTRY_WIDE::spec.imageTagMirrors[0].source: line one%0Aline two: 100%25 sure',
    '::notice file=itms.yaml,line=9,col=7,title=SOURCE_LISTED_AS_MIRROR::the source is tried first',
    '::error title=NO_MIRROR_SETS::expected at least one mirror set, found none',
    '',
  ]);
});

describe('sarif', () => {
  const log = JSON.parse(formatSarif(findings, '1.2.3'));
  const run = log.runs[0];

  test('is SARIF 2.1.0 with one run of mirrorset-hosts at its version', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.runs).toHaveLength(1);
    expect(run.tool.driver).toMatchObject({ name: 'mirrorset-hosts', version: '1.2.3' });
  });

  test('declares every diagnostic code as a rule with its meaning, fix and default level', () => {
    const rules = run.tool.driver.rules as { id: string; shortDescription: { text: string }; help: { text: string }; defaultConfiguration: { level: string } }[];
    expect(rules.map((r) => r.id)).toEqual(Object.keys(DIAGNOSTIC_CODES));
    const itms = rules.find((r) => r.id === 'ITMS_REGISTRY_WIDE');
    expect(itms?.shortDescription.text).toBe(DIAGNOSTIC_CODES.ITMS_REGISTRY_WIDE.meaning);
    expect(itms?.help.text).toBe(DIAGNOSTIC_CODES.ITMS_REGISTRY_WIDE.fix);
    expect(rules.find((r) => r.id === 'SOURCE_LISTED_AS_MIRROR')?.defaultConfiguration.level).toBe('note');
  });

  test('puts each result at its file, line and column, pointing at its rule', () => {
    const [schema, itms, info, none] = run.results;
    expect(run.tool.driver.rules[schema.ruleIndex].id).toBe('SCHEMA_PATTERN');
    expect(schema).toMatchObject({
      ruleId: 'SCHEMA_PATTERN',
      level: 'error',
      message: { text: 'spec.imageDigestMirrors[0].mirrors[1]: remove the tag: a source names a repository, not an image' },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: 'mirror%20sets/idms%2C1.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 9, startColumn: 7 } },
          logicalLocations: [{ fullyQualifiedName: 'ImageDigestMirrorSet/quay/spec.imageDigestMirrors[0].mirrors[1]' }],
        },
      ],
    });
    expect(itms.level).toBe('warning');
    expect(info.level).toBe('note');
    expect(none.locations).toBeUndefined();
  });
});
