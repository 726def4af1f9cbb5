// Real lodash over a batch of Update CRM Data cases, for the differential test of the sandbox's merging.
// argv: the directory lodash is installed in, the longest array the sandbox builds.
// stdin: [[mode, currentJson, dataJson], ...]; stdout: one answer per case, the JSON of the result after
// a JSON round trip (what the server would send back), or {"failure": why} where lodash throws or the
// result holds an array longer than the sandbox grows one (the cases send no arrays that long).
'use strict';
const fs = require('fs');

const lodash = require(require.resolve('lodash', { paths: [process.argv[2]] }));
const maxArrayLength = Number(process.argv[3]);

function longestArray(value) {
  if (value === null || typeof value !== 'object') return 0;
  const isArray = Array.isArray(value);
  if (isArray && value.length > maxArrayLength) return value.length; // walking billions of holes takes minutes
  // Array.from reads every slot that JSON shows (holes too), and no other property of an array
  const items = isArray ? Array.from(value) : Object.values(value);
  return items.reduce((longest, item) => Math.max(longest, longestArray(item)), isArray ? value.length : 0);
}

function answer([mode, currentJson, dataJson]) {
  try {
    const current = JSON.parse(currentJson);
    const data = JSON.parse(dataJson);
    const result = mode === 'replace' ? data : lodash[mode](current, data);
    const longest = longestArray(result);
    if (longest > maxArrayLength) return { failure: `an array of ${longest} items` };
    return JSON.stringify(result);
  } catch (error) {
    return { failure: `${error.name}: ${error.message}` };
  }
}

const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(cases.map(answer)));
