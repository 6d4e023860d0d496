/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // examples/ import 'lockdep' as a user would; the tests run them against the source
  moduleNameMapper: {
    '^lockdep$': '<rootDir>/src/index.ts',
    '^lockdep/jest$': '<rootDir>/src/jest/index.ts',
    '^lockdep/cli$': '<rootDir>/src/cli/main.ts',
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  reporters: ['default', '<rootDir>/jest.summary-reporter.js'],
};
