/**
 * The console's page: an HTML shell with its stylesheet inline, and its scripts as static files
 * served by the console itself (`/static/*.js`, classic scripts run in order; no build step, no
 * CDN, no UI library — plain DOM code, a few hundred lines). Views by URL hash, each in its own
 * script: `#/` the cluster and its topics, `#/topics/<name>` a topic, `#/topics/<name>/messages`
 * the message browser, `#/groups` and `#/groups/<id>` consumer groups, `#/pipeline` a running
 * pipeline. Values are inserted as text (`textContent`), never as HTML.
 */
import { BASE_SCRIPT } from './page-base.js';
import { GROUPS_SCRIPT } from './page-groups.js';
import { MESSAGES_SCRIPT } from './page-messages.js';
import { PIPELINE_SCRIPT } from './page-pipeline.js';
import { TOPICS_SCRIPT } from './page-topics.js';

/** The page's scripts by file name, in the order the page runs them. */
export const CONSOLE_SCRIPTS: Readonly<Record<string, string>> = {
  'base.js': BASE_SCRIPT,
  'topics.js': TOPICS_SCRIPT,
  'messages.js': MESSAGES_SCRIPT,
  'groups.js': GROUPS_SCRIPT,
  'pipeline.js': PIPELINE_SCRIPT,
  'main.js': "'use strict';\nwindow.addEventListener('hashchange', route);\nroute();\n",
};

export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice console</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
  header { background: #1d2430; color: #fff; padding: 8px 16px; display: flex; flex-wrap: wrap; gap: 16px; align-items: baseline; }
  header a { color: #c9d1dc; text-decoration: none; font-weight: 600; }
  header a.active, header a:first-child { color: #fff; }
  header nav { display: flex; gap: 16px; }
  main { padding: 16px; max-width: 1400px; }
  h2 { font-size: 15px; margin: 20px 0 8px; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  pre { margin: 0; white-space: pre-wrap; word-break: break-all; max-height: 16em; overflow: auto; font: 12px/1.35 ui-monospace, monospace; }
  input, select, textarea, button { font: inherit; }
  textarea { width: 100%; box-sizing: border-box; font: 12px/1.35 ui-monospace, monospace; }
  button { padding: 3px 10px; border: 1px solid #9aa4b1; border-radius: 4px; background: #fff; cursor: pointer; }
  button.danger { border-color: #b00020; color: #b00020; }
  button.small { font-size: 12px; padding: 1px 6px; margin-top: 4px; }
  td.actions { white-space: nowrap; }
  td.actions button.small { margin-top: 0; }
  .controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 8px 0 12px; }
  .form { display: grid; gap: 8px; max-width: 640px; }
  .form label { display: grid; gap: 2px; }
  .stats { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 12px; }
  .stat { background: #fff; padding: 8px 12px; border-radius: 4px; min-width: 110px; }
  .charts { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 12px; }
  svg.chart { background: #fff; width: 480px; max-width: 100%; height: auto; border-radius: 4px; }
  svg.chart .line { fill: none; stroke: #2f6fdf; stroke-width: 2; }
  svg.chart .dot { fill: #2f6fdf; }
  svg.chart .axis { stroke: #c5cbd3; }
  svg.chart .chart-label { font-size: 11px; fill: #6b7480; }
  details.json { font: 12px/1.35 ui-monospace, monospace; }
  details.json summary { cursor: pointer; color: #6b7480; }
  .json-entry { padding-left: 14px; }
  .json-key { color: #7a3e9d; }
  .json-string { color: #1b7a3a; }
  .json-number { color: #b25c00; }
  .muted { color: #6b7480; }
  .error { color: #b00020; }
  .ok { color: #1b7a3a; }
  @media (max-width: 640px) { .wide { display: none; } main { padding: 8px; } header { gap: 10px; } }
</style>
${Object.keys(CONSOLE_SCRIPTS).map((name) => `<script src="/static/${name}" defer></script>`).join('\n')}
</head>
<body>
<header><a href="#/">Sluice console</a><nav><a href="#/groups">Groups</a><a href="#/pipeline" id="pipeline-link" hidden>Pipeline</a></nav><span class="muted" id="where"></span></header>
<main id="view"></main>
</body>
</html>
`;
