// `npx tsx src/tools/bench/table.ts <result.json>`: the table of a saved result, also of a
// run stopped part way (the result file is written after every measurement).
import { readFileSync } from "node:fs";
import { type BenchResult, table } from "./report.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: tsx src/tools/bench/table.ts <result.json>");
  process.exit(2);
}
const result = JSON.parse(readFileSync(file, "utf8")) as BenchResult;
console.log(`machine: ${result.machine}`);
console.log(`settings: ${JSON.stringify(result.settings)}`);
console.log(
  `load average (1/5/15 min): ${result.loadAverage.atStart.join(" ")} at start, ${result.loadAverage.atEnd.join(" ")} at the last measurement\n`,
);
console.log(table(result));
