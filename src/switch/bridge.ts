/**
 * A bridge: the pipeline, its ports, and the flow-table API a topology file, a flow file or a
 * controller uses (add, modify, delete strict or not, by cookie; dump-flows). Free of the
 * simulation, so `netloom flows trace` and tests can drive it directly.
 */
import { parseFlow, formatRule, type ParseOptions } from './ofctl.js';
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

  /** Runs a frame arriving on `inPort` through the pipeline; `trace` records the ofproto/trace lines. */
  process(inPort: number, bytes: Uint8Array, now = 0, trace = false, init?: (packet: SwitchPacket) => void): PipelineResult {
    const packet = new SwitchPacket(bytes, inPort);
    init?.(packet);
    return this.pipeline.process(packet, now, trace);
  }

  /** `ovs-ofctl dump-flows` output. */
  dumpFlows(now = 0): string {
    return this.pipeline.allRules().map((r) => formatRule(r, now)).join('\n');
  }
}
