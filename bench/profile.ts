import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from './spawn.ts';

/** The frame under which the child runs the measured work; samples outside it (start-up, loading) are ignored. */
export const PROFILED_FRAME = 'profiledWork';

export interface FrameCost {
  name: string;
  file: string;
  selfPercent: number;
  totalPercent: number;
}

export interface ProfileSummary {
  command: string;
  sampledMs: number;
  frames: FrameCost[];
  /** Self time by layer of the code base (src/sim, src/protocols, ...), largest first. */
  layers: Array<{ layer: string; percent: number }>;
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export const PROFILE_TIMEOUT_MS = 90_000;

/** Runs `bench/child.ts profile <workload>` under `node --cpu-prof` and summarizes the profile it writes. */
export async function profileWorkload(
  workload: string,
  timeoutMs = PROFILE_TIMEOUT_MS,
  framesMax = 12,
): Promise<ProfileSummary> {
  const directory = mkdtempSync(join(tmpdir(), 'tob-lab-bench-prof-'));
  try {
    const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${directory}`];
    await runChild(['profile', workload], { nodeArgs, timeoutMs });
    // A sweep's worker threads write profiles of their own; the main thread's is the one that ran the work.
    const files = readdirSync(directory)
      .filter((name) => name.endsWith('.cpuprofile'))
      .map((name) => join(directory, name))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    const summaries = files.map((file) =>
      summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, framesMax),
    );
    const best = summaries.sort((a, b) => b.sampledMs - a.sampledMs)[0];
    if (best === undefined || best.sampledMs === 0)
      throw new Error(`the profile of ${workload} has no samples inside ${PROFILED_FRAME}`);
    return { ...best, command: `node --cpu-prof --import tsx bench/child.ts profile ${workload}` };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Self and total time per function, counting only samples taken inside PROFILED_FRAME, plus the garbage
 * collector's samples between the first and the last of them (V8 files GC under the root, not under the frame
 * whose allocations caused it).
 */
export function summarizeProfile(profile: CpuProfile, framesMax: number): Omit<ProfileSummary, 'command'> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const stacks = new Map<number, { keys: string[]; inside: boolean; gc: boolean }>();
  const stackInfo = (leafId: number) => {
    let info = stacks.get(leafId);
    if (info === undefined) {
      const stack = stackOf(leafId, byId, parentOf);
      const rootIndex = stack.findIndex((node) => node.callFrame.functionName === PROFILED_FRAME);
      const gc = stack[0]?.callFrame.functionName === '(garbage collector)';
      // Recursion would count a frame twice in one sample: each frame once per stack. A sample in PROFILED_FRAME
      // itself counts as its own self time.
      const inside = stack.slice(0, Math.max(1, rootIndex));
      const keys = rootIndex >= 0 ? [...new Set(inside.map(frameKey))] : gc ? [frameKey(stack[0])] : [];
      info = { keys, inside: rootIndex >= 0, gc };
      stacks.set(leafId, info);
    }
    return info;
  };
  const insideIndices = profile.samples.flatMap((id, index) => (stackInfo(id).inside ? [index] : []));
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let insideMs = 0;
  for (let index = insideIndices[0] ?? 0; index <= (insideIndices.at(-1) ?? -1); index += 1) {
    const info = stackInfo(profile.samples[index]);
    if (!info.inside && !info.gc) continue;
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    insideMs += ms;
    self.set(info.keys[0], (self.get(info.keys[0]) ?? 0) + ms);
    for (const key of info.keys) total.set(key, (total.get(key) ?? 0) + ms);
  }
  const percent = (ms: number) => (insideMs > 0 ? (100 * ms) / insideMs : 0);
  const frames = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, framesMax)
    .map(([key, ms]) => {
      const [name, file] = key.split('\u0000');
      return { name, file, selfPercent: percent(ms), totalPercent: percent(total.get(key) ?? ms) };
    });
  const layers = new Map<string, number>();
  for (const [key, ms] of self) {
    const layer = layerOf(key.split('\u0000')[1]);
    layers.set(layer, (layers.get(layer) ?? 0) + ms);
  }
  return {
    sampledMs: insideMs,
    frames,
    layers: [...layers].sort((a, b) => b[1] - a[1]).map(([layer, ms]) => ({ layer, percent: percent(ms) })),
  };
}

/** The stack from the leaf up to the root, bounded by the tree's size (a cycle would be a malformed profile). */
function stackOf(leafId: number, byId: Map<number, CpuProfileNode>, parentOf: Map<number, number>): CpuProfileNode[] {
  const stack: CpuProfileNode[] = [];
  for (let id: number | undefined = leafId; id !== undefined && stack.length <= byId.size; id = parentOf.get(id)) {
    const node = byId.get(id);
    if (node === undefined) break;
    stack.push(node);
  }
  return stack;
}

function frameKey(node: CpuProfileNode): string {
  const name = node.callFrame.functionName === '' ? '(anonymous)' : node.callFrame.functionName;
  return `${name}\u0000${shortFile(node.callFrame.url)}`;
}

function shortFile(url: string): string {
  if (url === '') return '(native)';
  const project = url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
  const nodeModule = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(project);
  return nodeModule !== null ? `${nodeModule[1]} (package)` : project;
}

function layerOf(file: string): string {
  const source = /^(src\/[^/]+)\//.exec(file);
  if (source !== null) return source[1];
  if (file.startsWith('bench/')) return 'bench (the driver)';
  if (file.endsWith('(package)')) return file.replace(' (package)', '');
  if (file.startsWith('node:')) return 'node internals';
  return 'GC, natives and runtime';
}
