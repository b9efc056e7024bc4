/**
 * A bridge: the pipeline, its ports, and the flow-table API a topology file, a flow file or a
 * controller uses (add, modify, delete strict or not, by cookie; dump-flows). Free of the
 * simulation, so `netloom flows trace` and tests can drive it directly.
 */
import { parseFlow, parseSelector, formatRule, type ParseOptions } from './ofctl.js';
import { Pipeline, type PipelinePort, type PipelineResult } from './pipeline.js';
import { SwitchPacket } from './packet.js';
import type { Rule } from './flow.js';

export class Bridge {
  readonly pipeline: Pipeline;
  private readonly parseOptions: ParseOptions;

  constructor(
    readonly name: string,
    readonly ports: readonly PipelinePort[],
  ) {
    this.pipeline = new Pipeline(ports);
    this.parseOptions = { ports: new Map(ports.map((p) => [p.name, p.number])) };
  }

  /** Parses and adds one flow (`ovs-ofctl add-flow` syntax); `where` names its origin in errors. */
  addFlow(text: string, now = 0, where?: string): Rule {
    const rule = parseFlow(text, { ...this.parseOptions, ...(where !== undefined && { where }) });
    this.pipeline.add(rule, now);
    return rule;
  }

  /** Flow-file text: one flow per line; blank lines and # comments skipped. All parse before any is added. */
  addFlows(text: string, file = 'flows', now = 0): Rule[] {
    const rules: Rule[] = [];
    text.split('\n').forEach((line, i) => {
      const flow = line.trim();
      if (flow === '' || flow.startsWith('#')) return;
      rules.push(parseFlow(flow, { ...this.parseOptions, where: `${file}:${i + 1}` }));
    });
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
