// Renderings of a plan (src/plan/build-plan.ts): text for terminals and logs, Markdown for a pull-request
// comment (the first line is a marker a workflow can use to update its own comment), JSON for programs.
import { formatDiagnostic, type Diagnostic } from '../../diagnostics.js';
import type { Plan, RegistryChange } from '../../plan/build-plan.js';
import type { McoImpact } from '../../plan/mco-impact.js';
import { toJsonDiagnostic } from './json.js';

export const PLAN_FORMATS = ['text', 'markdown', 'json'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** The first line of the Markdown plan; examples/github-actions/plan.yml finds its comment by it. */
export const PLAN_COMMENT_MARKER = '<!-- mirrorset-hosts-plan -->';

export interface PlanRevision {
  /** As the user wrote it; undefined for the work tree. */
  revision?: string;
  commit?: string;
}

export interface PlanContext {
  /** `errors`: how many errors the base revision has when it did not render. */
  base: PlanRevision & { errors?: number };
  head: PlanRevision;
  /** Findings in the head revision (warnings and infos; errors stop the plan). */
  diagnostics: readonly Diagnostic[];
}

function label(side: PlanRevision): string {
  return side.revision === undefined ? 'working tree' : `${side.revision} (${(side.commit ?? '').slice(0, 12)})`;
}

/** Said first in every format when the base did not render: the files are the head's, shown in full. */
function baseNotRendered(context: PlanContext): string {
  return (
    `the base ${label(context.base)} does not render (${context.base.errors ?? 0} error(s)), so nothing can be compared: ` +
    'below is every file the head renders, in full'
  );
}

export function containerdSummary(plan: Plan): string {
  if (!plan.baseRendered) {
    return `${plan.containerd.added.length} file(s) rendered; what changes on a node depends on what it holds now; containerd reads hosts.toml on every pull: no restart, no drain`;
  }
  const { added, changed, removed } = plan.containerd;
  const total = added.length + changed.length + removed.length;
  if (total === 0) return 'no hosts.toml changes: nothing to do on the nodes';
  const where =
    plan.profile === 'wmco'
      ? '; WMCO copies them to each Windows node in turn over SSH, replacing C:\\k\\containerd\\registries (docs 5.6)'
      : ' in the containerd registry directory (/etc/containerd/certs.d on Linux, C:\\k\\containerd\\registries on Windows)';
  return (
    `${total} file(s) change on every node (${added.length} added, ${changed.length} changed, ${removed.length} removed)${where}; ` +
    'containerd reads hosts.toml on every pull: no restart, no drain'
  );
}

export function mcoSummary(mco: McoImpact): string {
  switch (mco.action) {
    case 'none':
      return 'no change';
    case 'no-drain':
      return 'applied without drain or reboot';
    case 'drain-reboot':
      return 'every node is drained and rebooted';
    case 'unknown':
      return 'unknown: the base does not render';
  }
}

export function formatPlanText(plan: Plan, context: PlanContext): string {
  const lines = [`Plan: ${label(context.base)} -> ${label(context.head)}, profile ${plan.profile}`, ''];
  if (!plan.baseRendered) lines.push(`Note: ${baseNotRendered(context)}.`, '');
  if (plan.registries.length === 0) lines.push('hosts.toml: no changes', '');
  for (const registry of plan.registries) {
    lines.push(`${registry.registry}: ${registry.change} (${registry.files.map((f) => `${f.path} ${f.change}`).join(', ')})`);
    for (const file of registry.files) for (const line of file.diff.trimEnd().split('\n').map((l) => `    ${l}`)) lines.push(line);
    lines.push('');
  }
  if (plan.objects.length > 0) lines.push(`Mirror sets: ${plan.objects.map((o) => `${o.kind}/${o.name} ${o.change}`).join(', ')}`, '');
  lines.push(`Windows and containerd nodes: ${containerdSummary(plan)}`);
  lines.push(`Linux nodes (OpenShift MCO): ${mcoSummary(plan.mco)}`);
  for (const reason of plan.mco.reasons) lines.push(`  - ${reason}`);
  return lines.join('\n') + '\n';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A code fence longer than any backtick run inside the block. */
function fence(body: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

function registryHeading(registry: RegistryChange): string {
  return `#### \`${registry.registry}\`: ${registry.change}`;
}

export function formatPlanMarkdown(plan: Plan, context: PlanContext): string {
  const out = [PLAN_COMMENT_MARKER, '### mirrorset-hosts plan', ''];
  out.push(`\`${cell(label(context.base))}\` → \`${cell(label(context.head))}\`, profile \`${plan.profile}\``, '');
  if (!plan.baseRendered) out.push(`> [!WARNING]`, `> ${cell(baseNotRendered(context))}.`, '');
  out.push('| Nodes | Effect |', '| --- | --- |');
  out.push(`| Windows and containerd nodes | ${cell(containerdSummary(plan))} |`);
  const mco = plan.mco.action === 'drain-reboot' ? `**${mcoSummary(plan.mco)}**` : mcoSummary(plan.mco);
  out.push(`| Linux nodes (OpenShift MCO) | ${mco} |`, '');
  out.push('Linux nodes, because:', ...plan.mco.reasons.map((r) => `- ${r}`), '');
  if (plan.objects.length > 0) {
    out.push(`Mirror sets: ${plan.objects.map((o) => `\`${o.kind}/${o.name}\` ${o.change}`).join(', ')}`, '');
  }
  if (plan.registries.length === 0) out.push('No hosts.toml changes.', '');
  for (const registry of plan.registries) {
    out.push(registryHeading(registry), '');
    for (const file of registry.files) {
      const marks = fence(file.diff);
      out.push(`\`${file.path}\` ${file.change}`, '', `${marks}diff`, file.diff.trimEnd(), marks, '');
    }
  }
  if (context.diagnostics.length > 0) {
    const body = context.diagnostics.map(formatDiagnostic).join('\n');
    const marks = fence(body);
    out.push(`<details><summary>${context.diagnostics.length} finding(s) in ${cell(label(context.head))}</summary>`, '', `${marks}text`, body, marks, '', '</details>', '');
  }
  return out.join('\n');
}

export function formatPlanJson(plan: Plan, context: PlanContext): string {
  const side = (s: PlanRevision): Record<string, unknown> =>
    s.revision === undefined ? { revision: null, commit: null, workingTree: true } : { revision: s.revision, commit: s.commit ?? null, workingTree: false };
  const document = {
    version: 1,
    profile: plan.profile,
    base: { ...side(context.base), rendered: plan.baseRendered, ...(plan.baseRendered ? {} : { errors: context.base.errors ?? 0 }) },
    head: side(context.head),
    registries: plan.registries,
    objects: plan.objects,
    nodes: {
      containerd: { ...plan.containerd, restart: false, drain: false },
      mco: { action: plan.mco.action, reasons: plan.mco.reasons },
    },
    diagnostics: context.diagnostics.map(toJsonDiagnostic),
  };
  return JSON.stringify(document, null, 2) + '\n';
}
