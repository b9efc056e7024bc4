/**
 * A bridge: the pipeline, its ports, and the flow-table API a topology file, a flow file or a
 * controller uses (add, modify, delete strict or not, by cookie; dump-flows), and the group
 * table's (add-group, mod-group, del-groups, dump-groups, dump-group-stats). Free of the
 * simulation, so `netloom flows trace` and tests can drive it directly.
 */
import { FlowFileError, FlowSyntaxError, formatGroup, formatGroupStats, formatRule, parseFlow, parseGroup, parseGroupSelector, parseSelector, type ParseOptions, type Protocols } from './ofctl.js';
import { Pipeline, type PipelinePort, type PipelineResult } from './pipeline.js';
import { SwitchPacket } from './packet.js';
import { GroupError } from './group.js';
import type { Action, Group, Rule } from './flow.js';

export class Bridge {
  readonly pipeline: Pipeline;
  private readonly parseOptions: ParseOptions;

  constructor(
    readonly name: string,
    readonly ports: readonly PipelinePort[],
    options: { enforceTimeouts?: boolean; protocols?: Protocols } = {},
  ) {
    this.pipeline = new Pipeline(ports, options.enforceTimeouts ?? true);
    this.parseOptions = { ports: new Map(ports.map((p) => [p.name, p.number])), ...(options.protocols !== undefined && { protocols: options.protocols }) };
  }

  /**
   * Parses and adds one flow (`ovs-ofctl add-flow` syntax); `where` names its origin in errors.
   * A flow using a group that does not exist is refused (GroupError), as OVS refuses it.
   */
  addFlow(text: string, now = 0, where?: string): Rule {
    const rule = parseFlow(text, { ...this.parseOptions, ...(where !== undefined && { where }) });
    this.requireGroups(rule.actions);
    this.pipeline.add(rule, now);
    return rule;
  }

  /** Flow-file text: one flow per line; blank lines and # comments skipped. All parse before any is added. */
  addFlows(text: string, file = 'flows', now = 0): Rule[] {
    const rules: Rule[] = [];
    const bad: FlowSyntaxError[] = [];
    text.split('\n').forEach((line, i) => {
      // Leading white space stays, so an error's column is the line's own.
      const flow = line.trimEnd();
      if (flow.trim() === '' || flow.trimStart().startsWith('#')) return;
      try {
        rules.push(parseFlow(flow, { ...this.parseOptions, where: `${file}:${i + 1}` }));
      } catch (error) {
        if (!(error instanceof FlowSyntaxError)) throw error;
        bad.push(error);
      }
    });
    // One bad line is its own error; several are reported together.
    if (bad.length === 1) throw bad[0]!;
    if (bad.length > 1) throw new FlowFileError(bad);
    for (const r of rules) this.requireGroups(r.actions);
    for (const r of rules) this.pipeline.add(r, now);
    return rules;
  }

  /**
   * ovs-ofctl mod-flows: replaces the actions of the selected flows (strict: same priority and
   * match; otherwise every flow the match covers), keeping their counters. Returns how many.
   * `cookie=V/MASK` selects by cookie; a cookie without a mask is ignored (OpenFlow 1.1+).
   */
  modFlows(text: string, strict = false): number {
    const s = parseSelector(text, this.parseOptions, 'mod-flows');
    this.requireGroups(s.rule.actions);
    const rules = this.pipeline.select(s.table, s.rule.match, { strict, priority: s.rule.priority, cookie: s.rule.cookie, cookieMask: s.cookieMask });
    this.pipeline.modify(rules, s.rule.actions);
    return rules.length;
  }

  /** ovs-ofctl del-flows (strict or not, by cookie/mask); returns how many were deleted. */
  delFlows(text = '', strict = false): number {
    const s = parseSelector(text, this.parseOptions, 'del-flows');
    const rules = this.pipeline.select(s.table, s.rule.match, { strict, priority: s.rule.priority, cookie: s.rule.cookie, cookieMask: s.cookieMask });
    this.pipeline.delete(rules);
    return rules.length;
  }

  /** ovs-ofctl add-group: `group_id=1,type=all,bucket=output:1,bucket=output:2`. Refused as OVS refuses it (FlowSyntaxError, GroupError). */
  addGroup(text: string, now = 0): Group {
    const group = parseGroup(text, this.parseOptions);
    this.pipeline.addGroup(group, now);
    return group;
  }

  /** ovs-ofctl mod-group: new type and buckets for a group that exists (its counters start again). */
  modGroup(text: string): Group {
    const group = parseGroup(text, this.parseOptions);
    this.pipeline.modifyGroup(group);
    return group;
  }

  /** ovs-ofctl del-groups (`group_id=N`, or all of them): the flows that use a deleted group go too. Returns how many groups were deleted. */
  delGroups(text = ''): number {
    return this.pipeline.deleteGroups(parseGroupSelector(text, this.parseOptions)).groups.length;
  }

  /** `ovs-ofctl -O OpenFlow13 dump-groups` output, without its header line. */
  dumpGroups(): string {
    return this.pipeline.allGroups().map(formatGroup).join('\n');
  }

  /** `ovs-ofctl -O OpenFlow13 dump-group-stats` output at `now`, without its header line. */
  dumpGroupStats(now = 0): string {
    return this.pipeline.allGroups().map((g) => formatGroupStats(g, this.pipeline.groupRefs(g.id), now)).join('\n');
  }

  private requireGroups(actions: readonly Action[]): void {
    const missing = this.pipeline.missingGroup(actions);
    if (missing !== undefined) throw new GroupError('BAD_OUT_GROUP', `the flow uses group ${missing}, which does not exist`);
  }

  /** Runs a frame arriving on `inPort` through the pipeline; `trace` records the ofproto/trace lines. */
  process(inPort: number, bytes: Uint8Array, now = 0, trace = false, init?: (packet: SwitchPacket) => void): PipelineResult {
    const packet = new SwitchPacket(bytes, inPort);
    init?.(packet);
    return this.pipeline.process(packet, now, trace);
  }

  /** `ovs-ofctl dump-flows` output at `now`; flows whose timeout has passed by then are removed first, as ovs-vswitchd would have. */
  dumpFlows(now = 0): string {
    this.pipeline.expire(now);
    return this.pipeline.allRules().map((r) => formatRule(r, now)).join('\n');
  }
}
