// Copy the built front-end assets from node_modules into the Django static tree.
// Run after `npm ci` with `npm run vendor`; the copies are committed so Python users need no Node.
// Versions are pinned exactly in package.json and recorded in docs/modules/portal.md.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const modules = join(root, "node_modules");
const target = join(root, "src", "yiwang", "portal", "static", "vendor");

const FILES = {
  bootstrap: [
    "dist/css/bootstrap.min.css",
    "dist/css/bootstrap.min.css.map",
    "dist/js/bootstrap.bundle.min.js",
    "dist/js/bootstrap.bundle.min.js.map",
    "LICENSE",
  ],
  "htmx.org": ["dist/htmx.min.js", "LICENSE"],
  echarts: ["dist/echarts.min.js", "LICENSE", "NOTICE"],
};
const DIRS = { bootstrap: "bootstrap", "htmx.org": "htmx", echarts: "echarts" };

const versions = {};
rmSync(target, { recursive: true, force: true });
for (const [pkg, files] of Object.entries(FILES)) {
  const meta = JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8"));
  versions[pkg] = meta.version;
  const dir = join(target, DIRS[pkg]);
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const name = file.split("/").pop();
    copyFileSync(join(modules, pkg, file), join(dir, name));
  }
}
writeFileSync(join(target, "VERSIONS.json"), JSON.stringify(versions, null, 2) + "\n");
console.log("vendored", versions);
