// The tool's version: set by the bundler (scripts/build.mjs defines __VERSION__), a dev marker under ts-jest.
declare const __VERSION__: string;
export const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';
