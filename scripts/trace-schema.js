#!/usr/bin/env node
'use strict';
/**
 * `npm run schema`: write docs/trace-v1.schema.json from the op table (dist/ must be
 * built). __tests__/trace/jsonSchema.test.ts fails when the committed file is stale.
 */
const fs = require('fs');
const path = require('path');
const { traceJsonSchema, SCHEMA_FILE } = require('../dist/trace/jsonSchema.js');

const out = path.join(__dirname, '..', SCHEMA_FILE);
fs.writeFileSync(out, `${JSON.stringify(traceJsonSchema(), null, 2)}\n`);
console.log(`wrote ${SCHEMA_FILE}`);
