import { mergePriorityLists } from '../../src/model/topo-merge.js';

// Expectations follow openshift/runtime-utils pkg/registries/topo.go Sorted() and docs/design/rendering.md "Order".
test.each([
  ['one list keeps its order', [['b', 'a', 'c']], ['b', 'a', 'c']],
  ['(b, a) + (c) gives b, c, a', [['b', 'a'], ['c']], ['b', 'c', 'a']],
  ['(a, b) + (b, a) is a cycle broken by the bytewise-first node', [['a', 'b'], ['b', 'a']], ['a', 'b']],
  ['(a, b, c) + (c, d, e) chains, as the IDMS API docs describe', [['a', 'b', 'c'], ['c', 'd', 'e']], ['a', 'b', 'c', 'd', 'e']],
  ['(B, C) + (A, B) gives A, B, C (runtime-utils topo.go)', [['B', 'C'], ['A', 'B']], ['A', 'B', 'C']],
  ['unrelated one-element lists come out in bytewise order', [['z'], ['a'], ['M']], ['M', 'a', 'z']],
  ['a repeated element within a list counts once', [['a', 'b', 'a']], ['a', 'b']],
  ['nothing in, nothing out', [], []],
])('%s', (_name, lists, expected) => {
  expect(mergePriorityLists(lists)).toEqual(expected);
});

test('the result does not depend on the order of the lists', () => {
  const lists = [['x', 'b'], ['a', 'x'], ['c'], ['b', 'a']];
  const expected = mergePriorityLists(lists);
  for (const permutation of [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]]) {
    expect(mergePriorityLists(permutation.map((i) => lists[i] as string[]))).toEqual(expected);
  }
});
