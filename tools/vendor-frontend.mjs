// Copies the pinned front-end libraries from node_modules into wwwroot/lib, which is committed:
// the portal runs in private clouds without internet, so nothing is loaded from a CDN.
import { cpSync, rmSync, mkdirSync } from "node:fs";

const files = [
  ["bootstrap/dist/css/bootstrap.min.css", "bootstrap/css/bootstrap.min.css"],
  ["bootstrap/dist/css/bootstrap.min.css.map", "bootstrap/css/bootstrap.min.css.map"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/js/bootstrap.bundle.min.js"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js.map", "bootstrap/js/bootstrap.bundle.min.js.map"],
  ["bootstrap/LICENSE", "bootstrap/LICENSE"],
  ["bootstrap-icons/font/bootstrap-icons.min.css", "bootstrap-icons/bootstrap-icons.min.css"],
  ["bootstrap-icons/font/fonts", "bootstrap-icons/fonts"],
  ["bootstrap-icons/LICENSE", "bootstrap-icons/LICENSE"],
  ["@microsoft/signalr/dist/browser/signalr.min.js", "signalr/signalr.min.js"],
  ["@microsoft/signalr/dist/browser/signalr.min.js.map", "signalr/signalr.min.js.map"],
  ["uplot/dist/uPlot.iife.min.js", "uplot/uPlot.iife.min.js"],
  ["uplot/dist/uPlot.min.css", "uplot/uPlot.min.css"],
  ["uplot/LICENSE", "uplot/LICENSE"],
];

rmSync("wwwroot/lib", { recursive: true, force: true });
for (const [from, to] of files) {
  const target = `wwwroot/lib/${to}`;
  mkdirSync(target.substring(0, target.lastIndexOf("/")), { recursive: true });
  cpSync(`node_modules/${from}`, target, { recursive: true });
}
console.log(`Copied ${files.length} entries into wwwroot/lib`);
