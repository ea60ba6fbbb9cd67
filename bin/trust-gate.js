#!/usr/bin/env node
'use strict';
require('../lib/cli/heap.js').boundYoungGeneration(); // peak memory follows the gate's windows, not the file's length
require('../lib/cli/main.js').main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
