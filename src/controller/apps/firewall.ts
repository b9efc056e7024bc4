/**
 * `firewall`: an ACL in table 0 in front of L2 learning in table 1. Each rule is a match in
 * ovs-ofctl syntax and `allow` (goto_table:1) or `deny` (drop), at falling priorities in the
 * order written; what no rule matches takes `default` (allow unless told). Learning then works
 * as the `learning` app, in table 1.
 *
 *   c1: { kind: controller, app: firewall, options: { rules: [ { match: "udp,tp_dst=5001", action: deny } ], default: allow } }
 *
 * Options that cannot be read are an AppOptionError naming the option and the column.
 */
import { parseFlow, FlowSyntaxError } from '../../switch/ofctl.js';
import type { AppFactory } from '../controller.js';
import { learning } from './learning.js';

export class AppOptionError extends Error {
  override readonly name = 'AppOptionError';
  readonly code = 'NETLOOM_APP_OPTIONS';
}

interface Rule {
  match: string;
  allow: boolean;
}

/** The highest ACL priority; each later rule is one lower. */
const TOP_PRIORITY = 1000;

function rulesOf(options: Readonly<Record<string, unknown>>, app: string): { rules: Rule[]; allowByDefault: boolean } {
  const raw = options['rules'] ?? [];
  if (!Array.isArray(raw)) throw new AppOptionError(`${app} options.rules: expected a list of { match, action }`);
  const rules = raw.map((r: unknown, i): Rule => {
    const where = `${app} options.rules[${i}]`;
    if (typeof r !== 'object' || r === null) throw new AppOptionError(`${where}: expected { match: "…", action: allow | deny }`);
    const { match, action } = r as { match?: unknown; action?: unknown };
    if (typeof match !== 'string') throw new AppOptionError(`${where}.match: expected a match in ovs-ofctl syntax, e.g. "tcp,tp_dst=22"`);
    if (action !== 'allow' && action !== 'deny') throw new AppOptionError(`${where}.action: expected allow or deny, got ${JSON.stringify(action)}`);
    try {
      parseFlow(`${match === '' ? '' : `${match},`}actions=drop`);
    } catch (e) {
      if (e instanceof FlowSyntaxError) throw new AppOptionError(`${where}.match: ${e.message}`);
      throw e;
    }
    return { match, allow: action === 'allow' };
  });
  const fallback = options['default'] ?? 'allow';
  if (fallback !== 'allow' && fallback !== 'deny') throw new AppOptionError(`${app} options.default: expected allow or deny, got ${JSON.stringify(fallback)}`);
  return { rules, allowByDefault: fallback === 'allow' };
}

export const firewall: AppFactory = (context) => {
  const { rules, allowByDefault } = rulesOf(context.options, context.controller.name);
  const l2 = learning({ ...context, options: { ...context.options, table: 1 } });
  return {
    ...l2,
    switchConnected(dp) {
      rules.forEach((r, i) => dp.addFlow(`priority=${TOP_PRIORITY - i},${r.match === '' ? '' : `${r.match},`}actions=${r.allow ? 'goto_table:1' : 'drop'}`));
      dp.addFlow(`priority=0,actions=${allowByDefault ? 'goto_table:1' : 'drop'}`);
      return l2.switchConnected?.(dp);
    },
  };
};
